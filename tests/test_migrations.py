"""Migrations run at the start of every `serve` and `clock`: replicas starting together
migrate an empty database once, without tripping over each other."""

from __future__ import annotations

import subprocess
import sys
import threading

from sqlalchemy import create_engine, inspect, text

from bot.db.engine import make_engine


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
