"""Ack latency of `/incident declare`: opsbot against a bare Bolt app, in the same run.

Three processes, so that nothing measured shares a GIL with what measures it:

* the server under test, in a subprocess of its own: either a bare slack_bolt App whose
  `/incident` only calls `ack()` (the baseline, behind the same cheroot server as opsbot,
  bot.http_server.HttpServer with 8 threads), or the product itself, `opsbot serve --no-scheduler`
  through the real CLI (as the Procfile's web process runs it; it migrates its database
  at start and logs as in production);
* the Web API stand-in (bot/kit/standin), in a process of its own, optionally behind
  benchmarks/slow_proxy.py, which waits `--delay-ms` before forwarding each call;
* the senders, in this process: `--concurrency` threads, each on its own keep-alive
  connection, sending `--warmup`, then `--requests` signed
  `/incident declare sev2 Benchmark incident <i>` and timing each until its HTTP answer.

Measured: the baseline; opsbot on a SQLite file; opsbot on PostgreSQL (a schema of its own
in `--ack-postgres-url`, dropped afterwards; skipped with a line when it does not answer);
opsbot on SQLite with a slow Web API (the ack must not wait on the Web API, so its latency
should stay as without the delay while the after-ack work takes longer).

All servers are started first, then take turns (`--ack-rounds`, each a share of
`--requests`), so that the load other programs put on the machine falls on all alike. For
opsbot, each round waits after its acks until the after-ack work is done (polling the
database and the stand-in). At the end it checks that every incident was declared once,
got exactly one `conversations.create` and one announcement, that its declarer was told
its number once through the response_url, and that the ledger holds nothing unsent; if
not, it raises BenchmarkError instead of reporting figures.

    python -m benchmarks.ack_latency [--requests N] [--concurrency C] [--warmup N]
        [--delay-ms MS] [--ack-postgres-url URL] [--ack-rounds N]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.ack_targets import (
    OpsbotTarget,
    Target,
    _describe,
    slack_workspace,
)
from benchmarks.databases import postgres_problem, postgres_schema
from benchmarks.load import Answer, Percentiles, send_all
from benchmarks.servers import (
    SERVER_THREADS,
    baseline_server,
    opsbot_server,
)
from bot.config import OrgConfig, example_config_path, load_config

ACK_DEADLINE = 3.0  # seconds: Slack's limit for acknowledging a slash command
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def default_postgres_url() -> str:
    """$OPSBOT_BENCH_POSTGRES_URL, else the test suite's $OPSBOT_TEST_POSTGRES_URL, else the
    local server's `test` database; "off" (or "") skips PostgreSQL."""
    for name in ("OPSBOT_BENCH_POSTGRES_URL", "OPSBOT_TEST_POSTGRES_URL"):
        if name in os.environ:
            url = os.environ[name].strip()
            return "" if url == "off" else url
    return DEFAULT_POSTGRES


@dataclass(frozen=True)
class Options:
    requests: int = 400
    concurrency: int = 20
    warmup: int = 40
    delay: float = 0.3  # seconds added to each Web API call in the slow measurement (0: none)
    # PostgreSQL to measure opsbot on ("" to skip); the benchmark uses a schema of its own
    postgres_url: str = field(default_factory=lambda: default_postgres_url())
    rounds: int = 4  # the servers take turns, so that they share the machine's moods alike

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Options:
        return cls(
            args.requests,
            args.concurrency,
            args.warmup,
            args.delay_ms / 1000,
            args.ack_postgres_url,
            args.ack_rounds,
        )


@dataclass
class Measurement:
    server: str
    database: str
    web_api: str
    answers: list[Answer] = field(default_factory=list)
    # seconds from the last ack of a round until its after-ack work was done, summed
    after_ack: float | None = None
    total: float = 0.0  # seconds from a round's first request until all was done, summed
    bad: int = 0  # answers that are not the expected ack (status, body)

    @property
    def latency(self) -> Percentiles:
        return Percentiles.of([answer.seconds for answer in self.answers])

    @property
    def late(self) -> int:
        """Answers that came after Slack's deadline."""
        return sum(answer.seconds > ACK_DEADLINE for answer in self.answers)


# -- measuring ----------------------------------------------------------------------------


Subject = tuple["Target", Measurement]


def rounds(indices: range, count: int) -> list[range]:
    """`indices` cut into `count` consecutive, nearly equal parts (none empty)."""
    count = max(1, min(count, len(indices)))
    size, extra = divmod(len(indices), count)
    parts, start = [], indices.start
    for n in range(count):
        end = start + size + (n < extra)
        parts.append(range(start, end))
        start = end
    return parts


