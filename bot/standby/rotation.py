"""Turns: whose standby an occurrence is, counted arithmetically from ``rotation_start``.

The rules (the README quotes them):

- Members take turns in the order listed. A turn's primary is the turn's member; with
  ``per_window: 2`` the secondary is the next member in order (wrapping round).
- ``rotation: window`` advances one turn per occurrence that takes place; ``day`` one turn per
  local date with at least one occurrence (all that date's windows share the turn); ``week`` one
  turn per local ISO week (Monday to Sunday) with at least one occurrence.
- Turns are counted from ``rotation_start`` (the first member's first turn) over occurrences
  that take place. A skipped date (``skip_dates``) has no standby at all and does not use up a
  turn: the next occurrence gets the member whose turn it would have been. Dates without windows,
  and occurrences lying wholly in a daylight-saving gap, use up nothing either.
- Occurrences on dates before ``rotation_start`` have no one on standby.

The count is arithmetic (occurrences per week times whole weeks, plus the partial week, minus what
skip dates and gaps take away), so a turn years after ``rotation_start`` costs no more than one
next month. A ``RosterCalendar`` is built once per roster object and zone and then reused:
rosters, like the rest of the configuration, are treated as immutable.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .windows import (
    ONE_DAY,
    Occurrence,
    WindowSpec,
    compile_windows,
    empty_occurrences,
    longest_gap_near,
    place,
    resolve_wall_time,
    window_signature,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bot.config import Roster


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _count_weekdays(first: dt.date, stop: dt.date, weights: tuple[int, ...]) -> int:
    """Sum of ``weights[weekday]`` over the dates in [first, stop)."""
    days = (stop - first).days
    if days <= 0:
        return 0
    whole_weeks, rest = divmod(days, 7)
    weekday = first.weekday()
    return whole_weeks * sum(weights) + sum(weights[(weekday + i) % 7] for i in range(rest))


class RosterCalendar:
    """A roster compiled for two questions: which occurrences take place on a date, and whose
    turn each one is."""

    def __init__(self, roster: Roster, zone: ZoneInfo) -> None:
        compiled = compile_windows(window_signature(roster.windows))
        if compiled.overlaps:
            first, second = compiled.overlaps[0]
            raise ValueError(
                f"roster {roster.id!r}: windows[{first}] and windows[{second}] overlap"
            )
        self.roster_id = roster.id
        self.zone = zone
        self.members = tuple(roster.members)
        self.per_window = roster.per_window
        self.rotation = roster.rotation
        self.rotation_start = roster.rotation_start
        self.pattern = compiled.pattern
        self.skip_dates = frozenset(roster.skip_dates)
        self._sorted_skip_dates = tuple(sorted(self.skip_dates))
        self._per_weekday = compiled.per_weekday
        self._has_windows = compiled.has_windows
        self._shortest_window = compiled.shortest
        self._turns_before: dict[dt.date, int] = {}
        self._empties: dict[int, tuple[tuple[dt.date, WindowSpec], ...]] = {}

    # -- which occurrences take place ------------------------------------------------------

    def occurrences_on(self, day: dt.date) -> list[Occurrence]:
        """The occurrences that take place on local date ``day``, in order, ends not clipped."""
        if day < self.rotation_start or day in self.skip_dates:
            return []
        placed = (place(day, window, self.zone) for window in self.pattern[day.weekday()])
        return [occurrence for occurrence in placed if not occurrence.is_empty]

    def occurrence_at(self, at: dt.datetime) -> tuple[Occurrence, int] | None:
        """The occurrence taking place at instant ``at`` (clipped) and its position among the
        occurrences of its date, or None. Resolves as few wall times as it can."""
        today = at.astimezone(self.zone).date()
        for day in (today - 2 * ONE_DAY, today - ONE_DAY, today):
            if day < self.rotation_start or day in self.skip_dates:
                continue
            windows = self.pattern[day.weekday()]
            for window in windows:
                crosses = window.crosses_midnight
                if not crosses and day < today - ONE_DAY:
                    continue  # ended the day before yesterday
                end_day = day + ONE_DAY if crosses else day
                ends_at, repeated = resolve_wall_time(end_day, window.end, self.zone, last=True)
                if ends_at <= at:
                    continue
                starts_at = resolve_wall_time(day, window.start, self.zone, last=False)[0]
                if at < starts_at:
                    break  # so do the rest of the day's windows
                found = self.clip(Occurrence(window, day, starts_at, ends_at, repeated))
                if at < found.ends_at:
                    earlier = (w for w in windows if w.start < window.start)
                    position = sum(not place(day, w, self.zone).is_empty for w in earlier)
                    return found, position
        return None

    def clip(self, occurrence: Occurrence) -> Occurrence:
        """End ``occurrence`` no later than the next one starts (windows meeting in a repeated
        hour would otherwise overlap)."""
        if not occurrence.ends_in_repeated_hour:
            return occurrence
        for days_later in range(3):
            day = occurrence.local_date + dt.timedelta(days=days_later)
            for following in self.occurrences_on(day):
                if days_later == 0 and following.window.start <= occurrence.window.start:
                    continue
                if following.starts_at < occurrence.ends_at:
                    return occurrence._replace(ends_at=following.starts_at)
                return occurrence
        return occurrence

    # -- whose turn ------------------------------------------------------------------------

    def people(self, turn: int) -> tuple[str, str | None]:
        """(primary, secondary) for a turn; secondary is None with ``per_window: 1``."""
        count = len(self.members)
        primary = self.members[turn % count]
        secondary = self.members[(turn + 1) % count] if self.per_window == 2 else None
        return primary, secondary

    def turn_of(self, day: dt.date, position: int) -> int:
        """The turn of the ``position``-th occurrence taking place on ``day`` (from 0)."""
        turn = self.turns_before(day)
        return turn + position if self.rotation == "window" else turn

    def turns_before(self, day: dt.date) -> int:
        """Turns used up before ``day`` (for ``week``, before the week of ``day``). Remembered
        per date: the scheduler asks about the same date all day long."""
        turns = self._turns_before.get(day)
        if turns is None:
            if len(self._turns_before) >= 366:
                self._turns_before.clear()
            turns = self._turns_before[day] = self._count_turns_before(day)
        return turns

    def _count_turns_before(self, day: dt.date) -> int:
        start = self.rotation_start
        if self.rotation == "window":
            lost = self._lost_between(start, day)
            return _count_weekdays(start, day, self._per_weekday) - sum(lost.values())
        if self.rotation == "day":
            lost = self._lost_between(start, day)
            dead_days = sum(1 for d, n in lost.items() if n == self._per_weekday[d.weekday()])
            return _count_weekdays(start, day, self._has_windows) - dead_days
        return self._active_weeks_before(monday_of(day))

    def walk(self, first: dt.date, last: dt.date) -> Iterator[tuple[Occurrence, int]]:
        """Each occurrence taking place from ``first`` to ``last`` (local dates, inclusive),
        with its turn. The first turn is counted arithmetically, the rest one by one."""
        if self.rotation == "week":
            first = min(first, max(monday_of(first), self.rotation_start))
        first = max(first, self.rotation_start)
        turn = self.turns_before(first)
        unit: object = None
        day = first
        while day <= last:
            for position, occurrence in enumerate(self.occurrences_on(day)):
                if self.rotation == "window":
                    this_unit: object = (day, position)
                else:
                    this_unit = day if self.rotation == "day" else monday_of(day)
                if unit is not None and this_unit != unit:
                    turn += 1
                unit = this_unit
                yield occurrence, turn
            day += ONE_DAY

    def _active_weeks_before(self, stop_monday: dt.date) -> int:
        start = self.rotation_start
        first_monday = monday_of(start)
        if stop_monday <= start:
            return 0
        weeks = (stop_monday - first_monday).days // 7
        lost_by_week: dict[dt.date, int] = {}
        for day, lost in self._lost_between(start, stop_monday).items():
            lost_by_week[monday_of(day)] = lost_by_week.get(monday_of(day), 0) + lost
        dead = 0
        for monday in lost_by_week.keys() | {first_monday}:
            in_week = _count_weekdays(
                max(monday, start), monday + dt.timedelta(days=7), self._per_weekday
            )
            if in_week == lost_by_week.get(monday, 0):
                dead += 1
        return weeks - dead

    def _lost_between(self, first: dt.date, stop: dt.date) -> dict[dt.date, int]:
        """Occurrences in [first, stop) that do not take place (skipped, or wholly in a gap)."""
        lost: dict[dt.date, int] = {}
        if stop <= first:
            return lost
        skips = self._sorted_skip_dates
        for day in skips[bisect_left(skips, first) : bisect_left(skips, stop)]:
            if self._per_weekday[day.weekday()]:
                lost[day] = self._per_weekday[day.weekday()]
        for year in range(first.year, stop.year + 1):
            for day, _window in self._empties_in(year):
                if first <= day < stop and day not in self.skip_dates:
                    lost[day] = lost.get(day, 0) + 1
        return lost

    def _empties_in(self, year: int) -> tuple[tuple[dt.date, WindowSpec], ...]:
        """Occurrences on dates in ``year`` that lie wholly in a gap (computed once a year)."""
        empties = self._empties.get(year)
        if empties is None:
            # Only a gap at least as long as a window can swallow it: usually none can.
            could_swallow = longest_gap_near(self.zone, year) >= self._shortest_window
            empties = empty_occurrences(self.zone, self.pattern, year) if could_swallow else ()
            self._empties[year] = empties
        return empties


_CALENDARS: dict[tuple[int, ZoneInfo], tuple[Roster, RosterCalendar]] = {}
_MAX_CALENDARS = 4096


def roster_calendar(roster: Roster, zone: ZoneInfo) -> RosterCalendar:
    """The compiled calendar of ``roster`` in ``zone``, built once per roster object."""
    key = (id(roster), zone)
    cached = _CALENDARS.get(key)
    if cached is not None and cached[0] is roster:
        return cached[1]
    calendar = RosterCalendar(roster, zone)
    if len(_CALENDARS) >= _MAX_CALENDARS:
        _CALENDARS.clear()
    _CALENDARS[key] = (roster, calendar)
    return calendar
