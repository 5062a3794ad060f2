"""``chat.*`` and ``reactions.*`` Web API methods."""

from __future__ import annotations

from typing import Any

from .models import Args, Channel, Message, SlackError
from .validation import MESSAGE_TEXT_MAX, validate_attachments, validate_blocks
from .workspace import Workspace


def message_content(
    args: Args,
) -> tuple[str | None, list[Any] | None, list[Any] | None]:
    """text, blocks, attachments as sent (``None`` when the argument is absent)."""
    text = args.text("text")
    if text is not None and len(text) > MESSAGE_TEXT_MAX:
        raise SlackError("msg_too_long")
    blocks = validate_blocks(args["blocks"]) if "blocks" in args else None
    attachments = validate_attachments(args["attachments"]) if "attachments" in args else None
    return text, blocks, attachments


def postable_channel(ws: Workspace, args: Args) -> Channel:
    """The channel named by ``args["channel"]`` if the bot may post there, else raise."""
    channel = ws.resolve(args.text("channel"), allow_user=True, allow_name=True)
    if not channel.is_im:
        ws.require_member(channel)
    if channel.is_archived:
        raise SlackError("is_archived")
    return channel


def _new_message(ws: Workspace, channel: Channel, args: Args, **extra: Any) -> Message:
    text, blocks, attachments = message_content(args)
    if not text and not blocks and not attachments:
        raise SlackError("no_text")
    thread_ts = args.text("thread_ts")
    if thread_ts is not None:
        thread_ts = ws.thread_root(channel.id, thread_ts)
    metadata = args.json("metadata", error="invalid_metadata_format")
    return Message(
        channel=channel.id,
        ts=ws.next_ts(),
        text=text or "",
        blocks=blocks or [],
        attachments=attachments or [],
        user=ws.bot_user_id,
        bot_id=ws.bot_id,
        thread_ts=thread_ts,
        metadata=metadata if isinstance(metadata, dict) else None,
        reply_broadcast=bool(thread_ts) and args.flag("reply_broadcast"),
        **extra,
    )


def post_message(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = postable_channel(ws, args)
    message = ws.add_message(_new_message(ws, channel, args))
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message.ts,
        "message": ws.message_api(message),
    }


def post_ephemeral(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = postable_channel(ws, args)
    user = ws.require_user(args.text("user"))
    if user not in channel.members:
        raise SlackError("user_not_in_channel")
    message = ws.add_message(_new_message(ws, channel, args, ephemeral_user=user))
    return {"ok": True, "message_ts": message.ts}


def _existing(ws: Workspace, args: Args, ts_key: str = "ts") -> Message:
    channel = ws.resolve(args.text("channel"))
    message = ws.find_message(channel.id, args.text(ts_key))
    if message is None or message.ephemeral_user:
        raise SlackError("message_not_found")
    return message


def update(ws: Workspace, args: Args) -> dict[str, Any]:
    message = _existing(ws, args)
    if message.user != ws.bot_user_id:
        raise SlackError("cant_update_message")
    text, blocks, attachments = message_content(args)
    if text is None and blocks is None and attachments is None:
        raise SlackError("no_text")
    # Slack keeps whatever is not sent: blocks stay unless ``blocks`` (maybe []) is given.
    if text is not None:
        message.text = text
    if blocks is not None:
        message.blocks = blocks
    if attachments is not None:
        message.attachments = attachments
    message.edited = True
    message.edited_ts = ws.next_ts()
    return {
        "ok": True,
        "channel": message.channel,
        "ts": message.ts,
        "text": message.text,
        "message": ws.message_api(message),
    }


def delete(ws: Workspace, args: Args) -> dict[str, Any]:
    message = _existing(ws, args)
    if message.user != ws.bot_user_id:
        raise SlackError("cant_delete_message")
    ws.message_log.remove(message)
    return {"ok": True, "channel": message.channel, "ts": message.ts}


def get_permalink(ws: Workspace, args: Args) -> dict[str, Any]:
    message = _existing(ws, args, ts_key="message_ts")
    return {"ok": True, "channel": message.channel, "permalink": ws.permalink(message)}


def _reaction_target(ws: Workspace, args: Args) -> tuple[Message, str]:
    message = _existing(ws, args, ts_key="timestamp")
    name = args.text("name")
    if not name:
        raise SlackError("invalid_name")
    return message, name.strip(":")


def reactions_add(ws: Workspace, args: Args) -> dict[str, Any]:
    message, name = _reaction_target(ws, args)
    users = message.reactions.setdefault(name, [])
    if ws.bot_user_id in users:
        raise SlackError("already_reacted")
    users.append(ws.bot_user_id)
    return {"ok": True}


def reactions_remove(ws: Workspace, args: Args) -> dict[str, Any]:
    message, name = _reaction_target(ws, args)
    users = message.reactions.get(name, [])
    if ws.bot_user_id not in users:
        raise SlackError("no_reaction")
    users.remove(ws.bot_user_id)
    if not users:
        del message.reactions[name]
    return {"ok": True}


METHODS = {
    "chat.postMessage": post_message,
    "chat.postEphemeral": post_ephemeral,
    "chat.update": update,
    "chat.delete": delete,
    "chat.getPermalink": get_permalink,
    "reactions.add": reactions_add,
    "reactions.remove": reactions_remove,
}
