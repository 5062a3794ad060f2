"""What the scheduler's tick owes for standby: roster posts, pings, reminders and the edit of
each post at its window's end, that have come due since the last tick. Each is enqueued in
the ledger under its unique key, so two schedulers or a restart owe it once; ones that came
due while nothing ran and are no longer relevant (the window closed) are enqueued already
expired, and the ledger skips them with a log line. The edit at the end never expires."""

from __future__ import annotations

import datetime as dt

from bot.catch_up import enqueue_since_last_tick
from bot.ledger import Due
from bot.standby import deliveries as out
from bot.standby import handoff_deliveries
from bot.standby.load import monthly_dues
from bot.standby.service import StandbyService
from bot.standby.sync import boundary_dues

LOOKBACK_LIMIT = dt.timedelta(days=1)
STATE = "standby_tick"


def owed(service: StandbyService, since: dt.datetime, now: dt.datetime) -> list[Due]:
    dues: list[Due] = []
    for roster in service.config.rosters:
        dues += monthly_dues(roster, service.zone(roster), since, now)  # the load post
        lead = dt.timedelta(minutes=roster.remind_before_minutes)
        for shift in service.shifts(roster, since, now + lead + dt.timedelta(seconds=1)):
            if shift.window_starts_at <= now:
                dues.append(out.post(roster, shift))
            if shift.window_ends_at <= now and shift.ends_at == shift.window_ends_at:
                dues.append(out.post_ended(roster, shift))
                dues += handoff_deliveries.handoff(service, roster, shift)
            if shift.starts_at <= now:
                dues += [out.ping(roster, shift, person) for person in shift.people]
            first_piece = shift.starts_at == shift.window_starts_at
            if (
                roster.remind_before_minutes
                and first_piece
                and shift.window_starts_at - lead <= now
            ):
                dues += [out.reminder(roster, shift, person) for person in shift.people]
            dues += boundary_dues(roster, shift, now)  # user group, topic
    return dues


def enqueue_standby(service: StandbyService, now: dt.datetime | None = None) -> int:
    """Enqueue what has come due since the last tick, up to `now` (the service's clock's)."""
    return enqueue_since_last_tick(
        service.db,
        STATE,
        LOOKBACK_LIMIT,
        lambda since, at, _first: owed(service, since, at),
        now or service.clock.now(),
    )
