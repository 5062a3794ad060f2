"""Who carried the standby load: the arithmetic of `/standby load`, of the monthly post and
of `opsbot roster report`, as pure functions (the gathering is bot/flows/standby_load.py).

Over a period [start, end), each person's load is read from the roster's shifts (swaps and
overrides applied) and from the pages of its escalation chains:

- windows: the window occurrences in which the person held a seat, for any part of it;
- hours: the real time they held a seat (instants, so a window across a daylight-saving
  change counts the hours that passed, not the wall-clock difference), clipped to the period;
- weekend hours: the part of those hours on a Saturday or Sunday in the roster's zone (a
  window from Friday 22:00 to Saturday 02:00 has 2 weekend hours);
- pages received and acknowledged, and the median time from page to acknowledgement;
- covers: a piece of a window held by an override is a cover given by whoever holds it and
  a cover taken by whom it replaces (`Origin.covering_for`);
- share: their hours over the hours of every seat of the roster (with `per_window: 2` each
  window has two seats, so the shares add up to 1 over all seats). A share above the
  roster's `max_share` is flagged.

Every member of the roster is listed, with no load too, and anyone else who held a seat.
The monthly post (`monthly_dues`) is due on the first Monday of each month at 09:00 in the
roster's zone, over the weeks since the previous month's first Monday at 09:00.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.config import Roster
from bot.ledger import Due
from bot.standby.schedule import Origin, Shift

HOUR = dt.timedelta(hours=1)
MONTHLY_AT = dt.time(9, 0)
LOAD_CHART = "standby.load_chart"  # the ledger action that uploads the monthly chart
SATURDAY = 5


class PageLike(Protocol):
    """A page as the escalation reports it (bot/escalation/reading.py `PageAnswer`)."""

    @property
    def target(self) -> str: ...

    @property
    def paged_at(self) -> dt.datetime: ...

    @property
    def outcome(self) -> str: ...

    @property
    def answered_at(self) -> dt.datetime | None: ...


@dataclass(frozen=True)
class MemberLoad:
    user: str
    windows: int = 0
    held: dt.timedelta = dt.timedelta(0)
    weekend: dt.timedelta = dt.timedelta(0)
    pages: int = 0
    acknowledged: int = 0
    median_ack: dt.timedelta | None = None
    covers_given: int = 0
    covers_taken: int = 0
    share: float = 0.0
    flagged: bool = False

    @property
    def hours(self) -> float:
        return self.held / HOUR

    @property
    def weekend_hours(self) -> float:
        return self.weekend / HOUR


@dataclass(frozen=True)
class LoadReport:
    roster_id: str
    roster_name: str
    start: dt.datetime
    end: dt.datetime
    max_share: float
    members: list[MemberLoad]

    @property
    def seat_hours(self) -> float:
        return sum(m.hours for m in self.members)

    @property
    def flagged(self) -> list[MemberLoad]:
        return [m for m in self.members if m.flagged]


def weekend_time(start: dt.datetime, end: dt.datetime, zone: ZoneInfo) -> dt.timedelta:
    """How much of [start, end) falls on a Saturday or Sunday in `zone` (real time)."""
    total = dt.timedelta(0)
    moment = start
    while moment < end:
        local_day = moment.astimezone(zone).date()
        piece_end = min(end, _local_midnight(local_day + dt.timedelta(days=1), zone))
        if local_day.weekday() >= SATURDAY:
            total += piece_end - moment
        moment = piece_end
    return total


def _local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The instant `day` begins in `zone` (where midnight does not exist, a DST gap at 00:00,
    the instant the clocks jump)."""
    midnight = dt.datetime.combine(day, dt.time(0), zone)
    return min(midnight.astimezone(dt.UTC), midnight.replace(fold=1).astimezone(dt.UTC))


def _seats(shift: Shift) -> list[tuple[str, str | None]]:
    """(holder, whom they cover if it is an override) for each seat of a piece."""
    seats = [(shift.primary, _covering(shift.primary_origin))]
    if shift.secondary is not None:
        seats.append((shift.secondary, _covering(shift.secondary_origin)))
    return seats


def _covering(origin: Origin | None) -> str | None:
    return origin.covering_for if origin is not None and origin.source == "override" else None


@dataclass
class _Tally:
    keys: set[str]
    held: dt.timedelta = dt.timedelta(0)
    weekend: dt.timedelta = dt.timedelta(0)
    pages: int = 0
    acks: list[dt.timedelta] | None = None
    given: int = 0
    taken: int = 0


