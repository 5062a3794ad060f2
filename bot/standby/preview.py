"""`opsbot roster preview`: a roster's coming shifts as plain text lines, one per shift, in
the roster's time zone, with the overrides and swaps stored in the database applied.

    Platform standby (platform): the next 14 days from Mon 23 Nov 21:00 JST (Asia/Tokyo)
    Mon 23 Nov 19:00–22:00 JST — U0BOB0001 (primary) [on now]
    Tue 24 Nov 07:30–09:30 JST — U0CAROL01 (primary)
    …
    Thu 31 Dec — skipped (holiday)

People are named by their Slack IDs (a terminal cannot resolve mentions).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from bot.standby.calendar import plain_origin
from bot.standby.describe import format_span
from bot.standby.windows import start_instant

if TYPE_CHECKING:
    from bot.config import Roster
    from bot.standby.schedule import Shift
    from bot.standby.service import StandbyService

DEFAULT_DAYS = 14
MAX_DAYS = 366
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _date(day: dt.date) -> str:
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"


def people(shift: Shift) -> str:
    """``U0BOB0001 (primary), covering for U0ALICE01, swap by U0ALICE01 · U0CAROL01 (secondary)``"""
    parts = []
    for user, role, origin in (
        (shift.primary, "primary", shift.primary_origin),
        (shift.secondary, "secondary", shift.secondary_origin),
    ):
        if user is None:
            continue
        text = f"{user} ({role})"
        if how := plain_origin(origin):
            text += f", {how}"
        parts.append(text)
    return " · ".join(parts)


def shift_line(shift: Shift, roster: Roster, service: StandbyService, now: dt.datetime) -> str:
    line = f"{format_span(shift.starts_at, shift.ends_at, service.zone(roster))} — {people(shift)}"
    return line + " [on now]" if shift.covers(now) else line


def skipped_days(roster: Roster, first: dt.date, last: dt.date) -> list[dt.date]:
    """The roster's skip dates from ``first`` to ``last`` (inclusive) that would have had a
    window, once the rotation has started."""
    window_days = {day for window in roster.windows for day in window.days}
    return sorted(
        day
        for day in set(roster.skip_dates)
        if first <= day <= last
        and day >= roster.rotation_start
        and _WEEKDAYS[day.weekday()] in window_days
    )


def preview_lines(
    service: StandbyService, roster: Roster, now: dt.datetime, days: int = DEFAULT_DAYS
) -> list[str]:
    """A heading, then one line per shift overlapping [now, now + days) (the shift on now
    included) and one per skipped date, in time order."""
    zone = service.zone(roster)
    end = now + dt.timedelta(days=days)
    local_now, local_end = now.astimezone(zone), end.astimezone(zone)
    span = "the next day" if days == 1 else f"the next {days} days"
    heading = (
        f"{roster.name} ({roster.id}): {span} from {_date(local_now.date())} "
        f"{local_now:%H:%M} {local_now.tzname()} ({zone.key})"
    )
    rows: list[tuple[dt.datetime, str]] = [
        (shift.starts_at, shift_line(shift, roster, service, now))
        for shift in service.shifts(roster, now, end)
    ]
    for day in skipped_days(roster, local_now.date(), local_end.date()):
        rows.append((start_instant(day, dt.time(0), zone), f"{_date(day)} — skipped (holiday)"))
    rows.sort(key=lambda row: row[0])
    lines = [heading]
    if roster.rotation_start > local_now.date():
        lines.append(f"(no standby before the rotation starts on {roster.rotation_start})")
    lines.extend(text for _, text in rows)
    if not rows:
        lines.append("Nobody is on standby in that time.")
    return lines
