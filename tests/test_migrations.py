"""Migrations run at the start of every `serve` and `clock`: replicas starting together
migrate an empty database once, without tripping over each other. A migration that moves
data keeps what the database meant."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading

import pytest
from sqlalchemy import create_engine, inspect, select, text

from bot.db.engine import make_engine
from bot.ledger.models import Delivery
from bot.loop.models import ClosedWeek
from bot.schema.migrate import upgrade


@pytest.mark.slow
def test_four_processes_starting_together_migrate_once(empty_database_url):
    """Four processes (alembic's context is one per process, as in production) run the
    migrations at the same moment."""
    script = "import sys; from bot.schema.migrate import upgrade; upgrade(sys.argv[1])"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, empty_database_url], stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    failures = [p.stderr.read() for p in processes if p.wait(timeout=120) != 0]  # type: ignore[union-attr]
    assert failures == []
    engine = create_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
            tables = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    assert len(versions) == 1
    assert {"incidents", "deliveries", "scheduler_state"} <= tables


def test_connections_opening_a_new_sqlite_file_together_all_get_wal(tmp_path):
    """A server and a clock started at once both open a file that does not exist yet and
    switch it to WAL. SQLite answers the loser of that race "database is locked" at once
    (its busy timeout does not apply), which crashed `opsbot serve` at start about one time
    in five. Twenty rounds of four connections racing each get in, and the file is in WAL."""
    rounds, failures = 20, []
    for round_ in range(rounds):
        url = f"sqlite:///{tmp_path}/new-{round_}.db"
        start = threading.Barrier(4)

        def connect(url: str = url, start: threading.Barrier = start, round_: int = round_) -> None:
            engine = make_engine(url)
            start.wait()
            try:
                with engine.connect() as connection:
                    mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
                    assert mode == "wal"
            except Exception as error:  # noqa: BLE001 - collected and shown below
                failures.append(f"round {round_}: {error}")
            finally:
                engine.dispose()

        threads = [threading.Thread(target=connect) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []


def test_0006_closes_the_weeks_whose_digest_was_sent(empty_database_url):
    """A database upgraded past 0006 keeps its weeks as they were: closed where the week's
    digest delivery was sent (at the moment it was), open where it was not (still owed, set
    aside, or only a continuation of the digest sent)."""
    upgrade(empty_database_url, "0005")
    sent_at = dt.datetime(2026, 11, 26, 0, 0, 7, tzinfo=dt.UTC)
    rows = [
        ("loop:2026-W47:digest", "sent", sent_at - dt.timedelta(weeks=1)),
        ("loop:2026-W47:digest:part:1", "sent", sent_at - dt.timedelta(weeks=1)),
        ("loop:2026-W48:digest", "sent", sent_at),
        ("loop:2026-W48:prompt:payments", "sent", sent_at),
        ("loop:2026-W49:digest", "pending", None),
        ("loop:2026-W46:digest", "skipped", None),
        ("loop:2026-W45:digest:part:1", "sent", sent_at),
    ]
    deliveries = Delivery.__table__
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            for key, status, at in rows:
                connection.execute(
                    deliveries.insert().values(
                        key=key,
                        kind="loop_digest",
                        method="chat.postMessage",
                        payload={},
                        status=status,
                        due_at=sent_at,
                        created_at=sent_at,
                        attempts=1,
                        late=False,
                        sent_at=at,
                    )
                )
        upgrade(empty_database_url)
        with engine.connect() as connection:
            closed = connection.execute(
                select(ClosedWeek.week, ClosedWeek.closed_at).order_by(ClosedWeek.week)
            ).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in closed] == [
        ("2026-W47", sent_at - dt.timedelta(weeks=1)),
        ("2026-W48", sent_at),
    ]
