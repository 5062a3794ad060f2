"""Helpers every listener shares: the shape of a reply, reading what a person submitted in
a modal, and the id a request is logged under."""

from __future__ import annotations

import json
import uuid
from typing import Any

from bot.slack.escaping import decode, typed


def request_id(body: dict[str, Any]) -> str:
    """The trigger_id of a command or interaction, the event_id of an event (else a new one)."""
    return str(body.get("trigger_id") or body.get("event_id") or f"req-{uuid.uuid4().hex[:12]}")


def ephemeral(text: str = "", **message: Any) -> dict[str, Any]:
    """An ack body only the person who typed the command sees."""
    return {"response_type": "ephemeral", "text": text, **message}


def typed_text(command: dict[str, Any]) -> str:
    """A slash command's text as the person meant it (Slack sends it encoded)."""
    return decode(command.get("text") or "")


def field_value(view: dict[str, Any], block: str) -> Any:
    """A block's value: the text typed (stripped; modal inputs arrive as typed, so nothing
    to decode), the option chosen, or the options ticked."""
    state = view.get("state", {}).get("values", {}).get(block, {}).get("value", {})
    if "selected_option" in state:
        return (state["selected_option"] or {}).get("value")
    if "selected_options" in state:
        return [o["value"] for o in state["selected_options"] or []]
    return typed((state.get("value") or "").strip())


def view_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The modal's private_metadata, which opsbot writes as JSON ({} when unreadable)."""
    try:
        metadata: dict[str, Any] = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return metadata
