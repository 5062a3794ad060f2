"""``conversations.*`` Web API methods."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any, TypeVar

from .models import Args, Channel, Message, SlackError
from .validation import TOPIC_MAX, validate_channel_name
from .workspace import Workspace

T = TypeVar("T")


def paginate(items: list[T], args: Args, *, default_limit: int) -> tuple[list[T], dict[str, Any]]:
    """Slack cursor pagination over an already ordered list: (page, response_metadata)."""
    limit = args.integer("limit", default_limit) or default_limit
    cursor = args.text("cursor")
    start = 0
    if cursor:
        try:
            start = int(base64.b64decode(cursor).decode().removeprefix("offset:"))
        except ValueError:
            raise SlackError("invalid_cursor") from None
    page = items[start : start + limit]
    end = start + len(page)
    next_cursor = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return page, {"next_cursor": next_cursor}


def _not_im(channel: Channel) -> None:
    if channel.is_im or channel.is_mpim:
        raise SlackError("method_not_supported_for_channel_type")


def create(ws: Workspace, args: Args) -> dict[str, Any]:
    name = validate_channel_name(args.text("name"))
    if ws.channel_named(name) is not None:
        raise SlackError("name_taken")
    channel = ws.add_channel(name, is_private=args.flag("is_private"))
    return {"ok": True, "channel": ws.channel_api(channel)}


def invite(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.resolve(args.text("channel"))
    _not_im(channel)
    if channel.is_archived:
        raise SlackError("is_archived")
    ws.require_member(channel)
    users = args.csv("users")
    if not users:
        raise SlackError("no_user")
    if len(users) > 1000:
        raise SlackError("too_many_users")
    errors: list[dict[str, Any]] = []
    for user in users:
        if user == ws.bot_user_id:
            errors.append({"user": user, "ok": False, "error": "cant_invite_self"})
        elif user not in ws.users:
            errors.append({"user": user, "ok": False, "error": "user_not_found"})
    if errors:
        # Slack answers with the first failure and lists each failing user.
        raise SlackError(errors[0]["error"], errors=errors)
    new = [user for user in users if user not in channel.members]
    if not new:
        raise SlackError(
            "already_in_channel",
            errors=[{"user": u, "ok": False, "error": "already_in_channel"} for u in users],
        )
    channel.add_members(new)
    return {"ok": True, "channel": ws.channel_api(channel)}


def join(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.resolve(args.text("channel"))
    _not_im(channel)
    if channel.is_private:
        raise SlackError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise SlackError("is_archived")
    answer: dict[str, Any] = {"ok": True}
    if ws.bot_user_id in channel.members:
        answer.update(
            warning="already_in_channel",
            response_metadata={"warnings": ["already_in_channel"]},
        )
    channel.add_members([ws.bot_user_id])
    answer["channel"] = ws.channel_api(channel)
    return answer


def leave(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.resolve(args.text("channel"))
    _not_im(channel)
    if ws.bot_user_id not in channel.members:
        return {"ok": True, "not_in_channel": True}
    channel.members.remove(ws.bot_user_id)
    return {"ok": True}


def info(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.resolve(args.text("channel"))
    return {"ok": True, "channel": ws.channel_api(channel)}


def _set_text(field: str) -> Callable[[Workspace, Args], dict[str, Any]]:
    def handler(ws: Workspace, args: Args) -> dict[str, Any]:
        channel = ws.resolve(args.text("channel"))
        ws.require_member(channel)
        if channel.is_archived:
            raise SlackError("is_archived")
        value = args.text(field, "")
        if len(value) > TOPIC_MAX:
            raise SlackError("too_long")
        setattr(channel, field, {"value": value, "creator": ws.bot_user_id, "last_set": ws.now()})
        return {"ok": True, "channel": ws.channel_api(channel)}

    return handler


def members(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.resolve(args.text("channel"))
    page, meta = paginate(list(channel.members), args, default_limit=100)
    return {"ok": True, "members": page, "response_metadata": meta}


def archive(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.resolve(args.text("channel"))
    _not_im(channel)
    if channel.is_archived:
        raise SlackError("already_archived")
    ws.require_member(channel)
    channel.is_archived = True
    return {"ok": True}


def unarchive(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.resolve(args.text("channel"))
    _not_im(channel)
    if not channel.is_archived:
        raise SlackError("not_archived")
    channel.is_archived = False
    return {"ok": True}


def list_(ws: Workspace, args: Args) -> dict[str, Any]:
    types = set(args.csv("types") or ["public_channel"])
    exclude_archived = args.flag("exclude_archived")
    found = []
    for channel in ws.channels.values():
        if channel.is_im:
            kind = "im"
        elif channel.is_mpim:
            kind = "mpim"
        else:
            kind = "private_channel" if channel.is_private else "public_channel"
        if kind not in types or (exclude_archived and channel.is_archived):
            continue
        if kind != "public_channel" and ws.bot_user_id not in channel.members:
            continue
        found.append(ws.channel_api(channel))
    page, meta = paginate(found, args, default_limit=100)
    return {"ok": True, "channels": page, "response_metadata": meta}


def _window(args: Args) -> Callable[[Message], bool]:
    """A predicate for Slack's ``oldest``/``latest``/``inclusive`` history window."""
    bounds: dict[str, float | None] = {}
    for key in ("oldest", "latest"):
        value = args.text(key)
        try:
            bounds[key] = None if value is None else float(value)
        except ValueError:
            raise SlackError(f"invalid_ts_{key}") from None
    inclusive = args.flag("inclusive")
    oldest, latest = bounds["oldest"], bounds["latest"]

    def keep(message: Message) -> bool:
        ts = float(message.ts)
        if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
            return False
        return latest is None or ts < latest or (ts == latest and inclusive)

    return keep