def measure(subjects: list[Subject], options: Options) -> list[Measurement]:
    """Warm every server up, then let them take turns: in each round each server gets its
    share of `options.requests`, timed until each ack, then the round waits for its
    after-ack work. Finally check every server's after-ack work."""
    warmup = range(1, options.warmup + 1)
    measured = range(options.warmup + 1, options.warmup + options.requests + 1)
    for target, _ in subjects:
        target.expect(warmup)
        target.expect(measured)
        send_all(target.url, warmup, target.prepare, options.concurrency)
        target.settle(list(warmup))
        target.forget()
    for part in rounds(measured, options.rounds):
        for target, m in subjects:
            started = time.perf_counter()
            answers = send_all(target.url, part, target.prepare, options.concurrency)
            last_ack = max(answer.finished for answer in answers)
            target.settle(list(part))
            done = time.perf_counter()
            m.answers.extend(answers)
            m.total += done - started
            if target.has_after_ack_work:
                m.after_ack = (m.after_ack or 0.0) + done - last_ack
    for target, m in subjects:
        target.verify(list(measured))
        m.answers.sort(key=lambda answer: answer.index)
        m.bad = sum(not target.is_ack(answer) for answer in m.answers)
    return [m for _, m in subjects]


@contextlib.contextmanager
def baseline_subject(config: OrgConfig, workdir: Path) -> Iterator[Subject]:
    with (
        slack_workspace(config, delay=0) as slack,
        baseline_server(slack.api_url, workdir) as server,
    ):
        yield Target(server.url), Measurement("bare Bolt app (baseline)", "—", "stand-in")


@contextlib.contextmanager
def opsbot_subject(
    config: OrgConfig,
    workdir: Path,
    database_url: str,
    delay: float = 0,
    target_class: type[OpsbotTarget] | None = None,
) -> Iterator[Subject]:
    """`opsbot serve` on `database_url`, its own stand-in (slowed by `delay` per call)."""
    web_api = f"stand-in +{delay * 1000:.0f} ms/call" if delay > 0 else "stand-in"
    with (
        slack_workspace(config, delay) as slack,
        opsbot_server(slack.api_url, database_url, workdir) as server,
    ):
        target = (target_class or OpsbotTarget)(
            server.url, slack, database_url, config.channels.incidents
        )
        target.server = server
        try:
            yield target, Measurement("opsbot", _describe(database_url), web_api)
        finally:
            target.close()


