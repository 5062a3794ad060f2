"""Window occurrences: when a roster's peak windows take place, in UTC, across daylight saving.

The rules (the README quotes them):

- A window is a local wall-clock interval, on the weekdays it lists, in the roster's IANA time
  zone (``zoneinfo`` only). It stays at those wall-clock times whatever the UTC offset is.
- A window whose end is earlier than its start runs past midnight. The occurrence belongs to the
  local date it starts on: that date names it, decides whether it is skipped and which turn it is.
- A start in a repeated hour (the autumn fall-back) is taken at its first occurrence (``fold=0``);
  an end in a repeated hour at its last (``fold=1``). So a window from 01:00 to 01:30 on New York's
  fall-back night runs from 01:00 EDT to 01:30 EST and lasts 1 h 30 min. If two windows meet
  inside the repeated hour (01:30 is the end of one and the start of the next), the first ends
  where the second starts, so occurrences never overlap.
- A start or end that does not exist (the spring-forward gap) moves to the transition instant,
  the first instant that exists after the gap: 02:30 in New York's 02:00→03:00 gap becomes
  03:00 local (EDT). An occurrence lying wholly inside a gap has no length: it does not take
  place, and it does not use up a turn.
- A roster's windows must not overlap on the wall clock (a window past midnight reaches into the
  next day's windows, Sunday's into Monday's); ``bot.config.week.overlapping_windows`` finds the
  pairs that do, for the configuration's checks and for this module alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot.config.week import WEEKDAY_NUMBERS, WindowLike, overlapping_windows, wall_minutes

UTC = dt.UTC
ONE_DAY = dt.timedelta(days=1)


class WindowSpec(NamedTuple):
    """One configured window, reduced to what scheduling needs."""

    position: int  # its position in the roster's ``windows`` list
    weekdays: frozenset[int]  # 0 = Monday
    start: dt.time
    end: dt.time

    @property
    def crosses_midnight(self) -> bool:
        return self.end < self.start

    @property
    def label(self) -> str:
        """The local start as HHMM, as used in occurrence keys."""
        return f"{self.start.hour:02d}{self.start.minute:02d}"

    @property
    def wall_minutes(self) -> int:
        return wall_minutes(self.start, self.end)


# The windows of each weekday (0 = Monday … 6 = Sunday), in order of their start time.
WeekPattern = tuple[tuple[WindowSpec, ...], ...]


def week_pattern(windows: Sequence[WindowLike]) -> WeekPattern:
    specs = [
        WindowSpec(i, frozenset(WEEKDAY_NUMBERS[d] for d in w.days), w.start, w.end)
        for i, w in enumerate(windows)
    ]
    return tuple(
        tuple(sorted((s for s in specs if weekday in s.weekdays), key=lambda s: s.start))
        for weekday in range(7)
    )


WindowSignature = tuple[tuple[tuple[str, ...], dt.time, dt.time], ...]


def window_signature(windows: Sequence[WindowLike]) -> WindowSignature:
    """A hashable copy of a roster's windows, for caching what is derived from them."""
    return tuple((tuple(w.days), w.start, w.end) for w in windows)


class _SignedWindow(NamedTuple):
    days: tuple[str, ...]
    start: dt.time
    end: dt.time


class CompiledWindows(NamedTuple):
    """What scheduling derives from a roster's windows, computed once per distinct windows."""

    pattern: WeekPattern
    overlaps: list[tuple[int, int]]
    per_weekday: tuple[int, ...]  # occurrences on each weekday
    has_windows: tuple[int, ...]  # 1 for weekdays with at least one window, else 0
    shortest: dt.timedelta  # the shortest window on the wall clock


@lru_cache(maxsize=1024)
def compile_windows(signature: WindowSignature) -> CompiledWindows:
    windows = [_SignedWindow(*item) for item in signature]
    pattern = week_pattern(windows)
    per_weekday = tuple(len(day) for day in pattern)
    return CompiledWindows(
        pattern=pattern,
        overlaps=overlapping_windows(windows),
        per_weekday=per_weekday,
        has_windows=tuple(1 if n else 0 for n in per_weekday),
        shortest=dt.timedelta(minutes=min(w.wall_minutes for day in pattern for w in day)),
    )


def resolve_wall_time(
    day: dt.date, time: dt.time, zone: ZoneInfo, *, last: bool
) -> tuple[dt.datetime, bool]:
    """The UTC instant of local wall time ``time`` on ``day``, by the rules above (``last``:
    it is an end), and whether it fell in a repeated hour. (A hot path: it avoids
    ``datetime.replace``, which is slow.)"""
    # Aware in UTC but carrying the local wall fields, which is all ZoneInfo.utcoffset reads.
    wall = dt.datetime.combine(day, time, UTC)
    first_offset = zone.utcoffset(wall)
    second_offset = zone.utcoffset(dt.datetime.combine(day, _FOLD_1[time], UTC))
    assert first_offset is not None and second_offset is not None  # ZoneInfo always has one
    if first_offset == second_offset:
        return wall - first_offset, False
    if first_offset > second_offset:  # repeated hour: fold=0 is the earlier instant
        return wall - (second_offset if last else first_offset), True
    # In a gap, fold=0 reads the wall time with the offset from before the transition (a UTC
    # instant after it) and fold=1 with the offset from after (an instant before it).
    return transition_instant(wall - second_offset, wall - first_offset, zone), False


