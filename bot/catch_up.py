"""Owing what fell due since the last tick.

Each scheduled domain (standby, the loop) keeps the instant of its last tick in the
database. A tick asks the domain for the deliveries whose moment lies between that instant
(at most `lookback` ago) and now, and enqueues them in the ledger under their unique keys:
moments missed while nothing ran are owed too, and the ledger sends them late or skips
them by their `expires_at`. The very first tick owes only what falls due at that moment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import String, update
from sqlalchemy.orm import Mapped, mapped_column

from bot import clock
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


Owed = Callable[[dt.datetime, dt.datetime], list[Due]]


def enqueue_since_last_tick(
    db: Database, name: str, lookback: dt.timedelta, owed: Owed, now: dt.datetime | None = None
) -> int:
    """Enqueue `owed(since, now)`; returns how many deliveries were new."""
    now = now or clock.now()
    with db.read() as session:
        state = session.get(SchedulerState, name)
        since = max(state.at, now - lookback) if state else now
    dues = owed(min(since, now), now)
    added = 0
    with db.session(background=True) as session:
        for due in dues:
            added += Ledger.enqueue(session, due)
        if not insert_if_absent(session, SchedulerState.__table__, {"name": name, "at": now}):
            session.execute(
                update(SchedulerState)
                .where(SchedulerState.name == name, SchedulerState.at < now)
                .values(at=now)
            )
    return added
