"""What the bot posts, as readable text: Slack mrkdwn and Block Kit turned into terminal
lines, each message headed by the time it was sent (in the organisation's zone), with
buttons numbered so that `click N` can press them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.kit.shell.dates import date_renderer
from bot.kit.shell.mrkdwn import readable
from bot.kit.standin import Message

Block = dict[str, Any]

FILE_LINES = 200  # of an uploaded file's text shown by `read`


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
    """Turns messages into lines; `user_name(id)` and `channel_name(id)` name things, times
    are shown in `zone` to a reader whose clock says `now()`."""

    def __init__(
        self,
        user_name: Callable[[str], str],
        channel_name: Callable[[str], str],
        zone: ZoneInfo,
        now: Callable[[], dt.datetime],
    ) -> None:
        self.user_name = user_name
        self.channel_name = channel_name
        self.zone = zone
        self.now = now
        # the moment date tokens are read at (`today`, `3 hours ago`): now, or while a
        # message is drawn, the moment it is shown at (see `message`)
        self.reading_at: dt.datetime | None = None
        self.date = date_renderer(zone, lambda: self.reading_at or self.now())

    # -- text ------------------------------------------------------------------------------

    def text(self, value: str) -> str:
        """Slack mrkdwn as a reader sees it: mentions, channels, links, dates and emoji."""
        return readable(
            value, user_name=self.user_name, channel_name=self.channel_name, date=self.date
        )

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.zone)

    def sent_at(self, message: Message, *, edited: bool = False) -> dt.datetime:
        """When `message` was sent (its ts; `edited`: when it was last edited); a reply
        that is not in the workspace (ts "0") was sent now."""
        ts = message.edited_ts if edited and message.edited_ts else message.ts
        if ts == "0":
            return self.now()
        return dt.datetime.fromtimestamp(float(ts), dt.UTC)

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

    def body(
        self, message: Message, buttons: list[Button], *, file_text: bool = False
    ) -> list[str]:
        """The message's content lines (blocks when it has them, else its text); with
        `file_text`, the text of its uploaded files too."""
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
            if file_text:
                lines += file_lines(file)
        return lines or [""]

    def message(
        self,
        message: Message,
        where: str,
        buttons: list[Button],
        *,
        when: dt.datetime,
        read_at: dt.datetime | None = None,
        edited: bool = False,
        indent: str = "",
        file_text: bool = False,
    ) -> list[str]:
        """`HH:MM where  author: text` (`when` it was sent or edited; `(edited)` when it
        shows an edit, `(edited HH:MM)` when it was edited after `when`), then the rest of
        the message indented; its date tokens as read at `read_at` (default: now)."""
        author = "opsbot" if message.bot_id or not message.user else self.user_name(message.user)
        edit = "(edited) " if edited else ""
        last_edit = self.sent_at(message, edited=True)
        if message.edited_ts and self.local(last_edit) > self.local(when):
            # shown as it is now, edited since `when`
            day = "" if self.local(last_edit).date() == self.local(when).date() else "%a "
            edit = f"(edited {self.local(last_edit).strftime(day + '%H:%M')}) "
        head = f"{indent}{self.local(when):%H:%M} {where}  {edit}{author}: "
        self.reading_at = read_at
        try:
            body = self.body(message, buttons, file_text=file_text)
        finally:
            self.reading_at = None
        pad = indent + "    "
        return [head + body[0], *(pad + line for line in body[1:])]


def file_lines(file: dict[str, Any]) -> list[str]:
    """An uploaded file's text, boxed, at most `FILE_LINES` lines of it."""
    text = str(file.get("content") or "")
    lines = text.splitlines()
    shown = ["│ " + line if line else "│" for line in lines[:FILE_LINES]]
    if len(lines) > FILE_LINES:
        shown.append(f"│ … {len(lines) - FILE_LINES} more lines")
    return [*shown, "└"] if shown else []


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
