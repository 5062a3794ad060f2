"""Building the Loop-of-Loops digest (bot.loop.digest + render_digest) for many teams.

A SQLite database (migrated as the bot's is) is filled from a fixed seed: every team gets
one to three submissions for the week (the last counts), 90% of teams answer, a fifth are
at risk or blocked, a third ask one or two other teams for something (some asks from earlier
weeks still open), plus 30 incidents, 40 pages and 60 standby acknowledgements in the week.
Then the digest is built from the database and rendered into messages, as the digest's
renderer does at send time. Statements are counted with a SQLAlchemy `before_cursor_execute`
listener on the engine: the goal is the same count for 5 teams and for 200 (no statement
per team). Build time is the median of `--loop-repeats` builds after an unmeasured one.

    python -m benchmarks.loop_digest [--loop-teams 5,200] [--loop-repeats N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event

from bot.config import OrgConfig
from bot.db.engine import Database
from bot.escalation.models import Escalation, Page
from bot.incidents.models import Incident
from bot.loop import digest as build
from bot.loop import render_digest
from bot.loop.models import DONE, OPEN, STATUSES, LoopAsk, LoopUpdate
from bot.loop.weeks import loop_week, shift
from bot.schema.migrate import upgrade
from bot.slack.blocks import SECTION_LIMIT
from bot.standby.models import StandbyAcknowledgement

SEED = 20261126
WEEK = "2026-W48"
NOW = dt.datetime(2026, 11, 26, 0, 0, tzinfo=dt.UTC)  # Thu 09:00 JST: the digest moment


@dataclass(frozen=True)
class Figures:
    teams: int
    statements: int
    seconds: float
    messages: int
    blocks: int
    longest_section: int


def org(teams: int) -> OrgConfig:
    return OrgConfig.model_validate(
        {
            "timezone": "Asia/Tokyo",
            "channels": {"incidents": "C0INCIDENT", "loop": "C0LOOPLOOP"},
            "teams": [
                {"id": f"team-{i:03d}", "name": f"Team {i}", "pm": f"U0PM{i:05d}"}
                for i in range(teams)
            ],
        }
    )


def fill(db: Database, config: OrgConfig, seed: int = SEED) -> None:
    rng = random.Random(seed)
    ids = [t.id for t in config.teams]
    at = NOW - dt.timedelta(days=2)
    with db.session() as session:
        next_id = 1
        for team in config.teams:
            if rng.random() < 0.1:
                continue
            for _ in range(rng.randint(1, 3)):
                status = rng.choices(STATUSES, weights=(8, 1, 1))[0]
                session.add(
                    LoopUpdate(
                        id=next_id,
                        week=WEEK,
                        team_id=team.id,
                        author=team.pm,
                        submitted_at=at,
                        status=status,
                        working_on="Shipping the thing; " * rng.randint(1, 30),
                        roadblocks="Waiting on a vendor" if status != "on_track" else "",
                        needs=[],
                        submit_key=f"bench:{next_id}",
                    )
                )
                next_id += 1
            session.flush()
            if rng.random() < 0.33 and len(ids) > 1:
                for other in rng.sample([i for i in ids if i != team.id], min(2, len(ids) - 1)):
                    session.add(
                        LoopAsk(
                            week=shift(WEEK, -rng.choice((0, 0, 1, 2))),
                            from_team=team.id,
                            to_team=other,
                            text="Review our API change " * rng.randint(1, 5),
                            update_id=next_id - 1,
                            status=rng.choice((OPEN, OPEN, OPEN, DONE)),
                            opened_by=team.pm,
                            opened_at=at,
                        )
                    )
        for n in range(30):
            declared = NOW - dt.timedelta(hours=rng.randint(1, 160))
            incident = Incident(
                declare_key=f"bench:{n}",
                title=f"Incident {n}",
                severity=rng.choice(("sev1", "sev2", "sev3", "sev4")),
                status="resolved" if n % 4 else "investigating",
                declared_by="U0BENCH01",
                declared_at=declared,
                resolved_at=declared + dt.timedelta(minutes=rng.randint(5, 300)) if n % 4 else None,
                last_update_at=declared,
            )
            session.add(incident)
            session.flush()
            chain = Escalation(
                incident_id=incident.id,
                roster_id="platform",
                started_by="U0BENCH01",
                started_at=declared,
            )
            session.add(chain)
            session.flush()
            for level in range(rng.randint(0, 2)):
                session.add(
                    Page(
                        escalation_id=chain.id,
                        level=level,
                        loop=0,
                        target="U0ALICE01",
                        paged_at=declared,
                        outcome=rng.choice(("acknowledged", "timed_out")),
                    )
                )
        for n in range(60):
            session.add(
                StandbyAcknowledgement(
                    roster_id="platform",
                    shift_key=f"platform:{n}",
                    user_id="U0ALICE01",
                    at=NOW - dt.timedelta(hours=rng.randint(1, 160)),
                )
            )


def measure(teams: int, repeats: int = 5, seed: int = SEED) -> Figures:
    config = org(teams)
    week = loop_week(config, WEEK)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        db = Database(url)
        try:
            fill(db, config, seed)
            count = [0]

            @event.listens_for(db.engine, "before_cursor_execute")
            def _count(*_args: object) -> None:
                count[0] += 1

            def once() -> list[dict]:
                with db.read() as session:
                    data = build.build(session, config, week, NOW)
                return render_digest.messages(data)

            once()
            count[0] = 0
            messages = once()
            statements = count[0]
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                once()
                times.append(time.perf_counter() - started)
        finally:
            db.dispose()
    every = [b for m in messages for b in m["blocks"]]
    longest = max(len(b["text"]["text"]) for b in every if b["type"] == "section")
    return Figures(teams, statements, statistics.median(times), len(messages), len(every), longest)


def markdown(figures: list[Figures]) -> str:
    rows = [
        "| teams | SQL statements | build time (median) | messages | blocks | longest section |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for f in figures:
        rows.append(
            f"| {f.teams} | {f.statements} | {f.seconds * 1000:.1f} ms | {f.messages} | "
            f"{f.blocks} | {f.longest_section:,} / {SECTION_LIMIT:,} chars |"
        )
    return "\n".join(
        [
            "### Loop-of-Loops digest",
            "",
            "The digest of one week built from a SQLite database (seed "
            f"{SEED}: 90% of teams answer, one to three submissions each, a fifth at risk or "
            "blocked, a third asking other teams, asks carried from earlier weeks, 30 "
            "incidents, pages and standby acknowledgements) and rendered into Block Kit "
            "messages (at most 50 blocks each; the rest goes into the digest's thread). "
            "Statements counted with a `before_cursor_execute` listener (the read "
            "transaction's BEGIN included); the goal is the same count for any number of "
            "teams.",
            "",
            *rows,
        ]
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("loop digest")
    group.add_argument("--loop-teams", default="5,200", metavar="N,N", help="default: 5,200")
    group.add_argument("--loop-repeats", type=int, default=5, metavar="N")


def section(args: argparse.Namespace) -> str:
    sizes = [int(n) for n in str(args.loop_teams).split(",") if n.strip()]
    return markdown([measure(n, args.loop_repeats) for n in sizes])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.loop_digest")
    add_arguments(parser)
    print(section(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
