"""Who moves when a swap or an override is made, and the DM each of them is owed.

`moves(before, after)` is pure: given the shifts of the occurrences a change touches, read
before and after it, it says for each person the stretches of standby they gain and the ones
they lose, by role. Occurrences are compared stretch by stretch between every edge of either
side, so a piece an override splits off comes out exactly: Alice losing 08:00–09:00 of her
07:30–09:30 shift loses that hour, and Bob gains it. Neighbouring stretches of one occurrence
in one role, with the same counterpart, are told as one. Someone whose standby is the same
after as before (an override naming the person already on) does not move.

`MoveWatch` is the change's side of it: made in the change's transaction before the change
is written, it reads those occurrences; `tell` reads them again after the change and enqueues
one DM per person who moves (`standby:moved:{roster}:{stamp}:{user}`), rendered at send time
by `bot.standby.render_moves` from what moved, which the delivery carries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.config import Roster
from bot.ledger import Due, Ledger
from bot.standby.schedule import Override, Role, Shift, Swap, shifts

ROLES: tuple[Role, ...] = ("primary", "secondary")
KIND = "standby_moved"
RENDERER = "standby.moved"


@dataclass(frozen=True)
class Piece:
    """A stretch of occurrence `key` in `role`, gained or lost. `counterpart` is who held it
    before (for a gain) or holds it after (for a loss); None when nobody does."""

    key: str
    role: Role
    starts_at: dt.datetime
    ends_at: dt.datetime
    counterpart: str | None


@dataclass(frozen=True)
class Move:
    """What one person gains and loses in a change, each in time order."""

    user: str
    gained: tuple[Piece, ...]
    lost: tuple[Piece, ...]


def _holder(shift: Shift, role: Role) -> str | None:
    return shift.primary if role == "primary" else shift.secondary


def _holder_at(
    pieces: Sequence[Shift], low: dt.datetime, high: dt.datetime, role: Role
) -> str | None:
    """Who holds `role` over [low, high) in `pieces` (which it lies inside or outside of)."""
    for piece in pieces:
        if piece.starts_at <= low and high <= piece.ends_at:
            return _holder(piece, role)
    return None


def _add(found: dict[str, list[Piece]], user: str, piece: Piece) -> None:
    """Add `piece` to `user`'s, joined to the one it continues, if any."""
    theirs = found.setdefault(user, [])
    for index in range(len(theirs) - 1, -1, -1):
        last = theirs[index]
        if (last.key, last.role, last.counterpart, last.ends_at) == (
            piece.key,
            piece.role,
            piece.counterpart,
            piece.starts_at,
        ):
            theirs[index] = Piece(
                last.key, last.role, last.starts_at, piece.ends_at, last.counterpart
            )
            return
    theirs.append(piece)


def _by_key(found: Iterable[Shift]) -> dict[str, list[Shift]]:
    grouped: dict[str, list[Shift]] = {}
    for shift in found:
        grouped.setdefault(shift.key, []).append(shift)
    return grouped


def moves(before: Iterable[Shift], after: Iterable[Shift]) -> list[Move]:
    """Each person whose standby differs between `before` and `after` (the shifts of the
    same occurrences, whole), with what they gain and lose; in the order they first move."""
    was_on, now_on = _by_key(before), _by_key(after)
    gained: dict[str, list[Piece]] = {}
    lost: dict[str, list[Piece]] = {}
    people: dict[str, None] = {}
    for key in dict.fromkeys([*was_on, *now_on]):
        old, new = was_on.get(key, []), now_on.get(key, [])
        edges = sorted({t for s in old + new for t in (s.starts_at, s.ends_at)})
        for low, high in pairwise(edges):
            for role in ROLES:
                was, now = _holder_at(old, low, high, role), _holder_at(new, low, high, role)
                if was == now:
                    continue
                if was is not None:
                    people[was] = None
                    _add(lost, was, Piece(key, role, low, high, now))
                if now is not None:
                    people[now] = None
                    _add(gained, now, Piece(key, role, low, high, was))

    def in_order(pieces: list[Piece]) -> tuple[Piece, ...]:
        return tuple(sorted(pieces, key=lambda p: (p.starts_at, p.role)))

    return [
        Move(user, in_order(gained.get(user, [])), in_order(lost.get(user, []))) for user in people
    ]


