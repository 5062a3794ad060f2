"""What travels over the stand-in's Socket Mode link, shaped as Slack sends it, and the
records the stand-in keeps of it.

Slack's side of the protocol (docs.slack.dev, "Using Socket Mode", and the envelopes in
slack_sdk's own tests):

* ``apps.connections.open`` takes only an app-level token (``xapp-…``) and answers
  ``{"ok": true, "url": "wss://…/link/?ticket=…&app_id=…"}``; a bot token gets
  ``not_allowed_token_type``, as does an app-level token on any other method.
* On connecting the app gets ``{"type": "hello", "num_connections", "debug_info",
  "connection_info": {"app_id"}}``.
* Then envelopes: ``{"envelope_id", "type", "payload", "accepts_response_payload"}``, where
  ``type`` is ``slash_commands`` (payload: the fields of the HTTP form), ``interactive``
  (payload: the JSON of HTTP's ``payload`` field) or ``events_api`` (payload: the
  ``event_callback`` body), and events also carry ``retry_attempt`` and ``retry_reason``
  (``0`` and ``""`` the first time, then ``"timeout"``).
* The app acknowledges each with ``{"envelope_id", "payload"?}``; the payload of a slash
  command's ack is the reply the person sees.
* ``{"type": "disconnect", "reason": "refresh_requested" | "link_disabled" | "warning",
  "debug_info"}`` tells the app to open a new connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SLASH_COMMANDS = "slash_commands"
INTERACTIVE = "interactive"
EVENTS_API = "events_api"
ENVELOPE_TYPES = (SLASH_COMMANDS, INTERACTIVE, EVENTS_API)
RETRY_REASON = "timeout"  # what Slack gives when it redelivers an envelope not acked in time
DISCONNECT_REASONS = ("refresh_requested", "link_disabled", "warning")
HOST = "applink-standin"  # debug_info.host, where Slack names its own server

# Interactive payloads whose ack may carry an answer (response_action, options).
_ANSWERABLE = ("view_submission", "block_suggestion")

APP_TOKEN_METHODS = frozenset({"apps.connections.open"})


def app_token_for(app_id: str) -> str:
    """The app-level token the stand-in accepts (``xapp-1-<app id>-…``, as Slack's look)."""
    return f"xapp-1-{app_id}-1-standin"


def token_refusal(method: str, token: str, app_token: str) -> str | None:
    """Slack's error for calling ``method`` with ``token``, or None when it may."""
    app_level = token.startswith("xapp-")
    if (method in APP_TOKEN_METHODS) != app_level:
        return "not_allowed_token_type"
    if app_level and token != app_token:
        return "invalid_auth"
    return None


def hello(num_connections: int, app_id: str) -> dict[str, Any]:
    return {
        "type": "hello",
        "num_connections": num_connections,
        "debug_info": {"host": HOST, "build_number": 1, "approximate_connection_time": 18060},
        "connection_info": {"app_id": app_id},
    }


def disconnect(reason: str) -> dict[str, Any]:
    if reason not in DISCONNECT_REASONS:
        raise ValueError(f"Slack disconnects for one of {DISCONNECT_REASONS}, not {reason!r}")
    return {"type": "disconnect", "reason": reason, "debug_info": {"host": HOST}}


@dataclass
class Envelope:
    """One delivery to the app (a redelivery is an envelope of its own)."""

    envelope_id: str
    type: str
    payload: dict[str, Any]
    link: int  # the number of the connection it went out on
    retry_attempt: int = 0
    retry_reason: str = ""
    sent_at: float = 0.0  # real monotonic seconds

    @property
    def accepts_response_payload(self) -> bool:
        if self.type == SLASH_COMMANDS:
            return True
        return self.type == INTERACTIVE and self.payload.get("type") in _ANSWERABLE

    def message(self) -> dict[str, Any]:
        """The JSON Slack sends for it."""
        sent: dict[str, Any] = {
            "envelope_id": self.envelope_id,
            "payload": self.payload,
            "type": self.type,
            "accepts_response_payload": self.accepts_response_payload,
        }
        if self.type == EVENTS_API:
            sent.update(retry_attempt=self.retry_attempt, retry_reason=self.retry_reason)
        return sent


@dataclass
class Ack:
    """An acknowledgement the app sent: ``payload`` is None when it carried none."""

    envelope_id: str
    payload: dict[str, Any] | None
    link: int
    late: bool = False  # after the ack timeout: Slack had given up on it (or redelivered)
    lost: bool = False  # dropped on purpose (SocketModeServer.lose_next_ack): not counted


@dataclass
class Link:
    """One WebSocket connection of the app."""

    number: int
    ticket: str
    hello: dict[str, Any] = field(default_factory=dict)
    disconnect_reason: str | None = None  # the disconnect message sent on it, if any
    closed: bool = False

    @property
    def live(self) -> bool:
        """Greeted, open, and not told to go: envelopes may go out on it."""
        return bool(self.hello) and not self.closed and self.disconnect_reason is None
