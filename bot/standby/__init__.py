"""Peak-hour standby: who is on standby when, as pure functions.

No I/O, no database, no clock reads: every function takes the instant or range it is asked
about. Instants in and out are timezone-aware (outputs in UTC); local dates and wall-clock times
are in the roster's zone (``OrgConfig.roster_zone(roster)``).

The rules live in the docstrings of the modules that apply them:

- daylight saving and windows past midnight: ``bot.standby.windows``
- turns, skip dates and fairness: ``bot.standby.rotation``
- swaps and overrides (override beats swap beats rotation): ``bot.standby.schedule``

    shifts(roster, zone, start, end, overrides=(), swaps=()) -> list[Shift]
    on_standby(roster, zone, at, overrides=(), swaps=()) -> Shift | None
    next_shift(roster, zone, after, overrides=(), swaps=()) -> Shift | None
    describe_shift(shift, zone) -> "Tue 24 Nov 07:30–09:30 JST"
"""

from bot.config.week import overlapping_windows

from .describe import describe_origin, describe_shift, format_span, mention
from .rotation import RosterCalendar, roster_calendar
from .schedule import (
    Origin,
    Override,
    Role,
    Shift,
    Swap,
    next_shift,
    occurrence_key,
    on_standby,
    parse_occurrence_key,
    shifts,
)
from .windows import end_instant, start_instant

__all__ = [
    "Origin",
    "Override",
    "Role",
    "RosterCalendar",
    "Shift",
    "Swap",
    "describe_origin",
    "describe_shift",
    "end_instant",
    "format_span",
    "mention",
    "next_shift",
    "occurrence_key",
    "on_standby",
    "overlapping_windows",
    "parse_occurrence_key",
    "roster_calendar",
    "shifts",
    "start_instant",
]
