"""Shift times and origins as people read them: ``Tue 24 Nov 07:30–09:30 JST``.

Names of days and months are English whatever the process locale. Zones whose abbreviation is
a bare offset (``-03``) are shown as ``UTC-03``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from .schedule import Origin, Shift

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _zone_name(moment: dt.datetime) -> str:
    name = moment.tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name


def _day(moment: dt.datetime) -> str:
    return f"{_DAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]}"


def _clock(moment: dt.datetime) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def format_span(starts_at: dt.datetime, ends_at: dt.datetime, zone: ZoneInfo) -> str:
    """``Tue 24 Nov 07:30–09:30 JST``; the end's date is shown when it differs
    (``Fri 6 Nov 22:00–Sat 7 Nov 02:00 GMT``) and each time's zone when a daylight-saving
    change falls inside (``Sun 25 Oct 00:30 BST–02:00 GMT``)."""
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    end_text = _clock(end) if end.date() == start.date() else f"{_day(end)} {_clock(end)}"
    start_zone, end_zone = _zone_name(start), _zone_name(end)
    if start_zone == end_zone:
        return f"{_day(start)} {_clock(start)}–{end_text} {end_zone}"
    return f"{_day(start)} {_clock(start)} {start_zone}–{end_text} {end_zone}"


def describe_shift(shift: Shift, zone: ZoneInfo) -> str:
    """The shift's times in ``zone`` (the asker's, say): ``Tue 24 Nov 07:30–09:30 JST``."""
    return format_span(shift.starts_at, shift.ends_at, zone)


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def describe_origin(
    origin: Origin | None, name: Callable[[str], str] = mention, *, plain: bool = False
) -> str:
    """``covering for <@U…> (override by <@U…>)`` for Slack, or with `plain` (calendars, the
    terminal) ``covering for U0CAROL01, override by U0ADMIN01``; empty for the rotation."""
    if origin is None or origin.source == "rotation" or origin.covering_for is None:
        return ""
    text = f"covering for {name(origin.covering_for)}"
    if origin.arranged_by is not None:
        arranged = f"{origin.source} by {name(origin.arranged_by)}"
        text += f", {arranged}" if plain else f" ({arranged})"
    return text
