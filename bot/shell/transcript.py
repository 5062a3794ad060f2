"""What the bot posts, as readable text: Slack mrkdwn and Block Kit turned into terminal
lines, with buttons numbered so that `click N` can press them."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.standin import Message

Block = dict[str, Any]

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#([CDG][A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")
_EMOJI_CODE = re.compile(r":([a-z0-9_+-]+):")
EMOJI = {
    "rotating_light": "🚨",
    "red_circle": "🔴",
    "large_orange_circle": "🟠",
    "large_yellow_circle": "🟡",
    "large_blue_circle": "🔵",
    "white_check_mark": "✅",
    "heavy_check_mark": "✔",
    "memo": "📝",
    "warning": "⚠",
    "bell": "🔔",
    "calendar": "📅",
    "pager": "📟",
    "hourglass": "⌛",
    "x": "❌",
    "eyes": "👀",
    "loudspeaker": "📢",
    "arrows_counterclockwise": "🔄",
    "page_facing_up": "📄",
    "loop": "➿",
    "clipboard": "📋",
    "raising_hand": "🙋",
    "sos": "🆘",
}
_LINK = re.compile(r"<([^<>|@#!][^<>|]*)(?:\|([^>]*))?>")


@dataclass
class Button:
    """A button shown in the transcript: what `click` needs to press it."""

    label: str
    action_id: str
    value: str
    block_id: str
    channel: str
    message_ts: str
    url: str | None = None


def size_text(size: int) -> str:
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"


class Renderer:
    """Turns messages into lines; `user_name(id)` and `channel_name(id)` name things."""

    def __init__(self, user_name: Callable[[str], str], channel_name: Callable[[str], str]) -> None:
        self.user_name = user_name
        self.channel_name = channel_name

    # -- text ------------------------------------------------------------------------------

    def text(self, value: str) -> str:
        """Slack mrkdwn made readable: mentions, channels, links and entities."""
        value = _USER.sub(lambda m: "@" + (m.group(2) or self.user_name(m.group(1))), value)
        value = _CHANNEL.sub(lambda m: "#" + (m.group(2) or self.channel_name(m.group(1))), value)
        value = _SPECIAL.sub(lambda m: "@" + m.group(1), value)
        value = _DATE.sub(lambda m: m.group(1), value)
        value = _LINK.sub(
            lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(2) else m.group(1), value
        )
        value = _EMOJI_CODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), value)
        return html.unescape(value)

    # -- blocks ----------------------------------------------------------------------------

    def blocks(self, blocks: list[Block], message: Message, buttons: list[Button]) -> list[str]:
        lines: list[str] = []
        for block in blocks:
            kind = block.get("type")
            if kind in ("section", "header"):
                if isinstance(block.get("text"), dict):
                    lines.extend(self.text(block["text"].get("text", "")).splitlines())
                fields = [
                    " ".join(self.text(f.get("text", "")).split("\n"))
                    for f in block.get("fields") or []
                ]
                for start in range(0, len(fields), 3):
                    lines.append("  ·  ".join(fields[start : start + 3]))
                accessory = block.get("accessory")
                if isinstance(accessory, dict) and accessory.get("type") == "button":
                    lines.append(self._buttons([accessory], block, message, buttons))
            elif kind == "context":
                parts = [
                    self.text(e.get("text", "")) for e in block.get("elements", []) if "text" in e
                ]
                if parts:
                    lines.append("  ".join(parts))
            elif kind == "divider":
                lines.append("───")
            elif kind == "actions":
                elements = [e for e in block.get("elements", []) if e.get("type") == "button"]
                if elements:
                    lines.append(self._buttons(elements, block, message, buttons))
            elif kind == "rich_text":
                lines.extend(self.text(_rich_text(block)).splitlines())
            elif kind == "image":
                lines.append(f"[image: {block.get('alt_text', '')}]")
        return lines

    def _buttons(
        self, elements: list[Block], block: Block, message: Message, buttons: list[Button]
    ) -> str:
        shown = []
        for element in elements:
            label = self.text(element.get("text", {}).get("text", element.get("action_id", "")))
            buttons.append(
                Button(
                    label=label,
                    action_id=element.get("action_id", ""),
                    value=element.get("value", ""),
                    block_id=block.get("block_id", "b"),
                    channel=message.channel,
                    message_ts=message.ts,
                    url=element.get("url"),
                )
            )
            shown.append(f"[{len(buttons)}] {label}")
        return "  ".join(shown)

    # -- messages --------------------------------------------------------------------------

    def body(self, message: Message, buttons: list[Button]) -> list[str]:
        """The message's content lines (blocks when it has them, else its text)."""
        lines = self.blocks(message.blocks, message, buttons) if message.blocks else []
        if not lines and message.text:
            lines = self.text(message.text).splitlines()
        for attachment in message.attachments:
            text = attachment.get("text") or attachment.get("fallback") or ""
            lines.extend("│ " + line for line in self.text(text).splitlines())
            lines.extend(
                "│ " + line for line in self.blocks(attachment.get("blocks", []), message, buttons)
            )
        for file in message.files:
            name = file.get("name") or file.get("title") or "file"
            lines.append(f"📎 {name} ({size_text(int(file.get('size') or 0))})")
        return lines or [""]

    def message(
        self,
        message: Message,
        where: str,
        buttons: list[Button],
        *,
        edited: bool = False,
        indent: str = "",
    ) -> list[str]:
        author = "opsbot" if message.bot_id or not message.user else self.user_name(message.user)
        head = f"{indent}{where}  {'(edited) ' if edited else ''}{author}: "
        body = self.body(message, buttons)
        pad = indent + "    "
        return [head + body[0], *(pad + line for line in body[1:])]


def _rich_text(block: Block) -> str:
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if node.get("type") == "text":
                parts.append(node.get("text", ""))
            elif node.get("type") == "user":
                parts.append(f"<@{node.get('user_id', '')}>")
            elif node.get("type") == "channel":
                parts.append(f"<#{node.get('channel_id', '')}>")
            walk(node.get("elements", []))

    walk(block.get("elements", []))
    return "".join(parts)
