"""Small Block Kit builders shared by every domain.

Text is cut to Slack's limits (a section's 3,000 characters, a header's 150, a message's
50 blocks) where it is whole: never inside an entity (`&amp;`) or markup (`<@U…>`), so a
cut never shows half an escape or turns a mention into text."""

from __future__ import annotations

import re
from typing import Any

Block = dict[str, Any]
SECTION_LIMIT = 3000
MAX_BLOCKS = 50
_OPEN_ENTITY = re.compile(r"&[a-z]{0,4}$")
_OPEN_MARKUP = re.compile(r"<[^<>]*$")


def safe_cut(text: str, at: int) -> int:
    """The largest position <= `at` that does not split an entity or markup in `text`."""
    head = text[:at]
    for pattern in (_OPEN_ENTITY, _OPEN_MARKUP):
        if match := pattern.search(head):
            head = head[: match.start()]
    return len(head)


def clip(text: str, limit: int = SECTION_LIMIT, *, mrkdwn: bool = True) -> str:
    """`text` within `limit` characters, cut where it is whole, with an ellipsis
    (plain_text has no entities or markup to keep whole)."""
    if len(text) <= limit:
        return text
    return text[: safe_cut(text, limit - 1) if mrkdwn else limit - 1] + "…"


def split(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """`text` in pieces within `limit`, cut at a line break or a space where there is one
    in the second half of a piece, and never inside an entity or markup."""
    pieces = []
    while len(text) > limit:
        cut = safe_cut(text, limit) or limit  # (markup longer than a piece: cut anyway)
        soft = max(text.rfind("\n", 0, cut), text.rfind(" ", 0, cut))
        if soft > cut // 2 and safe_cut(text, soft) == soft:
            pieces.append(text[:soft])
            text = text[soft + 1 :]
        else:
            pieces.append(text[:cut])
            text = text[cut:]
    return [*pieces, text] if text or not pieces else pieces


def section(text: str, **extra: Any) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text)}, **extra}


def sections(text: str) -> list[Block]:
    """Text too long for one section, over as many as it takes (instead of cut)."""
    return [section(piece) for piece in split(text)]


def fields(*pairs: tuple[str, str]) -> Block:
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": clip(f"*{k}*\n{v}", 2000)} for k, v in pairs[:10]],
    }


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, 150, mrkdwn=False)}}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(t)} for t in texts]}


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
    return {"text": clip(text, 3000), "blocks": blocks[:MAX_BLOCKS]}


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
