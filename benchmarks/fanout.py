"""Fan-out under Slack's rate limits: the Loop of Loops' weekly prompt to 200 PMs at once.

An organisation of `--fanout-messages` teams, each with its own PM, runs the real bot
(`create_app`; a migrated SQLite file, or a fresh schema in the PostgreSQL database
`--fanout-database-url` names) against the Web API stand-in, whose `chat.postMessage` is
limited to `--fanout-rate` calls a second with a burst of `--fanout-burst` (a token bucket
answering 429 with a whole-second `Retry-After`, as Slack does). The bots' clock (moving in
real time, `RunningClock`) starts a second before the week's prompt, when one tick runs and owes
nothing; then ticks run every 15 s as the scheduler runs them (a tick still running when
the next is due makes that one skip, as APScheduler's `max_instances=1` does) until the
ledger holds nothing unsent. With `--fanout-clocks 1,2` it is measured again with two bots
on the one database ticking at the same moments (two clocks overlapping during a deploy),
each with its own Web API client, as two processes would have.

Time runs from the tick at the prompt's moment (the one that makes the prompts due) until
the tick after which nothing is pending has returned. The floor is messages / rate; the
burst lets an ideal sender finish in (messages - burst) / rate, so a ratio a little under
1 is possible. The burst must hold at least a second's worth of calls for the floor to be
reachable at all: Slack's Retry-After is in whole seconds, so a client that honours it
waits at least a second and can then send only a burst. Before reporting, the run checks
that every PM got exactly one DM (the prompt), that Slack accepted exactly one call per
PM, and that every delivery is recorded sent; otherwise it raises BenchmarkError.

    python -m benchmarks.fanout [--fanout-messages N] [--fanout-rate PER_SECOND]
                                [--fanout-burst N] [--fanout-clocks N,N]
                                [--fanout-database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.databases import postgres_schema
from bot.app import OpsBot, create_app
from bot.config import OrgConfig
from bot.kit.standin import SlackStandIn
from bot.ledger.models import SENT, Delivery
from bot.loop.weeks import loop_week
from bot.schema.migrate import upgrade
from bot.settings import Settings
from schedules import TICK_SECONDS

WEEK = "2026-W48"  # prompted Mon 23 Nov 2026 10:00 JST
BOT_TOKEN = "xoxb-benchmark"
LOOP_CHANNEL = "C0LOOPLOOP"
METHOD = "chat.postMessage"
GIVE_UP_AFTER = 20  # ticks


class BenchmarkError(Exception):
    """The fan-out did not deliver what it owed exactly once: its time means nothing."""


@dataclass(frozen=True)
class Figures:
    messages: int
    rate: float  # calls a second
    burst: int
    clocks: int
    seconds: float
    ticks: int
    calls: int
    rate_limited: int  # 429 answers
    database: str = "sqlite"

    @property
    def floor(self) -> float:
        return self.messages / self.rate

    @property
    def ratio(self) -> float:
        return self.seconds / self.floor


def pm(index: int) -> str:
    return f"U0PM{index:05d}"


def org(teams: int) -> OrgConfig:
    return OrgConfig.model_validate(
        {
            "timezone": "Asia/Tokyo",
            "channels": {"incidents": "C0INCIDENT", "loop": LOOP_CHANNEL},
            "teams": [
                {"id": f"team-{i:03d}", "name": f"Team {i}", "pm": pm(i)} for i in range(teams)
            ],
            "loop": {"timezone": "Asia/Tokyo", "prompt": {"day": "mon", "time": "10:00"}},
        }
    )


@contextmanager
def _database(url: str | None) -> Iterator[str]:
    """A migrated, empty database: a SQLite file in a temporary directory, or a schema of
    its own (dropped afterwards) in the PostgreSQL database `url` names."""
    if url and url.startswith("postgresql"):
        with postgres_schema(url) as scoped:
            upgrade(scoped)
            yield scoped
        return
    if url:
        raise BenchmarkError("--fanout-database-url takes a PostgreSQL URL (SQLite is the default)")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'fanout.db'}"
        upgrade(url)
        yield url


def _settings(url: str, standin: SlackStandIn) -> Settings:
    return Settings(
        _env_file=None,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret="benchmark-signing-secret",
        slack_api_url=standin.api_url,
        database_url=url,
    )


def _tick_all(bots: list[OpsBot]) -> None:
    """Every bot ticks at once (one clock each), and this returns when all have finished."""
    if len(bots) == 1:
        bots[0].tick()
        return
    threads = [threading.Thread(target=bot.tick, name=f"clock-{n}") for n, bot in enumerate(bots)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _unsent(bot: OpsBot) -> int:
    with bot.db.read() as session:
        return session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.status != SENT)
        )


def _check(bot: OpsBot, standin: SlackStandIn, config: OrgConfig) -> None:
    with bot.db.read() as session:
        rows = session.execute(select(Delivery.key, Delivery.status)).all()
    keys = Counter(key for key, _ in rows)
    expected = {f"loop:{WEEK}:prompt:{team.id}" for team in config.teams}
    if set(keys) != expected:
        raise BenchmarkError(f"the ledger holds {sorted(set(keys) ^ expected)[:5]}…")
    unsent = [key for key, status in rows if status != SENT]
    if unsent:
        raise BenchmarkError(f"{len(unsent)} deliveries not sent, e.g. {unsent[0]}")
    for team in config.teams:
        got = standin.messages(team.pm)
        if len(got) != 1:
            raise BenchmarkError(f"{team.pm} got {len(got)} DMs, not one")
    accepted = Counter(c.arg("channel") for c in standin.calls_to(METHOD) if c.status == 200)
    if sorted(accepted) != sorted(t.pm for t in config.teams) or max(accepted.values()) != 1:
        raise BenchmarkError(f"Slack accepted {accepted.total()} prompts for {len(accepted)} PMs")
    if standin.errors:
        raise BenchmarkError(f"the stand-in failed: {standin.errors[0]}")


def measure(
    messages: int = 200,
    rate: float = 20.0,
    burst: int = 20,
    *,
    clocks: int = 1,
    database_url: str | None = None,
) -> Figures:
    config = org(messages)
    week = loop_week(config, WEEK)
    with ExitStack() as stack:
        url = stack.enter_context(_database(database_url))
        standin = stack.enter_context(SlackStandIn())
        for index in range(messages):
            standin.add_user(pm(index), f"pm{index}")
        standin.add_channel("incidents", "C0INCIDENT")
        standin.add_channel("loop", LOOP_CHANNEL)
        clock = RunningClock(week.prompt_at)
        bots = []
        for _ in range(clocks):
            bot = create_app(_settings(url, standin), config, clock=clock)
            stack.callback(bot.close)
            bots.append(bot)
        # The clock moves in real time from a little before the prompt: long enough for the
        # tick before to end before it, on a busy machine (the suite runs on 4 workers).
        clock.set_to(week.prompt_at - LEAD)
        _tick_all(bots)  # the tick before: nothing is due yet
        if clock.now() < week.prompt_at and (_unsent(bots[0]) or standin.calls_to(METHOD)):
            raise BenchmarkError("something was owed before the prompt")
        standin.rate_limit(METHOD, round(rate * 60), burst=burst)
        _sleep_until(time.monotonic() + (week.prompt_at - clock.now()).total_seconds())
        started = time.monotonic()
        ticks = 0
        while True:
            tick_started = time.monotonic()
            _tick_all(bots)
            ticks += 1
            if _unsent(bots[0]) == 0:
                seconds = time.monotonic() - started
                break
            if ticks >= GIVE_UP_AFTER:
                raise BenchmarkError(f"{_unsent(bots[0])} deliveries unsent after {ticks} ticks")
            # The scheduler's next tick: the first 15 s mark after this one ended.
            marks = int((time.monotonic() - tick_started) // TICK_SECONDS) + 1
            _sleep_until(tick_started + marks * TICK_SECONDS)
        _check(bots[0], standin, config)
        calls = standin.calls_to(METHOD)
        database = bots[0].db.dialect
    return Figures(
        messages,
        rate,
        burst,
        clocks,
        seconds,
        ticks,
        len(calls),
        sum(1 for c in calls if c.status == 429),
        database,
    )


def _sleep_until(deadline: float) -> None:
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(left)


LEAD = dt.timedelta(seconds=5)  # the tick before the prompt runs this long before it


class RunningClock:
    """The bots' clock: the wall clock reads the moment it was set to, then runs on at its
    real pace; monotonic seconds are the machine's."""

    def __init__(self, moment: dt.datetime):
        self.set_to(moment)

    def set_to(self, moment: dt.datetime) -> None:
        self._moment, self._since = moment.astimezone(dt.UTC), time.monotonic()

    def now(self) -> dt.datetime:
        return self._moment + dt.timedelta(seconds=time.monotonic() - self._since)

    def monotonic(self) -> float:
        return time.monotonic()


