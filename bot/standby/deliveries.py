"""The deliveries a roster owes Slack, each under its unique ledger key
(`standby:{occurrence}:{kind}[:{person}]`). Messages are rendered at send time, so a swap or
override made after a delivery was owed is reflected (or the delivery skipped)."""

from __future__ import annotations

import datetime as dt

from bot.config import Roster
from bot.ledger import Due
from bot.standby.schedule import Shift


def post_key(occurrence: str) -> str:
    return f"standby:{occurrence}:post"


def _args(roster: Roster, occurrence: str, **more: str) -> dict[str, str]:
    """The renderer's arguments; ``edit`` (on edits of the post) makes the renderer skip the
    edit of a post that was never sent (missed while down, or given up)."""
    return {"roster_id": roster.id, "key": occurrence, **more}


def post(roster: Roster, shift: Shift) -> Due:
    """The roster message in the roster's channel when the window opens."""
    return Due.rendered(
        post_key(shift.key),
        "standby_post",
        "standby.post",
        _args(roster, shift.key),
        to=roster.channel,
        due_at=shift.window_starts_at,
        expires_at=shift.window_ends_at,
    )


def post_refresh(roster: Roster, occurrence: str, stamp: str, now: dt.datetime) -> Due:
    """An edit of the roster post, due `now`, so that it shows a change."""
    return Due.rendered(
        f"{post_key(occurrence)}:refresh:{stamp}",
        "standby_post_update",
        "standby.post",
        _args(roster, occurrence, edit="refresh"),
        edits=post_key(occurrence),
        due_at=now,
    )


def ended_key(occurrence: str) -> str:
    return f"{post_key(occurrence)}:ended"


def post_ended(roster: Roster, shift: Shift) -> Due:
    """The roster post edited at the window's end: it says the window ended, without the
    button. Never expires: a clock down at the end edits it when it is back."""
    return Due.rendered(
        ended_key(shift.key),
        "standby_post_ended",
        "standby.post",
        _args(roster, shift.key, edit="ended"),
        edits=post_key(shift.key),
        due_at=shift.window_ends_at,
    )


def ping(roster: Roster, shift: Shift, user: str, due_at: dt.datetime | None = None) -> Due:
    """A DM to a person on standby when their part of the window begins (or ``due_at``:
    when a swap or override puts them on a window already open)."""
    return Due.rendered(
        f"standby:{shift.key}:ping:{user}",
        "standby_ping",
        "standby.ping",
        _args(roster, shift.key, user=user),
        to=user,
        due_at=due_at or shift.starts_at,
        expires_at=shift.ends_at,
    )


def reminder(roster: Roster, shift: Shift, user: str) -> Due:
    """A DM heads-up `remind_before_minutes` before the window opens."""
    return Due.rendered(
        f"standby:{shift.key}:remind:{user}",
        "standby_reminder",
        "standby.reminder",
        _args(roster, shift.key, user=user),
        to=user,
        due_at=shift.window_starts_at - dt.timedelta(minutes=roster.remind_before_minutes),
        expires_at=shift.window_starts_at,
    )
