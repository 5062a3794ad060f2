"""Shifts: who is on standby when, with swaps and overrides applied.

Precedence (the README quotes it): **an override beats a swap, which beats the rotation.**

1. The rotation names the turn's people (see ``bot.standby.rotation``).
2. Swaps, in the order given (pass them oldest first), exchange people between two occurrences
   named by their keys: on occurrence A, whichever role ``user_a`` holds goes to ``user_b``; on
   occurrence B, whichever role ``user_b`` holds goes to ``user_a``. Each side is applied on its
   own; a side whose user holds no role on that occurrence (the configuration changed since the
   swap was made) changes nothing there. A swap naming the same occurrence twice is ignored.
3. Overrides, in the order given (a later one wins where two overlap), put ``user`` in ``role``
   for the part of [starts_at, ends_at) that falls inside an occurrence. An occurrence partly
   covered is split at the override's edges, so each ``Shift`` says who is on for that piece.
   Overrides never create standby outside windows; a ``secondary`` override on a roster with
   ``per_window: 1`` changes nothing; an override naming the person already on changes nothing.

Overrides and swaps of other rosters are ignored, so callers may pass all of them. Pieces of one
occurrence share its ``key``; ``(key, starts_at)`` tells the pieces apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from .rotation import RosterCalendar, roster_calendar
from .windows import ONE_DAY, UTC, Occurrence, start_instant

if TYPE_CHECKING:
    from bot.config import Roster

Role = Literal["primary", "secondary"]
_People = dict[Role, tuple[str, "Origin"]]  # who holds each role, and why


def occurrence_key(roster_id: str, local_date: dt.date, start: dt.time) -> str:
    """The stable identity of a window occurrence, e.g. ``platform:2026-11-24:0730``."""
    return f"{roster_id}:{local_date.isoformat()}:{start.hour:02d}{start.minute:02d}"


def parse_occurrence_key(key: str) -> tuple[str, dt.date, dt.time]:
    """(roster id, local date, local start) of an occurrence key; ValueError if malformed."""
    roster_id, day, hhmm = key.split(":")
    if len(hhmm) != 4 or not hhmm.isdigit():
        raise ValueError(f"{key!r} is not an occurrence key")
    return roster_id, dt.date.fromisoformat(day), dt.time(int(hhmm[:2]), int(hhmm[2:]))


def _require_aware(**moments: dt.datetime) -> None:
    for name, moment in moments.items():
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{name} must be a timezone-aware datetime, got {moment!r}")


@dataclass(frozen=True)
class Override:
    """``user`` covers ``role`` of ``roster_id`` from ``starts_at`` to ``ends_at`` (aware)."""

    roster_id: str
    user: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    created_by: str
    role: Role = "primary"

    def __post_init__(self) -> None:
        _require_aware(starts_at=self.starts_at, ends_at=self.ends_at)
        if self.ends_at <= self.starts_at:
            raise ValueError("an override must end after it starts")
        if self.role not in ("primary", "secondary"):
            raise ValueError(f"role must be primary or secondary, not {self.role!r}")


@dataclass(frozen=True)
class Swap:
    """``user_a`` (on occurrence ``shift_key_a``) and ``user_b`` (on ``shift_key_b``) trade."""

    roster_id: str
    shift_key_a: str
    user_a: str
    shift_key_b: str
    user_b: str
    created_by: str


@dataclass(frozen=True)
class Origin:
    """Where the person in a role came from.

    ``covering_for`` is whom they replace (who would be on without this swap or override);
    ``arranged_by`` is who made the swap or override.
    """

    source: Literal["rotation", "swap", "override"] = "rotation"
    covering_for: str | None = None
    arranged_by: str | None = None


ROTATION = Origin()


@dataclass(frozen=True)
class Shift:
    """One standby shift: an occurrence of a window, or the piece of one an override cut."""

    roster_id: str
    key: str  # the occurrence's identity, shared by its pieces
    local_date: dt.date  # the local date the window starts on
    starts_at: dt.datetime  # aware, UTC
    ends_at: dt.datetime  # aware, UTC
    primary: str
    secondary: str | None  # None with per_window: 1
    turn: int  # the rotation turn, counted from 0 at rotation_start
    primary_origin: Origin
    secondary_origin: Origin | None
    window_index: int  # position of the window in the roster's ``windows``
    window_starts_at: dt.datetime  # the whole occurrence, of which this may be a piece
    window_ends_at: dt.datetime

    @property
    def people(self) -> tuple[str, ...]:
        return (self.primary,) if self.secondary is None else (self.primary, self.secondary)

    @property
    def is_piece(self) -> bool:
        """True when an override split the occurrence and this is a part of it."""
        return (self.starts_at, self.ends_at) != (self.window_starts_at, self.window_ends_at)

    def covers(self, at: dt.datetime) -> bool:
        return self.starts_at <= at < self.ends_at


class _Changes:
    """The overrides and swaps of one roster, indexed for the occurrences being built."""

    def __init__(self, roster_id: str, overrides: Iterable[Override], swaps: Iterable[Swap]):
        self.overrides = [
            Override(
                o.roster_id,
                o.user,
                o.starts_at.astimezone(UTC),
                o.ends_at.astimezone(UTC),
                o.created_by,
                o.role,
            )
            for o in overrides
            if o.roster_id == roster_id
        ]
        self.swaps_by_key: dict[str, list[tuple[str, str, str]]] = {}
        for swap in swaps:
            if swap.roster_id != roster_id or swap.shift_key_a == swap.shift_key_b:
                continue
            for key, leaving, joining in (
                (swap.shift_key_a, swap.user_a, swap.user_b),
                (swap.shift_key_b, swap.user_b, swap.user_a),
            ):
                self.swaps_by_key.setdefault(key, []).append((leaving, joining, swap.created_by))

    def pieces(self, calendar: RosterCalendar, occurrence: Occurrence, turn: int) -> list[Shift]:
        """The shift of ``occurrence`` (taking turn ``turn``), cut where overrides begin or end."""
        key = occurrence_key(calendar.roster_id, occurrence.local_date, occurrence.window.start)
        primary, secondary = calendar.people(turn)
        people: _People = {"primary": (primary, ROTATION)}
        if secondary is not None:
            people["secondary"] = (secondary, ROTATION)
        if self.overrides or self.swaps_by_key:
            people = self._swapped(key, people)
            cuts = self._overridden(occurrence, people)
        else:  # the common case, kept fast
            cuts = [(occurrence.starts_at, occurrence.ends_at, people)]
        return [
            Shift(
                roster_id=calendar.roster_id,
                key=key,
                local_date=occurrence.local_date,
                starts_at=starts_at,
                ends_at=ends_at,
                primary=on["primary"][0],
                secondary=on["secondary"][0] if "secondary" in on else None,
                turn=turn,
                primary_origin=on["primary"][1],
                secondary_origin=on["secondary"][1] if "secondary" in on else None,
                window_index=occurrence.window.position,
                window_starts_at=occurrence.starts_at,
                window_ends_at=occurrence.ends_at,
            )
            for starts_at, ends_at, on in cuts
        ]

    def _swapped(self, key: str, people: _People) -> _People:
        people = dict(people)
        for leaving, joining, arranged_by in self.swaps_by_key.get(key, ()):
            for role, (person, _origin) in people.items():
                if person == leaving:
                    people[role] = (joining, Origin("swap", leaving, arranged_by))
                    break
        return people

    def _overridden(
        self, occurrence: Occurrence, people: _People
    ) -> list[tuple[dt.datetime, dt.datetime, _People]]:
        """(start, end, people) for each stretch of ``occurrence`` between override edges;
        neighbouring stretches with the same people are merged."""
        start, end = occurrence.starts_at, occurrence.ends_at
        overrides = [o for o in self.overrides if o.starts_at < end and start < o.ends_at]
        edges = {start, end}
        edges.update(t for o in overrides for t in (o.starts_at, o.ends_at) if start < t < end)
        cuts: list[tuple[dt.datetime, dt.datetime, _People]] = []
        for low, high in pairwise(sorted(edges)):
            on = dict(people)
            for o in overrides:  # in order, so the later of two overlapping ones wins
                if o.role in people and o.starts_at <= low and high <= o.ends_at:
                    replaced = people[o.role][0]
                    if o.user == replaced:
                        on[o.role] = people[o.role]
                    else:
                        on[o.role] = (o.user, Origin("override", replaced, o.created_by))
            if cuts and cuts[-1][2] == on:
                cuts[-1] = (cuts[-1][0], high, on)
            else:
                cuts.append((low, high, on))
        return cuts


def shifts(
    roster: Roster,
    zone: ZoneInfo,
    start: dt.datetime,
    end: dt.datetime,
    overrides: Sequence[Override] = (),
    swaps: Sequence[Swap] = (),
) -> list[Shift]:
    """Every standby shift of ``roster`` (in ``zone``) that overlaps [start, end), in order.

    Shifts are whole (not cut at ``start`` or ``end``). Raises ValueError for naive datetimes
    and for a roster whose windows overlap.
    """
    _require_aware(start=start, end=end)
    if end <= start:
        return []
    calendar = roster_calendar(roster, zone)
    changes = _Changes(roster.id, overrides, swaps)
    first_day = start.astimezone(zone).date() - 2 * ONE_DAY
    last_day = end.astimezone(zone).date()
    found: list[Shift] = []
    for occurrence, turn in calendar.walk(first_day, last_day):
        if occurrence.ends_at <= start or end <= occurrence.starts_at:
            continue
        occurrence = calendar.clip(occurrence)
        if occurrence.ends_at <= start:
            continue
        found.extend(
            piece
            for piece in changes.pieces(calendar, occurrence, turn)
            if piece.starts_at < end and start < piece.ends_at
        )
    return found


def on_standby(
    roster: Roster,
    zone: ZoneInfo,
    at: dt.datetime,
    overrides: Sequence[Override] = (),
    swaps: Sequence[Swap] = (),
) -> Shift | None:
    """The shift of ``roster`` covering instant ``at``, or None outside its windows."""
    _require_aware(at=at)
    calendar = roster_calendar(roster, zone)
    found = calendar.occurrence_at(at)
    if found is None:
        return None
    occurrence, position = found
    turn = calendar.turn_of(occurrence.local_date, position)
    pieces = _Changes(roster.id, overrides, swaps).pieces(calendar, occurrence, turn)
    return next(piece for piece in pieces if piece.covers(at))


def next_shift(
    roster: Roster,
    zone: ZoneInfo,
    after: dt.datetime,
    overrides: Sequence[Override] = (),
    swaps: Sequence[Swap] = (),
    *,
    horizon: dt.timedelta = dt.timedelta(days=400),
) -> Shift | None:
    """The first shift starting after ``after`` (within ``horizon``), or None."""
    _require_aware(after=after)
    rotation_begins = start_instant(roster.rotation_start, dt.time(0), zone)
    search_from = max(after, rotation_begins)
    for span in (dt.timedelta(days=8), dt.timedelta(days=64), horizon):
        for shift in shifts(roster, zone, search_from, search_from + span, overrides, swaps):
            if shift.starts_at > after:
                return shift
    return None