def run(options: Options, *, progress: Callable[[str], None] | None = None) -> list[Measurement]:
    say = progress or (lambda line: print(f"ack_latency: {line}", file=sys.stderr))
    config = load_config(example_config_path())
    with (
        tempfile.TemporaryDirectory(prefix="opsbot-bench-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        workdir = Path(tmp)
        subjects = [
            stack.enter_context(baseline_subject(config, workdir)),
            stack.enter_context(opsbot_subject(config, workdir, f"sqlite:///{workdir / 'a.db'}")),
        ]
        problem = postgres_problem(options.postgres_url)
        if problem is None:
            url = stack.enter_context(postgres_schema(options.postgres_url))
            subjects.append(stack.enter_context(opsbot_subject(config, workdir, url)))
        else:
            say(f"opsbot on PostgreSQL skipped: {problem}")
        if options.delay > 0:
            slow = f"sqlite:///{workdir / 'slow.db'}"
            subjects.append(
                stack.enter_context(opsbot_subject(config, workdir, slow, options.delay))
            )
        results = measure(subjects, options)
    for m in results:
        say(_progress_line(m))
    return results


def _progress_line(m: Measurement) -> str:
    p = m.latency
    after = f", after-ack work {m.after_ack:.1f} s after the acks" if m.after_ack else ""
    return (
        f"{m.server} ({m.database}, {m.web_api}): p50 {_ms(p.p50)} p99 {_ms(p.p99)} "
        f"max {_ms(p.max)}, {m.late} late and {m.bad} bad acks{after}"
    )


# -- reporting ----------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


GOAL_RATIO = 1.5  # opsbot's p99 at most this times the baseline's…
GOAL_P99 = 0.25  # …and under this many seconds


def meets_goal(m: Measurement, baseline_p99: float) -> bool:
    p99 = m.latency.p99
    return p99 <= GOAL_RATIO * baseline_p99 and p99 < GOAL_P99 and not (m.late or m.bad)


def markdown(results: list[Measurement], options: Options) -> str:
    baseline = results[0].latency.p99
    header = (
        "| Server | Database | Web API | Acks | Late / bad | p50 | p90 | p99 | max "
        "| p99 / baseline p99 | Goal met | After-ack work done | All done |\n"
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |"
    )
    rows = [_row(m, baseline, first=n == 0) for n, m in enumerate(results)]
    skipped = (
        []
        if any(m.database == "PostgreSQL" for m in results)
        else ["", "PostgreSQL did not answer, so opsbot was not measured on it."]
    )
    parts = rounds(range(options.requests), options.rounds)
    return "\n".join(
        [
            "### Ack latency of `/incident declare`",
            "",
            f"{options.requests} signed `/incident declare sev2 …` requests per server from "
            f"{options.concurrency} concurrent senders (each on its own keep-alive "
            f"connection), after {options.warmup} warm-up requests; time until the HTTP "
            "answer (the ack). Each server runs in a process of its own: the baseline is a "
            "bare Bolt app that only acks, behind the same cheroot server as opsbot "
            f"(bot.http_server.HttpServer, {SERVER_THREADS} threads); opsbot is `opsbot serve "
            "--no-scheduler` started through the CLI as the Procfile starts it. Each has its "
            "own Web API stand-in in another process (behind a proxy that waits before each "
            "call, for the slow Web API); the senders run in the benchmark's process. The "
            f"servers take turns, {len(parts)} rounds of {len(parts[0])} requests each, "
            "each round waiting until the after-ack work is done, so that all share the "
            "machine's load alike. "
            f"Late: over Slack's {ACK_DEADLINE:.0f} s; bad: not answered 200 with the ack. "
            "After-ack work (recording the incident, telling the declarer its number through "
            "the response_url, channel, topic, invite, announcement, card, reply) was checked "
            "complete for every incident, and nothing left unsent in the ledger. After-ack "
            "work done: from each round's last ack until its after-ack work was done; all "
            "done: from each round's first request; both summed over the rounds. Goal: "
            f"p99 within {GOAL_RATIO:g} times the baseline's and under "
            f"{GOAL_P99 * 1000:.0f} ms.",
            *skipped,
            "",
            header,
            *rows,
        ]
    )


def _row(m: Measurement, baseline_p99: float, *, first: bool) -> str:
    p = m.latency
    after = f"{m.after_ack:.1f} s" if m.after_ack is not None else "—"
    goal = "—" if first else ("yes" if meets_goal(m, baseline_p99) else "**no**")
    cells = [
        m.server,
        m.database,
        m.web_api,
        str(len(m.answers)),
        f"{m.late} / {m.bad}",
        _ms(p.p50),
        _ms(p.p90),
        _ms(p.p99),
        _ms(p.max),
        f"{p.p99 / baseline_p99:.2f}",
        goal,
        after,
        f"{m.total:.1f} s",
    ]
    return "| " + " | ".join(cells) + " |"


# -- command line -------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Options()
    group = parser.add_argument_group("ack latency")
    group.add_argument("--requests", type=int, default=defaults.requests, metavar="N")
    group.add_argument("--concurrency", type=int, default=defaults.concurrency, metavar="C")
    group.add_argument("--warmup", type=int, default=defaults.warmup, metavar="N")
    group.add_argument(
        "--delay-ms",
        type=float,
        default=defaults.delay * 1000,
        metavar="MS",
        help="added to each Web API call in the slow measurement (0: no slow measurement)",
    )
    group.add_argument(
        "--ack-postgres-url",
        default=defaults.postgres_url,
        metavar="URL",
        help="PostgreSQL to measure opsbot on, in a schema of its own ('' to skip; default "
        f"$OPSBOT_BENCH_POSTGRES_URL, else $OPSBOT_TEST_POSTGRES_URL, else {DEFAULT_POSTGRES})",
    )
    group.add_argument(
        "--ack-rounds",
        type=int,
        default=defaults.rounds,
        metavar="N",
        help="the servers take turns in N rounds of requests/N each",
    )


def section(args: argparse.Namespace) -> str:
    """Run the benchmark; its Markdown section (run.py's interface)."""
    options = Options.from_args(args)
    return markdown(run(options), options)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ack_latency")
    add_arguments(parser)
    args = parser.parse_args(argv)
    print(section(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