class _FoldOne(dict[dt.time, dt.time]):
    """``time.replace(fold=1)``, remembered."""

    def __missing__(self, time: dt.time) -> dt.time:
        self[time] = folded = time.replace(fold=1)
        return folded


_FOLD_1 = _FoldOne()


def transition_instant(before: dt.datetime, after: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The first instant (whole second, UTC) after ``before`` whose UTC offset differs.

    ``before`` and ``after`` are aware instants with different offsets in ``zone``.
    """
    offset_before = before.astimezone(zone).utcoffset()
    low, high = 0, int((after - before).total_seconds())
    while high - low > 1:
        middle = (low + high) // 2
        if (before + dt.timedelta(seconds=middle)).astimezone(zone).utcoffset() == offset_before:
            low = middle
        else:
            high = middle
    return before + dt.timedelta(seconds=high)


def start_instant(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    """A window start at ``time`` on ``day``, local to ``zone``, as an aware UTC instant."""
    return resolve_wall_time(day, time, zone, last=False)[0]


def end_instant(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    """A window end at ``time`` on ``day``, local to ``zone``, as an aware UTC instant."""
    return resolve_wall_time(day, time, zone, last=True)[0]


class Occurrence(NamedTuple):
    """A window on one local date, placed in time. Empty when it lies wholly in a DST gap."""

    window: WindowSpec
    local_date: dt.date  # the date it starts on
    starts_at: dt.datetime  # aware, UTC
    ends_at: dt.datetime  # aware, UTC
    ends_in_repeated_hour: bool  # its end was taken at the later of two instants

    @property
    def is_empty(self) -> bool:
        return self.ends_at <= self.starts_at


def place(day: dt.date, window: WindowSpec, zone: ZoneInfo) -> Occurrence:
    """The occurrence of ``window`` that starts on local date ``day`` (weekday not checked)."""
    starts_at = resolve_wall_time(day, window.start, zone, last=False)[0]
    end_day = day + ONE_DAY if window.end < window.start else day
    ends_at, repeated = resolve_wall_time(end_day, window.end, zone, last=True)
    return Occurrence(window, day, starts_at, ends_at, repeated)


@dataclass(frozen=True)
class Gap:
    """A spring-forward gap: wall times in [wall_start, wall_end) do not exist."""

    transition: dt.datetime  # aware, UTC
    wall_start: dt.datetime  # naive local
    wall_end: dt.datetime  # naive local


@lru_cache(maxsize=1024)
def gaps_in_year(zone: ZoneInfo, year: int) -> tuple[Gap, ...]:
    """The gaps whose transition falls in ``year`` (UTC). Computed once per zone and year, by
    sampling the offset every three days: since 1990 no zone in tzdata has had two transitions
    less than 6.9 days apart, so no change can hide between two samples."""
    step = dt.timedelta(days=3)
    moment = dt.datetime(year, 1, 1, tzinfo=UTC)
    stop = dt.datetime(year + 1, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(zone).utcoffset()
    gaps = []
    while moment < stop:
        later = min(moment + step, stop)
        later_offset = later.astimezone(zone).utcoffset()
        if later_offset != offset:
            instant = transition_instant(moment, later, zone)
            assert offset is not None and later_offset is not None
            if later_offset > offset:
                naive = instant.replace(tzinfo=None)
                gaps.append(Gap(instant, naive + offset, naive + later_offset))
        moment, offset = later, later_offset
    return tuple(gaps)


@lru_cache(maxsize=1024)
def longest_gap_near(zone: ZoneInfo, year: int) -> dt.timedelta:
    """The longest gap (on the wall clock) with its transition in ``year`` or a year beside it."""
    gaps = [g for y in (year - 1, year, year + 1) for g in gaps_in_year(zone, y)]
    return max((g.wall_end - g.wall_start for g in gaps), default=dt.timedelta(0))


@lru_cache(maxsize=4096)
def empty_occurrences(
    zone: ZoneInfo, pattern: WeekPattern, year: int
) -> tuple[tuple[dt.date, WindowSpec], ...]:
    """Occurrences starting on a date in ``year`` that lie wholly inside a gap (skips ignored)."""
    found: set[tuple[dt.date, WindowSpec]] = set()
    for gap_year in (year - 1, year, year + 1):
        for gap in gaps_in_year(zone, gap_year):
            day = gap.wall_start.date() - ONE_DAY
            while day <= gap.wall_end.date():
                if day.year == year:
                    for window in pattern[day.weekday()]:
                        if place(day, window, zone).is_empty:
                            found.add((day, window))
                day += ONE_DAY
    return tuple(sorted(found, key=lambda item: (item[0], item[1].start)))
