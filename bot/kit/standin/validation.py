"""Slack's input rules that the stand-in enforces: channel names, Block Kit, views.

Only the limits a bot is likely to trip over are checked; the error codes and
``response_metadata.messages`` follow what Slack answers.
"""

from __future__ import annotations

import re
from typing import Any

from .models import SlackError, decode_json_arg, invalid

CHANNEL_NAME_MAX = 80
MESSAGE_TEXT_MAX = 40_000
MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
SECTION_TEXT_MAX = 3000
SECTION_FIELD_MAX = 2000
SECTION_FIELDS_MAX = 10
HEADER_TEXT_MAX = 150
BLOCK_ID_MAX = 255
VIEW_TITLE_MAX = 24
PRIVATE_METADATA_MAX = 3000
TOPIC_MAX = 250

_NAME_CHARS = re.compile(r"[a-z0-9_-]+")
_NAME_PUNCTUATION_ONLY = re.compile(r"[_-]+")


def validate_channel_name(name: str | None) -> str:
    """Return ``name`` if Slack would accept it for conversations.create, else raise."""
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > CHANNEL_NAME_MAX:
        raise SlackError("invalid_name_maxlength")
    if not _NAME_CHARS.fullmatch(name):
        raise SlackError("invalid_name_specials")
    if _NAME_PUNCTUATION_ONLY.fullmatch(name):
        raise SlackError("invalid_name_punctuation")
    return name


def _blocks_error(*problems: str) -> SlackError:
    err = invalid("invalid_blocks", *problems)
    err.extra["errors"] = list(problems)
    return err


def _text_of(obj: Any) -> str:
    text = obj.get("text") if isinstance(obj, dict) else None
    return text if isinstance(text, str) else ""


def _block_problems(block: Any, pointer: str) -> list[str]:
    if not isinstance(block, dict):
        return [f"must be an object [json-pointer:{pointer}]"]
    kind = block.get("type")
    if not isinstance(kind, str) or not kind:
        return [f"missing required field: type [json-pointer:{pointer}]"]
    problems = []
    block_id = block.get("block_id")
    if isinstance(block_id, str) and len(block_id) > BLOCK_ID_MAX:
        problems.append(
            f"must be at most {BLOCK_ID_MAX} characters [json-pointer:{pointer}/block_id]"
        )
    if kind == "section":
        text, fields = block.get("text"), block.get("fields")
        if text is None and not fields and "expand" not in block:
            problems.append(f"must provide either text or fields [json-pointer:{pointer}]")
        if len(_text_of(text)) > SECTION_TEXT_MAX:
            problems.append(
                f"must be less than {SECTION_TEXT_MAX + 1} characters "
                f"[json-pointer:{pointer}/text/text]"
            )
        if isinstance(fields, list):
            if len(fields) > SECTION_FIELDS_MAX:
                problems.append(
                    f"must have at most {SECTION_FIELDS_MAX} items [json-pointer:{pointer}/fields]"
                )
            for i, item in enumerate(fields):
                if len(_text_of(item)) > SECTION_FIELD_MAX:
                    problems.append(
                        f"must be less than {SECTION_FIELD_MAX + 1} characters "
                        f"[json-pointer:{pointer}/fields/{i}/text]"
                    )
    elif kind == "header" and len(_text_of(block.get("text"))) > HEADER_TEXT_MAX:
        problems.append(
            f"must be less than {HEADER_TEXT_MAX + 1} characters [json-pointer:{pointer}/text/text]"
        )
    return problems


def validate_blocks(
    raw: Any, *, limit: int = MESSAGE_BLOCKS_MAX, pointer: str = "/blocks"
) -> list[dict[str, Any]]:
    """Decode and check a ``blocks`` argument; raise ``invalid_blocks[_format]`` like Slack.

    A value that is not JSON or not an array is ``invalid_blocks_format``; an array whose
    items break Block Kit rules is ``invalid_blocks``.
    """
    if raw is None or raw == "":
        return []
    try:
        blocks = decode_json_arg(raw)
    except ValueError:
        raise invalid("invalid_blocks_format", "blocks is not valid JSON") from None
    if not isinstance(blocks, list):
        raise invalid("invalid_blocks_format", f"must be an array [json-pointer:{pointer}]")
    problems = []
    if len(blocks) > limit:
        problems.append(f"must have at most {limit} items [json-pointer:{pointer}]")
    for i, block in enumerate(blocks):
        problems.extend(_block_problems(block, f"{pointer}/{i}"))
    if problems:
        raise _blocks_error(*problems)
    return blocks


def validate_attachments(raw: Any) -> list[dict[str, Any]]:
    if raw is None or raw == "":
        return []
    try:
        attachments = decode_json_arg(raw)
    except ValueError:
        raise invalid("invalid_attachments", "attachments is not valid JSON") from None
    if not isinstance(attachments, list) or not all(isinstance(a, dict) for a in attachments):
        raise invalid("invalid_attachments", "attachments must be an array of objects")
    if len(attachments) > 100:
        raise SlackError("too_many_attachments")
    return attachments


def validate_view(raw: Any, *, expect: str | None = None) -> dict[str, Any]:
    """Decode and check a ``view`` argument; raise ``invalid_arguments`` like Slack does."""
    if raw is None or raw == "":
        raise invalid("invalid_arguments", "missing required field: view")
    try:
        view = decode_json_arg(raw)
    except ValueError:
        raise invalid("invalid_arguments", "view is not valid JSON") from None
    if not isinstance(view, dict):
        raise invalid("invalid_arguments", "must be an object [json-pointer:/view]")
    kind = view.get("type")
    if not kind:
        raise invalid("invalid_arguments", "missing required field: type [json-pointer:/view]")
    if kind not in ("modal", "home") or (expect and kind != expect):
        raise invalid("invalid_arguments", f"unsupported type: {kind} [json-pointer:/view/type]")
    problems = []
    if kind == "modal":
        title = view.get("title")
        if not isinstance(title, dict) or not _text_of(title):
            problems.append("missing required field: title [json-pointer:/view]")
        elif len(_text_of(title)) > VIEW_TITLE_MAX:
            problems.append(
                f"must be less than {VIEW_TITLE_MAX + 1} characters [json-pointer:/view/title/text]"
            )
        for button in ("submit", "close"):
            if len(_text_of(view.get(button))) > VIEW_TITLE_MAX:
                problems.append(
                    f"must be less than {VIEW_TITLE_MAX + 1} characters "
                    f"[json-pointer:/view/{button}/text]"
                )
    if "blocks" not in view:
        problems.append("missing required field: blocks [json-pointer:/view]")
    metadata = view.get("private_metadata")
    if isinstance(metadata, str) and len(metadata) > PRIVATE_METADATA_MAX:
        problems.append(
            f"must be less than {PRIVATE_METADATA_MAX + 1} characters "
            "[json-pointer:/view/private_metadata]"
        )
    if problems:
        raise invalid("invalid_arguments", *problems)
    try:
        blocks = validate_blocks(view["blocks"], limit=VIEW_BLOCKS_MAX, pointer="/view/blocks")
    except SlackError as err:
        raise SlackError("invalid_arguments", **err.extra) from None
    has_input = any(block.get("type") == "input" for block in blocks)
    if kind == "modal" and has_input and not view.get("submit"):
        raise invalid(
            "invalid_arguments",
            "submit is required when an input block is present [json-pointer:/view/submit]",
        )
    return {**view, "blocks": blocks}
