"""Telling "the database cannot be reached" from "the database answered with an error".

The first is an outage: PostgreSQL (or the network to it) refused, timed out or dropped the
connection, or is shutting down; the pool gave up waiting for a connection; a SQLite file
is locked by another process for longer than the busy timeout, or cannot be opened. It
passes, and whatever failed works when tried again. The second (a missing table, a
constraint, a bug) does not pass by waiting, and is reported as a failure.

SQLAlchemy marks the error of a statement whose connection died `connection_invalidated`
(its documented disconnect handling); an error while connecting is not marked, so the
driver's own error is read too: psycopg gives no SQLSTATE for errors of its own (refused,
timeout, connection lost), PostgreSQL gives class 08 (connection exception) and 57P01-57P03
(terminated by an administrator, crash, shutting down or starting up)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc

# SQLSTATEs PostgreSQL sends when it is going away or not there yet.
SERVER_GOING_AWAY = ("57P01", "57P02", "57P03")
# SQLite results of a database that cannot be used right now (not of a wrong statement).
SQLITE_UNAVAILABLE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR")


class DatabaseUnreachable(Exception):
    """Raised at once, without trying, while the database is known to be unreachable and
    another caller is already trying to reach it (see `Reachability`)."""


def unreachable(error: BaseException | None) -> bool:
    """True when `error`, or an error it was raised from, says the database cannot be
    reached right now."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if _says_unreachable(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def _says_unreachable(error: BaseException) -> bool:
    if isinstance(
        error, DatabaseUnreachable | exc.TimeoutError
    ):  # the pool waited pool_timeout for a connection
        return True
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return True
        return error.orig is not None and _driver_says_unreachable(error.orig)
    return _driver_says_unreachable(error)


def _driver_says_unreachable(error: BaseException) -> bool:
    if isinstance(error, sqlite3.OperationalError):
        name = getattr(error, "sqlite_errorname", "")
        return name.startswith(SQLITE_UNAVAILABLE) or (not name and "locked" in str(error))
    if type(error).__module__.startswith("psycopg") and type(error).__name__ in (
        "OperationalError",
        "ConnectionTimeout",
        "InterfaceError",
    ):
        state = getattr(error, "sqlstate", None)
        return state is None or state.startswith("08")
    state = getattr(error, "sqlstate", None)
    return isinstance(state, str) and (state.startswith("08") or state in SERVER_GOING_AWAY)


def reason(error: BaseException) -> str:
    """The driver's first line (e.g. "connection refused"), for a log line."""
    cause = error.orig if isinstance(error, exc.DBAPIError) and error.orig is not None else error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


def connecting_failed(error: BaseException) -> bool:
    """The database could not be reached at all: no connection could be made (SQLAlchemy
    reports errors of connecting, and of commit or rollback, without a statement), or the
    pool gave up waiting for one. A statement that lost its connection is not this: the
    pool checks connections before handing them out and makes new ones."""
    if isinstance(error, DatabaseUnreachable):
        return False  # nobody tried
    if isinstance(error, exc.TimeoutError):
        return True
    return isinstance(error, exc.DBAPIError) and error.statement is None and unreachable(error)


class Reachability:
    """While the database cannot be reached, only one caller at a time tries to: the others
    get `DatabaseUnreachable` at once instead of each waiting out the connect timeout (a
    host that drops packets holds a connect for `CONNECT_TIMEOUT` seconds, and a burst of
    requests would queue behind one another past Slack's 3 seconds). Nothing waits for a
    time to pass: the next caller after a failed try tries again, so the database is used
    again as soon as it answers. It answers when the pool hands out a connection (its
    `checkout` event, after `pool_pre_ping`): `reached()`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down: str | None = None  # why, while the database is known unreachable
        self._trying = False

    @property
    def down(self) -> bool:
        return self._down is not None

    def reached(self) -> None:
        """A connection was handed out (new, or pinged alive): the database answers."""
        if self._down is not None:
            with self._lock:
                self._down = None

    @contextmanager
    def attempt(self) -> Iterator[None]:
        with self._lock:
            trying = self._down is not None
            if trying and self._trying:
                raise DatabaseUnreachable(f"the database cannot be reached: {self._down}")
            self._trying = self._trying or trying
        try:
            yield
        except BaseException as error:
            if connecting_failed(error):
                with self._lock:
                    self._down = reason(error)
            raise
        finally:
            if trying:
                with self._lock:
                    self._trying = False
