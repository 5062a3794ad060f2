"""Response URLs: the ``response_url`` Slack hands out with a slash command or an
interaction, and what a POST to one does.

With its channel known (and its user and message), a POST takes effect in the workspace as
on Slack: ``in_channel`` posts a message, the default ephemeral type posts one seen by its
user alone, ``replace_original`` and ``delete_original`` edit or delete the message it came
from. Every POST is recorded in ``Workspace.response_log``.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from . import api_chat
from .faults import Outcome
from .models import Args, Message, SlackError
from .workspace import Workspace

PATH = "/response/"  # a response URL is the stand-in's base URL, PATH, then its token


def new(
    ws: Workspace,
    base_url: str,
    *,
    channel: str | None = None,
    user: str | None = None,
    message_ts: str | None = None,
) -> str:
    """A new response URL under ``base_url`` for a request made in ``channel`` by ``user``
    (on the message at ``message_ts``, for an interaction)."""
    token = uuid.uuid4().hex
    with ws.lock:
        ws.response_urls[token] = {"channel": channel, "user": user, "message_ts": message_ts}
    return f"{base_url}{PATH}{token}"


def posted(ws: Workspace, url: str | None = None) -> list[dict[str, Any]]:
    """Copies of the JSON bodies POSTed to response URLs (all, or those sent to ``url``)."""
    with ws.lock:
        return [copy.deepcopy(body) for u, body in ws.response_log if url in (None, u)]


def post(ws: Workspace, token: str, payload: dict[str, Any] | None) -> Outcome:
    """A POST of ``payload`` (None: not a JSON object) to the response URL of ``token``."""
    with ws.lock:
        context = ws.response_urls.get(token)
        if context is None:
            return Outcome("http", 404, {"ok": False, "error": "invalid_response_url"})
        if payload is None:
            return Outcome("http", 400, {"ok": False, "error": "invalid_payload"})
        ws.response_log.append((f"{ws.base_url}{PATH}{token}", copy.deepcopy(payload)))
        try:
            _apply(ws, context, payload)
        except SlackError as err:
            return Outcome("http", 400, err.to_response())
    return Outcome("http", 200, {"ok": True})


def _apply(ws: Workspace, context: dict[str, Any], payload: dict[str, Any]) -> None:
    """Show a response-URL payload in the workspace when its channel is known."""
    channel_id = context["channel"]
    if channel_id is None or channel_id not in ws.channels:
        return
    original = ws.find_message(channel_id, context["message_ts"])
    if payload.get("delete_original"):
        if original is not None:
            ws.message_log.remove(original)
        return
    args = Args({k: v for k, v in payload.items() if k in ("text", "blocks", "attachments")})
    text, blocks, attachments = api_chat.message_content(args)
    if payload.get("replace_original") and original is not None:
        original.text = text if text is not None else original.text
        original.blocks = blocks if blocks is not None else original.blocks
        original.attachments = attachments if attachments is not None else original.attachments
        original.edited, original.edited_ts = True, ws.next_ts()
        return
    ephemeral = None if payload.get("response_type") == "in_channel" else context["user"]
    if ephemeral is None and payload.get("response_type") != "in_channel":
        return  # an ephemeral answer for an unknown user: recorded only
    thread_ts = payload.get("thread_ts")
    ws.add_message(
        Message(
            channel=channel_id,
            ts=ws.next_ts(),
            text=text or "",
            blocks=blocks or [],
            attachments=attachments or [],
            user=ws.bot_user_id,
            bot_id=ws.bot_id,
            thread_ts=ws.thread_root(channel_id, thread_ts) if thread_ts else None,
            ephemeral_user=ephemeral,
        )
    )
