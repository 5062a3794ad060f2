"""Owing what fell due since the last tick.

Each scheduled domain (standby, the loop) keeps the instant of its last tick in the
database. A tick asks the domain for the deliveries whose moment lies between that instant
(at most `lookback` ago) and now, and enqueues them in the ledger under their unique keys:
moments missed while nothing ran are owed too, and the ledger sends them late or skips
them by their `expires_at`. The very first tick owes only what falls due at that moment.

The same table holds `LAST_TICK`: when a scheduler tick (of any process) last completed,
which `/healthz` of a web process without a scheduler reports as the clock's last tick."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import String, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.db.base import Base
from bot.db.engine import Database
from bot.db.types import UTCDateTime
from bot.db.upsert import insert_if_absent
from bot.ledger import Due, Ledger


class SchedulerState(Base):
    """Small named values the scheduler keeps, e.g. when a domain's last tick ran."""

    __tablename__ = "scheduler_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


LAST_TICK = "tick:last"


def record_tick(db: Database, at: dt.datetime) -> None:
    """Note that a tick has completed `at` (just now). The latest write wins: with two clocks
    (during a deploy) that is the latest tick either made, and no skewed host keeps it in the
    future."""
    with db.session(background=True) as session:
        _set_state(session, LAST_TICK, at)


def last_tick(db: Database) -> dt.datetime | None:
    """When a tick last completed (any process's), or None if none ever did."""
    with db.read() as session:
        state = session.get(SchedulerState, LAST_TICK)
        return state.at if state else None


# owed(since, now, first): the deliveries whose moment lies in [since, now]; `first` is True
# on the very first tick the domain ever has (since == now then).
Owed = Callable[[dt.datetime, dt.datetime, bool], list[Due]]


def enqueue_since_last_tick(
    db: Database, name: str, lookback: dt.timedelta, owed: Owed, now: dt.datetime
) -> int:
    """Enqueue `owed(since, now, first)`; returns how many deliveries were new."""
    with db.read() as session:
        state = session.get(SchedulerState, name)
        since = max(state.at, now - lookback) if state else now
    dues = owed(min(since, now), now, state is None)
    added = 0
    with db.session(background=True) as session:
        for due in dues:
            added += Ledger.enqueue(session, due, now)
        _set_state(session, name, now, forward_only=True)
    return added


def _set_state(session: Session, name: str, at: dt.datetime, *, forward_only: bool = False) -> None:
    """Set the named value to `at` (with `forward_only`, never back to an earlier one)."""
    if insert_if_absent(session, SchedulerState.__table__, {"name": name, "at": at}):
        return
    stmt = update(SchedulerState).where(SchedulerState.name == name)
    if forward_only:
        stmt = stmt.where(SchedulerState.at < at)
    session.execute(stmt.values(at=at))
