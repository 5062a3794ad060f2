"""Plain data types shared by the stand-in: recorded calls, channels and stored messages,
argument access.

Nothing here knows about HTTP or about the workspace state.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, overload

# Arguments that Slack accepts as "a JSON-based array/object, presented as a URL-encoded string".
# Form-encoded clients send them as JSON strings, JSON clients as real lists/objects.
JSON_ARGS = frozenset(
    {"blocks", "attachments", "view", "files", "metadata", "unfurls", "user_auth_blocks"}
)

_TRUE = {"1", "true", "yes", "on"}


def decode_json_arg(value: Any) -> Any:
    """Decode a JSON-valued argument as Slack does: strings are parsed, other values kept.

    Raises ``ValueError`` when a string is not valid JSON.
    """
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if isinstance(value, str):
        return json.loads(value)
    return value


class SlackError(Exception):
    """A Slack-level failure: answered with HTTP 200 and ``{"ok": false, "error": ...}``.

    ``extra`` keys are merged into the answer (e.g. ``response_metadata`` with messages).
    """

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def to_response(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


def invalid(error: str, *messages: str) -> SlackError:
    """A ``SlackError`` carrying Slack-style ``response_metadata.messages``."""
    return SlackError(error, response_metadata={"messages": [f"[ERROR] {m}" for m in messages]})


class Args(Mapping[str, Any]):
    """Read-only view of a call's merged arguments with Slack's lenient parsing rules."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = dict(raw)

    def __getitem__(self, key: str) -> Any:
        return self._raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    @overload
    def text(self, key: str) -> str | None: ...

    @overload
    def text(self, key: str, default: str) -> str: ...

    @overload
    def text(self, key: str, default: str | None) -> str | None: ...

    def text(self, key: str, default: str | None = None) -> str | None:
        """The argument as a string; ``default`` when absent, ``None`` or empty."""
        value = self._raw.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def required(self, key: str, error: str = "invalid_arguments") -> str:
        value = self.text(key)
        if value is None:
            raise invalid(error, f"missing required field: {key}")
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        value = self._raw.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in _TRUE

    def integer(self, key: str, default: int) -> int:
        value = self._raw.get(key)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise invalid("invalid_arguments", f"{key} must be an integer") from None

    def csv(self, key: str) -> list[str]:
        """A comma-separated list argument (JSON clients may send a real list)."""
        value = self._raw.get(key)
        if value is None:
            return []
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip() for item in items if str(item).strip()]

    def json(self, key: str, error: str = "invalid_arguments") -> Any:
        """A JSON-valued argument decoded; ``None`` when absent; ``error`` when malformed."""
        value = self._raw.get(key)
        if value is None or value == "":
            return None
        try:
            return decode_json_arg(value)
        except ValueError:
            raise invalid(error, f"{key} is not valid JSON") from None


@dataclass
class Call:
    """One Web API call as received, and what the stand-in answered.

    ``args`` holds the merged query, form and JSON arguments exactly as sent (JSON-valued
    form fields such as ``blocks`` stay strings); use :meth:`arg` or :attr:`decoded_args`
    to read them decoded. ``status`` is 0 and ``response`` ``None`` while the call is being
    answered, and stay so when the connection was dropped on purpose.
    """

    method: str
    args: dict[str, Any]
    token: str | None = None
    status: int = 0
    response: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict, repr=False)

    def arg(self, key: str, default: Any = None) -> Any:
        """One argument, JSON-decoded when it is one of the JSON-valued arguments."""
        if key not in self.args:
            return default
        value = self.args[key]
        if key in JSON_ARGS:
            try:
                return decode_json_arg(value)
            except ValueError:
                return value
        return value

    @property
    def decoded_args(self) -> dict[str, Any]:
        """All arguments, with the JSON-valued ones (blocks, view, files, ...) decoded."""
        return {key: self.arg(key) for key in self.args}

    @property
    def ok(self) -> bool:
        return bool(self.response and self.response.get("ok"))

    @property
    def error(self) -> str | None:
        return None if self.response is None else self.response.get("error")


@dataclass
class Channel:
    """A conversation: public/private channel, IM (``D…``) or multi-person IM."""

    id: str
    name: str
    creator: str
    created: int
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    im_user: str | None = None
    is_archived: bool = False
    members: list[str] = field(default_factory=list)
    topic: dict[str, Any] = field(default_factory=dict)
    purpose: dict[str, Any] = field(default_factory=dict)

    def add_members(self, users: Iterable[str]) -> None:
        for user in users:
            if user not in self.members:
                self.members.append(user)


@dataclass
class Message:
    """A message as the workspace holds it, with its current (possibly edited) content.

    ``thread_ts`` is the parent's ts for thread replies and ``None`` for top-level messages
    (the API shape additionally sets ``thread_ts == ts`` on parents that have replies).
    ``files`` holds shared uploads as ``{id, name, title, mimetype, size, content}`` with the
    content decoded as UTF-8 text (None for a binary file, e.g. a PNG).
    """

    channel: str
    ts: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    user: str = ""
    thread_ts: str | None = None
    edited: bool = False
    edited_ts: str | None = None
    ephemeral_user: str | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    reply_broadcast: bool = False
    reactions: dict[str, list[str]] = field(default_factory=dict)
    bot_id: str | None = None

    @property
    def file(self) -> dict[str, Any] | None:
        """The first shared file, if any."""
        return self.files[0] if self.files else None

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    @property
    def visible_text(self) -> str:
        """The text plus every text found in blocks and attachments, one per line."""
        parts = [self.text] if self.text else []
        parts.extend(_texts(self.blocks))
        parts.extend(_texts(self.attachments))
        return "\n".join(parts)


def _texts(node: Any) -> Iterator[str]:
    """Every ``text`` string inside a block tree (text objects, fields, elements)."""
    if isinstance(node, list):
        for item in node:
            yield from _texts(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            elif isinstance(value, dict | list):
                yield from _texts(value)
