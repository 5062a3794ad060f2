"""What the user types for time: durations (`15m`, `1h30m`) and moments (`mon 07:30`,
`2026-11-24 07:30`) in the organisation's time zone."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from bot.kit.shell.errors import ShellError

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> dt.timedelta:
    compact = text.replace(" ", "").lower()
    parts = _DURATION.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        raise ShellError(f"not a duration: {text!r} (try 15m, 2h, 1d, 1h30m)")
    return dt.timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in parts))


def parse_moment(text: str, now: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """`mon 07:30`, `07:30`, `2026-11-24 07:30` or `2026-11-24`: the next such local time."""
    words = text.lower().split()
    local = now.astimezone(zone)
    try:
        if len(words) == 2 and re.fullmatch(r"\d{4}-\d\d-\d\d", words[0]):
            day = dt.date.fromisoformat(words[0])
            clock = dt.time.fromisoformat(_hhmm(words[1]))
            return dt.datetime.combine(day, clock, zone)
        if len(words) == 1 and re.fullmatch(r"\d{4}-\d\d-\d\d", words[0]):
            return dt.datetime.combine(dt.date.fromisoformat(words[0]), dt.time(0), zone)
        if len(words) in (1, 2) and re.fullmatch(r"\d\d?:\d\d", words[-1]):
            clock = dt.time.fromisoformat(_hhmm(words[-1]))
            weekday = None
            if len(words) == 2:
                if words[0][:3] not in DAYS:
                    raise ValueError
                weekday = DAYS.index(words[0][:3])
            for ahead in range(8):
                day = local.date() + dt.timedelta(days=ahead)
                moment = dt.datetime.combine(day, clock, zone)
                if moment > now and (weekday is None or day.weekday() == weekday):
                    return moment
    except ValueError:
        pass
    raise ShellError(f"not a time: {text!r} (try `at mon 07:30`, `at 2026-11-24 07:30`)")


def _hhmm(value: str) -> str:
    hours, minutes = value.split(":")
    return f"{int(hours):02d}:{minutes}"
