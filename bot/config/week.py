"""The configured week on the wall clock: weekday names as numbers, a window's length, and
windows that overlap. Time zones and daylight saving play no part here.

The configuration's checks (`rules.py`: a roster's windows must not overlap) and the standby
schedule (`bot/standby/windows.py`, which places windows in time) judge windows alike, by
these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

WEEKDAY_NUMBERS = {
    name: number for number, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
}
_MINUTES_PER_DAY = 24 * 60
_MINUTES_PER_WEEK = 7 * _MINUTES_PER_DAY


class WindowLike(Protocol):
    """What is needed of a configured window (``bot.config.Window`` fits)."""

    @property
    def days(self) -> Sequence[str]: ...

    @property
    def start(self) -> dt.time: ...

    @property
    def end(self) -> dt.time: ...


def wall_minutes(start: dt.time, end: dt.time) -> int:
    """The length of a window on the wall clock, in minutes (past midnight if end <= start)."""
    length = (end.hour - start.hour) * 60 + end.minute - start.minute
    return length + _MINUTES_PER_DAY if length <= 0 else length


def overlapping_windows(windows: Sequence[WindowLike]) -> list[tuple[int, int]]:
    """Pairs of window positions (i < j) that overlap on the wall clock on some weekday (a
    window past midnight reaches into the next day's windows, Sunday's into Monday's)."""
    spans: list[tuple[int, int, int]] = []  # (start minute of the week, end minute, index)
    for index, window in enumerate(windows):
        start = window.start.hour * 60 + window.start.minute
        length = wall_minutes(window.start, window.end)
        for day in set(window.days):
            first = WEEKDAY_NUMBERS[day] * _MINUTES_PER_DAY + start
            spans.append((first, first + length, index))
            # The copy a week later catches Sunday's windows reaching into Monday's.
            spans.append((first + _MINUTES_PER_WEEK, first + _MINUTES_PER_WEEK + length, index))
    spans.sort()
    pairs: set[tuple[int, int]] = set()
    for position, (_begin, finish, index) in enumerate(spans):
        for later in range(position + 1, len(spans)):
            later_begin, _later_finish, other = spans[later]
            if later_begin >= finish:
                break
            if other != index:
                pairs.add((min(index, other), max(index, other)))
    return sorted(pairs)
