"""Engine and sessions. SQLite runs in WAL mode with a busy timeout. Writing transactions
(`Database.session`) start with BEGIN IMMEDIATE, so two processes writing the same file wait
for each other instead of failing on a stale snapshot; reading ones (`Database.read`) start
deferred and never take the write lock (WAL lets them read beside a writer).

PostgreSQL connections are checked with a ping when taken from the pool (SQLAlchemy's
`pool_pre_ping`), so connections that died while the database was away are replaced, not
handed to the next request; connecting gives up after `CONNECT_TIMEOUT` seconds and
waiting for a free pooled connection after `POOL_TIMEOUT`, so that a database that is gone
(refused, or a host that drops packets) fails a request within Slack's 3 seconds instead of
holding it; and TCP keepalives and a user timeout end connections whose peer vanished
mid-conversation, so that no thread waits on one for ever. While the database cannot be
reached, one caller at a time tries it and the others are answered at once
(bot/db/outage.py, which also tells such failures from others)."""

from __future__ import annotations

import contextvars
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from tenacity import retry, retry_if_exception, stop_after_delay, wait_random

from bot.db.outage import Reachability

SQLITE_BUSY_TIMEOUT_MS = 15_000
READ_ONLY = "opsbot_read_only"

CONNECT_TIMEOUT = 2  # seconds; the least libpq and psycopg accept
POOL_TIMEOUT = 2.0  # seconds a request waits for a pooled connection when all are in use
# libpq connection parameters (a DATABASE_URL that sets one wins): a connection whose peer
# vanished ends after about 25 s idle (keepalives) or 20 s with data unacknowledged.
POSTGRES_CONNECT_ARGS = {
    "connect_timeout": CONNECT_TIMEOUT,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 20_000,
}


def make_engine(url: str, *, create_file: bool = True, **kwargs: object) -> Engine:
    """An engine for `url`. On SQLite, without `create_file`, an existing database file is
    opened read-write but never created: if it goes away (deleted, its volume unmounted),
    connecting fails with "unable to open database file" instead of making an empty
    database in its place that knows no tables."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name().startswith(
            "psycopg"
        ):  # libpq's parameters: psycopg (3) and psycopg2
            connect_args = {k: v for k, v in POSTGRES_CONNECT_ARGS.items() if k not in parsed.query}
            kwargs = {"connect_args": connect_args, "pool_timeout": POOL_TIMEOUT, **kwargs}
        return create_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_engine(
        url if create_file else _existing_file_only(parsed),
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if parsed.database and parsed.database != ":memory:":
            _use_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection: Connection) -> None:
        reading = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

    return engine


def _existing_file_only(parsed: URL) -> URL | str:
    """A SQLite URL that opens the file as an SQLite URI with mode=rw (when it exists)."""
    path = parsed.database
    if not path or path == ":memory:" or parsed.query.get("uri") or not os.path.exists(path):
        return parsed
    return parsed.set(
        database=f"file:{quote(os.path.abspath(path))}",
        query={**parsed.query, "mode": "rw", "uri": "true"},
    )


def _locked(error: BaseException) -> bool:
    return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)


@retry(
    retry=retry_if_exception(_locked),
    wait=wait_random(0.005, 0.05),
    stop=stop_after_delay(SQLITE_BUSY_TIMEOUT_MS / 1000),
    reraise=True,
)
def _use_wal(cursor: sqlite3.Cursor) -> None:
    """Switch a new file to WAL (the mode is kept in the file, so later connections find it
    set and change nothing). Processes opening a new file together (a server and a clock
    started at once) race for the switch; SQLite answers the loser "database is locked" at
    once, without its busy timeout, to avoid a deadlock, so the switch is tried again."""
    if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        cursor.execute("PRAGMA journal_mode=WAL")


# Background work that goes before the rest (an alert group's page): its writes wait only
# for interactive ones. Set with `Database.urgent()`.
_URGENT: contextvars.ContextVar[bool] = contextvars.ContextVar("urgent_writes", default=False)

INTERACTIVE, URGENT, BACKGROUND = 0, 1, 2


class WriterGate:
    """One writer at a time: a writer someone is waiting for (a slash command before its
    ack) goes first, then urgent background writers (an alert's page), then the rest (the
    ledger, the tick)."""

    def __init__(self) -> None:
        self._turn = threading.Condition()
        self._busy = False
        self._waiting = [0, 0, 0]  # by level

    @contextmanager
    def hold(self, background: bool) -> Iterator[None]:
        level = (URGENT if _URGENT.get() else BACKGROUND) if background else INTERACTIVE
        with self._turn:
            self._waiting[level] += 1
            try:
                self._turn.wait_for(lambda: not self._busy and not any(self._waiting[:level]))
            finally:
                self._waiting[level] -= 1
            self._busy = True
        try:
            yield
        finally:
            with self._turn:
                self._busy = False
                self._turn.notify_all()


class Database:
    """The engine plus a session factory; one per process.

    On SQLite, writers of this process queue at a `WriterGate` before BEGIN IMMEDIATE: they
    are woken the moment the writer before them commits, where SQLite's busy handler would
    have them sleep and poll (and starve some under load), and interactive writers go
    first. Other processes still wait on the busy timeout. An existing SQLite file is never
    created anew once it is gone (see `make_engine`)."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url, create_file=False)
        self._writers = WriterGate() if self.engine.dialect.name == "sqlite" else None
        self.reachability = Reachability()
        event.listen(self.engine, "checkout", lambda *_: self.reachability.reached())
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, background: bool = False) -> Iterator[Session]:
        """A writing transaction: committed on success, rolled back on error. `background`
        writes (nobody is waiting on them) give way to interactive ones."""
        if self._writers is None:
            with self.reachability.attempt(), self._sessions() as session, session.begin():
                yield session
            return
        with (
            self.reachability.attempt(),
            self._writers.hold(background),
            self._sessions() as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def urgent(self) -> Iterator[None]:
        """Background writes made inside go before other background writes (SQLite)."""
        token = _URGENT.set(True)
        try:
            yield
        finally:
            _URGENT.reset(token)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A transaction that only reads (on SQLite it takes no write lock)."""
        with self.reachability.attempt(), self._readers() as session, session.begin():
            yield session

    def ping(self) -> bool:
        with self.reachability.attempt(), self.engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1

    def dispose(self) -> None:
        self.engine.dispose()
