"""The deliveries a roster owes Slack, each under its unique ledger key
(`standby:{occurrence}:{kind}[:{person}]`). Messages are rendered at send time, so a swap or
override made after a delivery was owed is reflected (or the delivery skipped)."""

from __future__ import annotations

import datetime as dt

from bot import clock
from bot.config import Roster
from bot.ledger import Due
from bot.standby.schedule import Shift


def post_key(occurrence: str) -> str:
    return f"standby:{occurrence}:post"


def post(roster: Roster, shift: Shift) -> Due:
    """The roster message in the roster's channel when the window opens."""
    return Due(
        key=post_key(shift.key),
        kind="standby_post",
        method="chat.postMessage",
        payload={
            "channel": roster.channel,
            "render": "standby.post",
            "args": {"roster_id": roster.id, "key": shift.key},
        },
        due_at=shift.window_starts_at,
        expires_at=shift.window_ends_at,
    )


def post_refresh(roster: Roster, occurrence: str, stamp: str) -> Due:
    return Due(
        key=f"{post_key(occurrence)}:refresh:{stamp}",
        kind="standby_post_update",
        method="chat.update",
        payload={
            "ts_of": post_key(occurrence),
            "render": "standby.post",
            "args": {"roster_id": roster.id, "key": occurrence},
        },
        due_at=clock.now(),
    )


def ping(roster: Roster, shift: Shift, user: str) -> Due:
    """A DM to a person on standby when their part of the window begins."""
    return Due(
        key=f"standby:{shift.key}:ping:{user}",
        kind="standby_ping",
        method="chat.postMessage",
        payload={
            "channel": user,
            "render": "standby.ping",
            "args": {"roster_id": roster.id, "key": shift.key, "user": user},
        },
        due_at=shift.starts_at,
        expires_at=shift.ends_at,
    )


def reminder(roster: Roster, shift: Shift, user: str) -> Due:
    """A DM heads-up `remind_before_minutes` before the window opens."""
    return Due(
        key=f"standby:{shift.key}:remind:{user}",
        kind="standby_reminder",
        method="chat.postMessage",
        payload={
            "channel": user,
            "render": "standby.reminder",
            "args": {"roster_id": roster.id, "key": shift.key, "user": user},
        },
        due_at=shift.window_starts_at - dt.timedelta(minutes=roster.remind_before_minutes),
        expires_at=shift.window_starts_at,
    )