def markdown(figures: list[Figures]) -> str:
    rows = [
        "| DMs | limit | clocks | database | time | floor (DMs / rate) | ratio | 429s | "
        "calls | ticks |",
        "| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for f in figures:
        rows.append(
            f"| {f.messages} | {f.rate:g}/s, burst {f.burst} | {f.clocks} | {f.database} | "
            f"{f.seconds:.1f} s | {f.floor:.1f} s | {f.ratio:.2f}x | {f.rate_limited} | "
            f"{f.calls} | {f.ticks} |"
        )
    return "\n".join(
        [
            "### Fan-out under rate limits",
            "",
            "The Loop of Loops' weekly prompt to one PM per team, made due by the scheduler's "
            "tick at the prompt's moment (the bots' clock moving in real time) and sent "
            "through the delivery ledger, against the Web API stand-in limiting "
            "`chat.postMessage` to a fixed rate (a token bucket answering 429 with a "
            "whole-second `Retry-After`). Time from that tick until the ledger holds nothing "
            "unsent, as a ratio to the floor, messages / rate (the burst lets an ideal sender "
            "beat it slightly); the goal is within 1.25x. Each PM is checked to have got "
            "exactly one DM. Two clocks: two bots on the one database ticking together, each "
            "with its own client, as two processes during a deploy.",
            "",
            *rows,
        ]
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("fan-out")
    group.add_argument("--fanout-messages", type=int, default=200, metavar="N")
    group.add_argument("--fanout-rate", type=float, default=20.0, metavar="PER_SECOND")
    group.add_argument("--fanout-burst", type=int, default=20, metavar="N")
    group.add_argument(
        "--fanout-clocks", default="1,2", metavar="N,N", help="clocks ticking at once; 1,2"
    )
    group.add_argument("--fanout-database-url", default=None, metavar="URL")


def section(args: argparse.Namespace) -> str:
    clocks = [int(n) for n in str(args.fanout_clocks).split(",") if n.strip()]
    return markdown(
        [
            measure(
                args.fanout_messages,
                args.fanout_rate,
                args.fanout_burst,
                clocks=n,
                database_url=args.fanout_database_url,
            )
            for n in clocks
        ]
    )


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fanout")
    add_arguments(parser)
    print(section(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