def measure(
    roster: Roster,
    zone: ZoneInfo,
    shifts: Iterable[Shift],
    pages: Iterable[PageLike],
    start: dt.datetime,
    end: dt.datetime,
) -> LoadReport:
    """The load of each person over [start, end): the roster's members in rotation order,
    then anyone else who held a seat, by hours."""
    tallies: dict[str, _Tally] = {user: _Tally(set()) for user in roster.members}

    def tally(user: str) -> _Tally:
        return tallies.setdefault(user, _Tally(set()))

    for shift in shifts:
        begins, ends = max(shift.starts_at, start), min(shift.ends_at, end)
        if ends <= begins:
            continue
        weekend = weekend_time(begins, ends, zone)
        for holder, covered in _seats(shift):
            held = tally(holder)
            held.keys.add(shift.key)
            held.held += ends - begins
            held.weekend += weekend
            if covered:
                held.given += 1
                tally(covered).taken += 1
    for page in pages:
        if page.target not in tallies or not start <= page.paged_at < end:
            continue  # the channel, or someone paged who is no member and held no seat
        paged = tallies[page.target]
        paged.pages += 1
        if page.outcome == "acknowledged" and page.answered_at is not None:
            paged.acks = [*(paged.acks or []), page.answered_at - page.paged_at]
    total = sum((t.held for t in tallies.values()), dt.timedelta(0))
    members = [_member(user, t, total, roster.max_share) for user, t in tallies.items()]
    listed = set(roster.members)
    others = sorted((m for m in members if m.user not in listed), key=lambda m: -m.held)
    return LoadReport(
        roster.id,
        roster.name,
        start,
        end,
        roster.max_share,
        [m for m in members if m.user in listed] + others,
    )


def _member(user: str, t: _Tally, total: dt.timedelta, max_share: float) -> MemberLoad:
    share = t.held / total if total else 0.0
    acks = t.acks or []
    return MemberLoad(
        user,
        windows=len(t.keys),
        held=t.held,
        weekend=t.weekend,
        pages=t.pages,
        acknowledged=len(acks),
        median_ack=_median(acks),
        covers_given=t.given,
        covers_taken=t.taken,
        share=share,
        flagged=share > max_share,
    )


def _median(values: Sequence[dt.timedelta]) -> dt.timedelta | None:
    if not values:
        return None
    seconds = statistics.median(v.total_seconds() for v in values)
    return dt.timedelta(seconds=round(seconds))


def period(now: dt.datetime, weeks: int) -> tuple[dt.datetime, dt.datetime]:
    """The `weeks` weeks (7 days each) ending `now`."""
    return now - dt.timedelta(weeks=weeks), now


# -- the monthly post -----------------------------------------------------------------------


def first_monday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(7 - first.weekday()) % 7)


def monthly_at(year: int, month: int, zone: ZoneInfo) -> dt.datetime:
    """When the month's load post is due: its first Monday, 09:00 in `zone`, in UTC."""
    return dt.datetime.combine(first_monday(year, month), MONTHLY_AT, zone).astimezone(dt.UTC)


def _previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def monthly_key(roster_id: str, year: int, month: int) -> str:
    return f"standby:load:{roster_id}:{year:04d}-{month:02d}"


def chart_key(post_key: str) -> str:
    return f"{post_key}:chart"


def monthly_dues(roster: Roster, zone: ZoneInfo, since: dt.datetime, now: dt.datetime) -> list[Due]:
    """The load post (and its chart) of each month whose moment lies in [since, now]."""
    dues: list[Due] = []
    local = since.astimezone(zone)
    year, month = local.year, local.month
    while (due_at := monthly_at(year, month, zone)) <= now:
        if since <= due_at:
            dues += _monthly(roster, zone, year, month, due_at)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return dues


def _monthly(
    roster: Roster, zone: ZoneInfo, year: int, month: int, due_at: dt.datetime
) -> list[Due]:
    starts = monthly_at(*_previous_month(year, month), zone)
    key = monthly_key(roster.id, year, month)
    args = {"roster_id": roster.id, "start": starts.isoformat(), "end": due_at.isoformat()}
    expires = due_at + dt.timedelta(days=1)
    return [
        Due.rendered(
            key,
            "standby_load",
            "standby.load",
            args,
            to=roster.channel,
            due_at=due_at,
            expires_at=expires,
        ),
        Due(
            chart_key(key),
            "standby_load_chart",
            LOAD_CHART,
            {**args, "post": key, "name": f"standby-load-{roster.id}-{year:04d}-{month:02d}.png"},
            due_at,
            expires,
        ),
    ]