def history(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.resolve(args.text("channel"))
    in_window = _window(args)
    visible = [
        m
        for m in ws.message_log
        if m.channel == channel.id
        and not m.ephemeral_user
        and (not m.is_reply or m.reply_broadcast)
        and in_window(m)
    ]
    visible.reverse()  # newest first, like Slack
    page, meta = paginate(visible, args, default_limit=100)
    return {
        "ok": True,
        "messages": [ws.message_api(m) for m in page],
        "has_more": bool(meta["next_cursor"]),
        "pin_count": 0,
        "response_metadata": meta,
    }


def replies(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.resolve(args.text("channel"))
    ts = args.text("ts")
    parent = ws.find_message(channel.id, ts)
    if parent is None or parent.ephemeral_user:
        raise SlackError("thread_not_found")
    root = ws.find_message(channel.id, parent.thread_ts) if parent.is_reply else parent
    thread = [root or parent, *ws.replies_to(channel.id, (root or parent).ts)]
    in_window = _window(args)
    thread = [m for m in thread if in_window(m)]
    page, meta = paginate(thread, args, default_limit=1000)
    return {
        "ok": True,
        "messages": [ws.message_api(m) for m in page],
        "has_more": bool(meta["next_cursor"]),
        "response_metadata": meta,
    }


def open_(ws: Workspace, args: Args) -> dict[str, Any]:
    if args.text("channel"):
        channel = ws.resolve(args.text("channel"))
        return {"ok": True, "channel": ws.channel_api(channel)}
    users = [u for u in args.csv("users") if u != ws.bot_user_id]
    if not users:
        raise SlackError("users_list_not_supplied")
    if len(users) > 8:
        raise SlackError("too_many_users")
    for user in users:
        ws.require_user(user)
    if len(users) == 1:
        existing = ws.im_for(users[0], create=False)
        channel = existing or ws.im_for(users[0])
    else:
        group = {ws.bot_user_id, *users}
        existing = next(
            (c for c in ws.channels.values() if c.is_mpim and set(c.members) == group), None
        )
        channel = existing or ws.add_channel(
            "mpdm-" + "--".join(ws.users[u]["name"] for u in sorted(group)) + "-1",
            ws.new_id("G"),
            members=users,
            is_private=True,
        )
        channel.is_mpim = True
    answer: dict[str, Any] = {"ok": True, "channel": {"id": channel.id}}
    if existing is not None:
        answer.update(no_op=True, already_open=True)
    if args.flag("return_im"):
        answer["channel"] = ws.channel_api(channel)
    return answer


METHODS = {
    "conversations.create": create,
    "conversations.invite": invite,
    "conversations.join": join,
    "conversations.leave": leave,
    "conversations.info": info,
    "conversations.setTopic": _set_text("topic"),
    "conversations.setPurpose": _set_text("purpose"),
    "conversations.members": members,
    "conversations.archive": archive,
    "conversations.unarchive": unarchive,
    "conversations.list": list_,
    "conversations.history": history,
    "conversations.replies": replies,
    "conversations.open": open_,
}
