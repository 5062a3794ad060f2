"""What the scheduler's tick owes for standby: roster posts, pings and reminders that have
come due since the last tick. Each is enqueued in the ledger under its unique key, so two
schedulers or a restart owe it once; ones that came due while nothing ran and are no longer
relevant (the window closed) are enqueued already expired, and the ledger skips them with a
log line."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from bot import clock
from bot.db.upsert import insert_if_absent
from bot.ledger import Due, Ledger
from bot.standby import deliveries as out
from bot.standby.models import SchedulerState
from bot.standby.service import StandbyService

LOOKBACK_LIMIT = dt.timedelta(days=1)
STATE = "standby_tick"


def owed(service: StandbyService, since: dt.datetime, now: dt.datetime) -> list[Due]:
    dues: list[Due] = []
    for roster in service.config.rosters:
        lead = dt.timedelta(minutes=roster.remind_before_minutes)
        for shift in service.shifts(roster, since, now + lead + dt.timedelta(seconds=1)):
            if shift.window_starts_at <= now:
                dues.append(out.post(roster, shift))
            if shift.starts_at <= now:
                dues += [out.ping(roster, shift, person) for person in shift.people]
            first_piece = shift.starts_at == shift.window_starts_at
            if (
                roster.remind_before_minutes
                and first_piece
                and shift.window_starts_at - lead <= now
            ):
                dues += [out.reminder(roster, shift, person) for person in shift.people]
    return dues


def enqueue_standby(service: StandbyService, now: dt.datetime | None = None) -> int:
    now = now or clock.now()
    with service.db.read() as session:
        state = session.get(SchedulerState, STATE)
        since = max(state.at, now - LOOKBACK_LIMIT) if state else now
    added = 0
    dues = owed(service, min(since, now), now)
    with service.db.session(background=True) as session:
        for due in dues:
            added += Ledger.enqueue(session, due)
        if not insert_if_absent(session, SchedulerState.__table__, {"name": STATE, "at": now}):
            session.execute(
                update(SchedulerState)
                .where(SchedulerState.name == STATE, SchedulerState.at < now)
                .values(at=now)
            )
    return added
