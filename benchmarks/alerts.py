"""Alerts in, under load: Alertmanager's notifications posted to `opsbot serve` while slash
commands keep arriving, against a bare server in the same run.

* 200 alert groups (`--alerts-groups`) spread over 40 Alertmanager sources, 5 groups each, so
  that no source starts a storm (past 5 new groups of one source in 10 minutes opsbot pages
  once for the storm, not per group) and exactly one page per group is owed. Every source
  pages one roster with someone on standby at the time of the run.
* Each group gets 5 notifications in order (an alert fires; a second and a third join; the
  first resolves; the group resolves), each sent once the previous one was answered, as an
  Alertmanager does: 1,000 notifications from `--alerts-senders` (10) concurrent senders.
* Meanwhile signed `/incident list` commands arrive at `--alerts-slash-rate` per second from
  another thread, from the first notification until the alerts' work is done (and at least
  `--alerts-slash-least` of them).

Three processes, as benchmarks/ack_latency.py has them: the server under test; the Web API
stand-in (benchmarks/alerts_servers.py's TimedSlack, noting when each message was answered);
the senders, in this process. The servers: `opsbot serve` (with its scheduler) through the real CLI
on SQLite (WAL) and on PostgreSQL (a schema of its own, skipped with a line when it does not
answer), and the baseline: the same cheroot server (bot.http_server.HttpServer, same threads)
with a WSGI app that reads an alert's body and answers 200 storing nothing, and hands
Slack's requests to a bare Bolt app that only acks. The servers take turns in
`--alerts-rounds` rounds, each with its own sources' groups.

Measured: each notification's answer (from writing it until its answer was read); each
slash command's ack; for opsbot, the time from the moment each group's first notification
was sent until its page DM was answered by the stand-in (opsbot acts on a notification
before it answers 2xx, and may send the page before the sender has read that answer).
Checked: each group paged exactly once, no notification left unacted on in the inbox,
nothing left unsent.

    python -m benchmarks.alerts [--alerts-groups N] [--alerts-senders N] [--alerts-rounds N]
        [--alerts-slash-rate R] [--alerts-slash-least N] [--alerts-postgres-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import func, or_, select

from benchmarks.ack_latency import rounds
from benchmarks.alerts_load import (
    ALERTS_CHANNEL,
    COMMAND_CHANNEL,
    ROSTER_CHANNEL,
    STANDBY,
    STEPS,
    WARMUP_SOURCE,
    Group,
    SlashStream,
    group_name,
    send_notifications,
    source_id,
    write_config,
)
from benchmarks.alerts_report import GROUPS_PER_SOURCE, Options, Result, markdown, progress_line
from benchmarks.alerts_servers import TimedSlack, baseline_server, page_names
from benchmarks.databases import postgres_problem, postgres_schema
from benchmarks.servers import (
    BenchmarkError,
    ServerProcess,
    environment,
    free_port,
    opsbot_command,
    server_process,
)
from bot.alerts.models import AlertInbox
from bot.alerts.tokens import alerts_url, issue_token
from bot.db.engine import Database
from bot.ledger.models import PENDING, Delivery

SETTLE_TIMEOUT = 120.0  # seconds for a round's work to be done
STALLED = 10.0  # seconds without progress after which a round's work counts as done
TICK = 15.0  # seconds between the scheduler's ticks (schedules/)
POLL = 0.05  # seconds between looks at the database and the stand-in while settling
WARMUP_GROUPS = 5


class Subject:
    """The baseline: answers, nothing to wait for nor to check."""

    def __init__(self, server: ServerProcess, paths: dict[str, str], result: Result):
        self.server = server
        self.url = server.url
        self.paths = paths  # source id: its /alerts/<token>
        self.result = result

    def settle(self, names: set[str]) -> None:
        """Until the work the notifications of the groups `names` caused is done."""

    def check(self) -> None:
        """Count what the run did into `result`."""


class OpsbotSubject(Subject):
    def __init__(
        self,
        server: ServerProcess,
        paths: dict[str, str],
        result: Result,
        slack: TimedSlack,
        db: Database,
    ):
        super().__init__(server, paths, result)
        self.slack, self.db = slack, db

    def _paged(self) -> set[str]:
        return {name for name, _ in page_names(self.slack.posted())}

    def _left(self) -> tuple[int, int, int]:
        """(notifications not acted on, deliveries waiting for their first attempt or being
        sent, deliveries owed at all: deferred ones wait for the scheduler's next tick)."""
        with self.db.read() as session:
            unprocessed = session.scalar(
                select(func.count()).where(AlertInbox.processed_at.is_(None))
            )
            owed = select(func.count()).where(Delivery.status == PENDING)
            waiting = session.scalar(
                owed.where(
                    or_(Delivery.lease_owner.is_not(None), Delivery.next_attempt_at.is_(None))
                )
            )
            pending = session.scalar(owed)
        return unprocessed or 0, waiting or 0, pending or 0

    def settle(self, names: set[str], *, drain: bool = False) -> None:
        """Until every group of `names` was paged, the inbox is empty and no delivery waits
        for its first attempt; with `drain`, until nothing is owed at all (what was deferred
        went at a tick). Or until nothing has moved for STALLED seconds (what is missing is
        for `check` to count)."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        last, moved = None, time.monotonic()
        while time.monotonic() < deadline:
            paged, (unprocessed, waiting, pending) = self._paged(), self._left()
            if names <= paged and unprocessed == waiting == (pending if drain else 0) == 0:
                return
            progress = (len(paged), unprocessed, waiting, pending, len(self.slack.posted()))
            if progress != last:
                last, moved = progress, time.monotonic()
            elif time.monotonic() - moved > STALLED + (TICK if drain else 0):
                return
            time.sleep(POLL)  # polling the database and the stand-in
        raise BenchmarkError(f"the alerts' work still going after {SETTLE_TIMEOUT:.0f} s")

    def check(self) -> None:
        r = self.result
        self.settle(set(), drain=True)
        first_page: dict[str, float] = {}
        for name, at in page_names(self.slack.posted()):
            r.pages[name] += 1
            first_page.setdefault(name, at)
        r.page_delays = [first_page[n] - r.first_sent[n] for n in r.groups if n in first_page]
        if any(delay < 0 for delay in r.page_delays):
            raise BenchmarkError("a page DM came before its notification was sent")
        with self.db.read() as session:
            r.unprocessed = (
                session.scalar(select(func.count()).where(AlertInbox.processed_at.is_(None))) or 0
            )
            r.unsent = session.scalar(select(func.count()).where(Delivery.status == PENDING)) or 0
        errors = self.slack.errors()
        if errors:
            r.problems.append(f"the stand-in failed {len(errors)} times:\n{errors[0]}")
        logged = self.server.log_problems(5)
        if logged:
            r.problems.append(f"the server logged:\n{logged}")


# -- the servers --------------------------------------------------------------------------


CHANNELS = {"alerts": ALERTS_CHANNEL, "general": COMMAND_CHANNEL, "standby": ROSTER_CHANNEL}


@contextlib.contextmanager
def baseline_subject(sources: list[str], workdir: Path) -> Iterator[Subject]:
    with (
        TimedSlack(STANDBY, CHANNELS) as slack,  # Bolt asks it auth.test
        baseline_server(slack.api_url, workdir) as server,
    ):
        paths = {s: f"/alerts/{s}-{'x' * 40}" for s in sources}
        yield Subject(server, paths, Result("bare WSGI app + bare Bolt (baseline)", "—"))


@contextlib.contextmanager
def opsbot_subject(
    config_path: Path, sources: list[str], workdir: Path, database_url: str
) -> Iterator[OpsbotSubject]:
    """`opsbot serve` on `database_url`, with a stand-in of its own, and a
    secret URL issued for each source."""
    database = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    with TimedSlack(STANDBY, CHANNELS) as slack:
        env = environment(slack.api_url, database_url, PORT=str(free_port()))
        env.update(OPSBOT_CONFIG=str(config_path), PYTHONFAULTHANDLER="1")
        argv = opsbot_command("serve")  # with its scheduler, which sends what was deferred
        with server_process(argv, env, workdir) as server:
            db = Database(database_url)  # this process's view of the server's database
            try:
                now = dt.datetime.now(dt.UTC)
                paths = {s: alerts_url(issue_token(db, s, now)) for s in sources}
                yield OpsbotSubject(server, paths, Result("opsbot", database), slack, db)
            finally:
                db.dispose()


# -- measuring ----------------------------------------------------------------------------


def measured_groups(numbers: range, subject: Subject) -> list[Group]:
    """The measured groups `numbers`: GROUPS_PER_SOURCE of each source, in turn."""
    return [
        Group(n, group_name(n), subject.paths[source_id(n // GROUPS_PER_SOURCE + 1)])
        for n in numbers
    ]


def load_round(subject: Subject, groups: list[Group], options: Options, least: int) -> None:
    """Send the groups' notifications while slash commands keep arriving, until their work is
    done; record the answers into the subject's result."""
    r = subject.result
    stream = SlashStream(subject.url, options.slash_rate, least).start()
    started = time.perf_counter()
    try:
        answers = send_notifications(subject.url, groups, options.senders)
        subject.settle({g.name for g in groups})
    finally:
        acks = stream.stop()
    r.work += time.perf_counter() - started
    r.acks += acks
    r.notifications += [answers[g.number, step] for g in groups for step in range(STEPS)]
    for g in groups:
        r.groups.append(g.name)
        first = answers[g.number, 0]
        r.first_sent[g.name] = first.finished - first.seconds


def warm_up(subject: Subject, options: Options) -> None:
    """A few groups of a source of their own, with slash commands, not measured."""
    path = subject.paths[WARMUP_SOURCE]
    warm = [Group(n, group_name(n, "Warm"), path) for n in range(WARMUP_GROUPS)]
    stream = SlashStream(subject.url, options.slash_rate, 10).start()
    try:
        send_notifications(subject.url, warm, options.senders)
        subject.settle({g.name for g in warm})
    finally:
        stream.stop()


def measure(subjects: list[Subject], options: Options) -> list[Result]:
    for subject in subjects:
        warm_up(subject, options)
    # each round has sources of its own: a round's groups are whole sources' groups
    by_source = rounds(range(options.sources), options.rounds)
    for part in by_source:
        numbers = range(
            part.start * GROUPS_PER_SOURCE, min(part.stop * GROUPS_PER_SOURCE, options.groups)
        )
        least = max(1, options.slash_least // len(by_source))
        for subject in subjects:
            load_round(subject, measured_groups(numbers, subject), options, least)
    for subject in subjects:
        subject.check()
    return [subject.result for subject in subjects]


def run(options: Options, *, progress: Callable[[str], None] | None = None) -> list[Result]:
    say = progress or (lambda line: print(f"alerts: {line}", file=sys.stderr))
    sources = [source_id(n + 1) for n in range(options.sources)] + [WARMUP_SOURCE]
    with (
        tempfile.TemporaryDirectory(prefix="opsbot-alerts-bench-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        workdir = Path(tmp)
        config_path = workdir / "opsbot.yaml"
        write_config(config_path, sources, dt.datetime.now(dt.UTC))
        subjects: list[Subject] = [
            stack.enter_context(baseline_subject(sources, workdir)),
            stack.enter_context(
                opsbot_subject(config_path, sources, workdir, f"sqlite:///{workdir / 'a.db'}")
            ),
        ]
        problem = postgres_problem(options.postgres_url)
        if problem is None:
            url = stack.enter_context(postgres_schema(options.postgres_url))
            subjects.append(stack.enter_context(opsbot_subject(config_path, sources, workdir, url)))
        else:
            say(f"opsbot on PostgreSQL skipped: {problem}")
        results = measure(subjects, options)
    for result in results:
        say(progress_line(result, results[0]))
        for problem in result.problems:
            say(problem)
    return results


# -- command line -------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Options()
    group = parser.add_argument_group("alerts in")
    group.add_argument("--alerts-groups", type=int, default=defaults.groups, metavar="N")
    group.add_argument("--alerts-senders", type=int, default=defaults.senders, metavar="N")
    group.add_argument(
        "--alerts-slash-rate", type=float, default=defaults.slash_rate, metavar="PER_SECOND"
    )
    group.add_argument("--alerts-slash-least", type=int, default=defaults.slash_least, metavar="N")
    group.add_argument("--alerts-rounds", type=int, default=defaults.rounds, metavar="N")
    group.add_argument(
        "--alerts-postgres-url",
        default=defaults.postgres_url,
        metavar="URL",
        help="PostgreSQL to measure opsbot on ('' to skip; default as --ack-postgres-url)",
    )


def section(args: argparse.Namespace) -> str:
    """Run the benchmark; its Markdown section (run.py's interface)."""
    options = Options.from_args(args)
    return markdown(run(options), options)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.alerts")
    add_arguments(parser)
    print(section(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
