"""What a cover request (`/standby cover`) owes Slack, each under its unique ledger key
(`standby:cover:{id}:{kind}`). Every message is rendered at send time from the request as
it is then (bot/standby/cover_render.py), so a request taken or withdrawn meanwhile shows
so, and a re-raise of a request no longer open is skipped."""

from __future__ import annotations

import datetime as dt

from bot.ledger import Due

REQUEST = "standby.cover"  # the renderer of the channel messages
PERSONAL = "standby.cover_dm"  # the renderer of the DMs when a request is taken


def request_key(request_id: int) -> str:
    return f"standby:cover:{request_id}:request"


def reraise_key(request_id: int) -> str:
    return f"standby:cover:{request_id}:reraise"


def request_message(request_id: int, channel: str, now: dt.datetime, closes_at: dt.datetime) -> Due:
    """The request in the roster's channel, with **I'll take it** and **Withdraw**."""
    return Due.rendered(
        request_key(request_id),
        "standby_cover_request",
        REQUEST,
        {"request_id": request_id, "part": "request"},
        to=channel,
        due_at=now,
        expires_at=closes_at,
    )


def reraise(request_id: int, due_at: dt.datetime, closes_at: dt.datetime) -> Due:
    """The request raised again in its thread, broadcast to the channel, when the shift is
    near and nobody took it (skipped at send time if it was taken or withdrawn by then)."""
    return Due.rendered(
        reraise_key(request_id),
        "standby_cover_reraise",
        REQUEST,
        {"request_id": request_id, "part": "reraise"},
        thread_of=request_key(request_id),
        due_at=due_at,
        expires_at=closes_at,
    )


def closed(request_id: int, part: str, now: dt.datetime) -> Due:
    """The edit of the request message (``part`` "request") or of its re-raise ("reraise")
    once the request is closed: who took it, withdrawn, or past; without buttons. Never
    expires."""
    target = request_key(request_id) if part == "request" else reraise_key(request_id)
    return Due.rendered(
        f"{target}:closed",
        "standby_cover_closed",
        REQUEST,
        {"request_id": request_id, "part": part, "edit": "closed"},
        edits=target,
        due_at=now,
    )


def taken_dm(request_id: int, user: str, now: dt.datetime) -> Due:
    """A DM to the requester or to the taker when the request is taken."""
    return Due.rendered(
        f"standby:cover:{request_id}:taken:{user}",
        "standby_cover_taken",
        PERSONAL,
        {"request_id": request_id, "user": user},
        to=user,
        due_at=now,
    )