# -- the DMs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Made:
    """The change, as the DMs name it: a swap `actor` made with `other`, or an override
    `actor` made that puts `other` on."""

    kind: Literal["swap", "override"]
    actor: str
    other: str


def piece_args(piece: Piece) -> dict[str, Any]:
    """`piece` as the delivery carries it (JSON)."""
    return {
        "key": piece.key,
        "role": piece.role,
        "starts_at": piece.starts_at.isoformat(),
        "ends_at": piece.ends_at.isoformat(),
        "counterpart": piece.counterpart,
    }


def piece_from(args: dict[str, Any]) -> Piece:
    role: Role = "secondary" if args["role"] == "secondary" else "primary"
    return Piece(
        str(args["key"]),
        role,
        dt.datetime.fromisoformat(args["starts_at"]),
        dt.datetime.fromisoformat(args["ends_at"]),
        args.get("counterpart"),
    )


def moved_key(roster_id: str, stamp: str, user: str) -> str:
    return f"standby:moved:{roster_id}:{stamp}:{user}"


def moved_dm(roster: Roster, move: Move, made: Made, stamp: str, now: dt.datetime) -> Due:
    """The DM telling `move.user` what `made` moved for them, due `now`; not worth sending
    once every stretch it names has ended."""
    pieces = move.gained + move.lost
    return Due.rendered(
        moved_key(roster.id, stamp, move.user),
        KIND,
        RENDERER,
        {
            "roster_id": roster.id,
            "user": move.user,
            "kind": made.kind,
            "actor": made.actor,
            "other": made.other,
            "gained": [piece_args(p) for p in move.gained],
            "lost": [piece_args(p) for p in move.lost],
        },
        to=move.user,
        due_at=now,
        expires_at=max(p.ends_at for p in pieces),
    )


ChangesReader = Callable[[Session, str], tuple[list[Override], list[Swap]]]


class MoveWatch:
    """The occurrences of `changed` on `roster`, read in `session` when made (before the
    change is written); `tell` enqueues, in the same session, a DM to each person the change
    moved. `changes` reads a roster's overrides and swaps in a session."""

    def __init__(
        self,
        session: Session,
        roster: Roster,
        zone: ZoneInfo,
        changed: Sequence[Shift],
        changes: ChangesReader,
    ):
        self.session, self.roster, self.zone, self.changes = session, roster, zone, changes
        self.keys = {s.key for s in changed}
        self.spans = sorted({(s.window_starts_at, s.window_ends_at) for s in changed})
        self.before, _ = self._read()

    def _read(self) -> tuple[list[Shift], int]:
        """The occurrences' shifts now, and how many overrides and swaps the roster has."""
        overrides, swaps = self.changes(self.session, self.roster.id)
        found: dict[tuple[str, dt.datetime], Shift] = {}
        for start, end in self.spans:
            for shift in shifts(self.roster, self.zone, start, end, overrides, swaps):
                if shift.key in self.keys:
                    found[(shift.key, shift.starts_at)] = shift
        return list(found.values()), len(overrides) + len(swaps)

    def tell(self, made: Made, now: dt.datetime) -> list[str]:
        """Enqueue the DMs of the change written since; their ledger keys. The stamp in the
        keys is the moment and the roster's count of changes, so two changes made in one
        moment (a frozen clock) are told apart."""
        self.session.flush()
        after, count = self._read()
        stamp = f"{now.astimezone(dt.UTC):%Y%m%dT%H%M%S%f}.{count}"
        keys = []
        for move in moves(self.before, after):
            due = moved_dm(self.roster, move, made, stamp, now)
            if Ledger.enqueue(self.session, due, now):
                keys.append(due.key)
        return keys
