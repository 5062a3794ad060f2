"""Small Block Kit builders shared by every domain."""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]
SECTION_LIMIT = 3000


def _clip(text: str, limit: int = SECTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: str, **extra: Any) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text)}, **extra}


def fields(*pairs: tuple[str, str]) -> Block:
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": _clip(f"*{k}*\n{v}", 2000)} for k, v in pairs[:10]],
    }


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": _clip(text, 150)}}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(t)} for t in texts]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str, action_id: str, value: str = "", style: str | None = None, url: str | None = None
) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
    }
    if value:
        element["value"] = value
    if style:
        element["style"] = style
    if url:
        element["url"] = url
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def message(text: str, blocks: list[Block]) -> dict[str, Any]:
    """A message payload: blocks, with `text` as the plain fallback for notifications."""
    return {"text": _clip(text, 3000), "blocks": blocks[:50]}


def plain_input(
    block_id: str,
    label: str,
    *,
    multiline: bool = False,
    optional: bool = False,
    initial: str | None = None,
    max_length: int | None = None,
    placeholder: str | None = None,
) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": "value", "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    if max_length:
        element["max_length"] = max_length
    if placeholder:
        element["placeholder"] = {"type": "plain_text", "text": placeholder}
    return input_block(block_id, label, element, optional=optional)


def input_block(block_id: str, label: str, element: Block, *, optional: bool = False) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
        "optional": optional,
    }


def option(text: str, value: str) -> Block:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def select_input(
    block_id: str,
    label: str,
    choices: list[tuple[str, str]],
    initial: str | None = None,
    optional: bool = False,
) -> Block:
    element: Block = {
        "type": "static_select",
        "action_id": "value",
        "options": [option(t, v) for t, v in choices],
    }
    if initial is not None:
        element["initial_option"] = option(dict((v, t) for t, v in choices)[initial], initial)
    return input_block(block_id, label, element, optional=optional)


def modal(
    callback_id: str, title: str, submit: str, blocks: list[Block], private_metadata: str = ""
) -> Block:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": title[:24]},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
        "private_metadata": private_metadata,
    }
