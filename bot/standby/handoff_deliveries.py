"""The handoff a window owes at its end, each under its unique ledger key: a note in the
thread of the window's post (`standby:{occurrence}:handoff`) and a DM to each person on the
next shift (`standby:{occurrence}:handoff:{person}`), overrides and swaps applied as they
stand when the window ends. Both are rendered at send time by `standby.handoff` (its
renderer gathers across domains: bot/flows/handoff.py), which skips the DM of someone a
later change took off the next shift.

A clock down at the end sends them when it is back, marked late, for `STALE_AFTER` (12 h):
past that the next person has long been on and the note is no news, so the ledger lets them
expire (skipped, with a log line)."""

from __future__ import annotations

import datetime as dt

from bot.config import Roster
from bot.ledger import Due
from bot.standby.deliveries import post_key
from bot.standby.schedule import Shift, next_shift
from bot.standby.service import StandbyService

RENDER = "standby.handoff"
STALE_AFTER = dt.timedelta(hours=12)
JUST_BEFORE = dt.timedelta(microseconds=1)


def note_key(occurrence: str) -> str:
    return f"standby:{occurrence}:handoff"


def dm_key(occurrence: str, user: str) -> str:
    return f"{note_key(occurrence)}:{user}"


def following(service: StandbyService, roster: Roster, shift: Shift) -> Shift | None:
    """The first shift of another window that starts at or after `shift`'s window ends, with
    today's overrides and swaps (None when the roster has no more windows)."""
    overrides, swaps = service.changes(roster)
    after = shift.window_ends_at - JUST_BEFORE
    found = next_shift(roster, service.zone(roster), after, overrides, swaps)
    return found if found is not None and found.key != shift.key else None


def handoff(service: StandbyService, roster: Roster, shift: Shift) -> list[Due]:
    """What the end of `shift`'s window owes: the note under its post, and a DM to each
    person on the next shift."""
    args = {"roster_id": roster.id, "key": shift.key}
    ends_at = shift.window_ends_at
    dues = [
        Due.rendered(
            note_key(shift.key),
            "standby_handoff",
            RENDER,
            args,
            thread_of=post_key(shift.key),
            due_at=ends_at,
            expires_at=ends_at + STALE_AFTER,
        )
    ]
    upcoming = following(service, roster, shift)
    if upcoming is None:
        return dues
    for person in upcoming.people:
        dues.append(
            Due.rendered(
                dm_key(shift.key, person),
                "standby_handoff_dm",
                RENDER,
                {**args, "user": person, "next_key": upcoming.key},
                to=person,
                due_at=ends_at,
                expires_at=ends_at + STALE_AFTER,
            )
        )
    return dues
