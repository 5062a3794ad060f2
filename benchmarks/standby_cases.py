"""What the standby benchmark (benchmarks/standby.py) times: each measured call of the
schedule and the naive baseline it is compared with, as `CASES`. Each case does the work
once and returns a small summary, so that a cold process can be checked against the
measuring one.

The baselines are naive code doing the least each question needs and none of the rules,
timed the same way in the same run, right after each measured call (cold: in the same fresh
process; it uses nothing the measured call caches). For who is on standby now: convert the
instant to each roster's zone and test whether one of its windows lists the weekday and
holds the wall time (no turns, past-midnight windows, daylight-saving rules, skips or
overrides). For a roster's year: walk the 365 days one by one and place each window
occurrence in UTC with `datetime.combine(..., tzinfo=zone)` (no turns, skips, gaps or
clipping).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from benchmarks.standby_rosters import DAY, WEEKDAYS, YEAR, Scenario, roster_zone
from bot.config import Roster
from bot.standby import Override, Swap, on_standby, shifts

NOW_GOAL = 0.050  # seconds, for all rosters at one instant
YEAR_GOAL = 0.100  # seconds, for one roster's 365 days

Summary = list[int]
_NONE: tuple[Sequence[Override], Sequence[Swap]] = ((), ())


def naive_now(s: Scenario) -> Summary:
    """Baseline: is one of each roster's windows open at the instant, naively."""
    open_now = 0
    for roster in s.rosters:
        local = s.at.astimezone(roster_zone(roster))
        day, time_of_day = WEEKDAYS[local.weekday()], local.time()
        open_now += any(day in w.days and w.start <= time_of_day < w.end for w in roster.windows)
    return [open_now]


def now(s: Scenario, with_changes: bool) -> Summary:
    on, changed = 0, 0
    for roster in s.rosters:
        overrides, swaps = s.changes.get(roster.id, _NONE) if with_changes else _NONE
        shift = on_standby(roster, roster_zone(roster), s.at, overrides, swaps)
        if shift is not None:
            on += 1
            origins = (shift.primary_origin, shift.secondary_origin)
            changed += any(o is not None and o.source != "rotation" for o in origins)
    return [on, changed]


def naive_year(roster: Roster, zone: ZoneInfo, start: dt.datetime) -> Summary:
    """Baseline: place every window occurrence of 365 days in UTC, one date at a time."""
    end = start + YEAR
    placed = 0
    day, last = start.astimezone(zone).date() - DAY, end.astimezone(zone).date()
    while day <= last:
        weekday = WEEKDAYS[day.weekday()]
        for w in roster.windows:
            if weekday in w.days:
                starts_at = dt.datetime.combine(day, w.start, zone).astimezone(dt.UTC)
                end_day = day + DAY if w.end < w.start else day
                ends_at = dt.datetime.combine(end_day, w.end, zone).astimezone(dt.UTC)
                placed += starts_at < end and start < ends_at
        day += DAY
    return [placed]


def year(roster: Roster, zone: ZoneInfo, start: dt.datetime) -> Summary:
    found = shifts(roster, zone, start, start + YEAR)
    return [len(found), len({s.primary for s in found})]


@dataclass(frozen=True)
class Case:
    name: str  # as the table shows it
    run: Callable[[Scenario], Summary]
    goal: float | None  # seconds; None for a baseline
    baseline: str | None  # the key of the case it is compared with


CASES: dict[str, Case] = {
    "naive-now": Case("naive window check, all rosters (baseline)", naive_now, None, None),
    "now": Case("`on_standby`, all rosters", lambda s: now(s, False), NOW_GOAL, "naive-now"),
    "now-changes": Case(
        "`on_standby`, all rosters, with the overrides and swaps",
        lambda s: now(s, True),
        NOW_GOAL,
        "naive-now",
    ),
    "naive-year-platform": Case(
        "naive 365-day walk, `platform` (baseline)",
        lambda s: naive_year(s.platform, s.platform_zone, s.at),
        None,
        None,
    ),
    "year-platform": Case(
        "`shifts` for 365 days, `platform`",
        lambda s: year(s.platform, s.platform_zone, s.at),
        YEAR_GOAL,
        "naive-year-platform",
    ),
    "naive-year-busiest": Case(
        "naive 365-day walk, busiest roster (baseline)",
        lambda s: naive_year(s.busiest, roster_zone(s.busiest), s.at),
        None,
        None,
    ),
    "year-busiest": Case(
        "`shifts` for 365 days, busiest roster",
        lambda s: year(s.busiest, roster_zone(s.busiest), s.at),
        YEAR_GOAL,
        "naive-year-busiest",
    ),
}
