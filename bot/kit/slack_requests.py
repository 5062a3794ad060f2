"""Slack-shaped requests, signed as Slack signs them: slash commands, button clicks and
modal submissions. Used by the end-to-end tests, the benchmarks and `opsbot shell`.

Text goes as Slack sends it: a slash command's text is typed text encoded by Slack's
composer (`&`, `<`, `>` as entities; `@name`, `#channel` and links as markup, see
`bot.kit.standin.composer`); modal values go as typed."""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from bot.kit.standin.composer import encode

_counter = itertools.count(1)


@dataclass
class Reply:
    status: int
    body: str
    headers: dict[str, str]

    def json(self) -> dict[str, Any]:
        return json.loads(self.body) if self.body else {}

    @property
    def text(self) -> str:
        """The reply's text (the ephemeral line a user sees after a slash command)."""
        try:
            return str(self.json().get("text", ""))
        except ValueError:
            return self.body


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature or "",
    }


class SlackRequests:
    """Sends signed requests to `{url}/slack/events`."""

    def __init__(
        self,
        url: str,
        signing_secret: str,
        *,
        team_id: str = "T0OPSBOT0",
        response_url: Any = None,
        compose: Callable[[str], str] = encode,
    ):
        self.url = url.rstrip("/") + "/slack/events"
        self.secret = signing_secret
        self.team_id = team_id
        self.response_url = response_url  # callable returning a fresh response_url, or None
        # typed text -> as Slack sends it; SlackStandIn.compose also knows its people
        self.compose = compose

    def post(
        self,
        body: str,
        content_type: str,
        headers: dict[str, str] | None = None,
        timeout: float = 10,
    ) -> Reply:
        all_headers = {"Content-Type": content_type, **sign(self.secret, body), **(headers or {})}
        request = urllib.request.Request(
            self.url, data=body.encode(), headers=all_headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return Reply(response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, exc.read().decode(), dict(exc.headers))

    def _response_url(self) -> str:
        return (
            self.response_url()
            if callable(self.response_url)
            else "https://hooks.slack.invalid/response"
        )

    def command_body(
        self, command: str, text: str, user: str, channel: str, *, as_sent: bool = False
    ) -> str:
        """The form Slack posts for `command` with `text` typed (or, `as_sent`, exactly as
        Slack would send it: for markup a composer does not make)."""
        return urlencode(
            {
                "token": "unused",
                "team_id": self.team_id,
                "team_domain": "opsbot",
                "channel_id": channel,
                "channel_name": "standin",
                "user_id": user,
                "user_name": user.lower(),
                "command": command,
                "text": text if as_sent else self.compose(text),
                "api_app_id": "A0OPSBOT0",
                "is_enterprise_install": "false",
                "response_url": self._response_url(),
                "trigger_id": f"trigger.{next(_counter)}",
            }
        )

    def command(
        self,
        command: str,
        text: str = "",
        *,
        user: str,
        channel: str,
        as_sent: bool = False,
        **headers: str,
    ) -> Reply:
        return self.post(
            self.command_body(command, text, user, channel, as_sent=as_sent),
            "application/x-www-form-urlencoded",
            headers,
        )

    def interaction(self, payload: dict[str, Any], **headers: str) -> Reply:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", headers)

    def click(
        self,
        action_id: str,
        value: str = "",
        *,
        user: str,
        channel: str,
        message_ts: str = "",
        block_id: str = "b",
    ) -> Reply:
        return self.interaction(
            {
                "type": "block_actions",
                "team": {"id": self.team_id},
                "user": {"id": user, "team_id": self.team_id},
                "api_app_id": "A0OPSBOT0",
                "trigger_id": f"trigger.{next(_counter)}",
                "channel": {"id": channel},
                "container": {"type": "message", "channel_id": channel, "message_ts": message_ts},
                "message": {"ts": message_ts},
                "response_url": self._response_url(),
                "actions": [
                    {
                        "type": "button",
                        "action_id": action_id,
                        "block_id": block_id,
                        "value": value,
                        "action_ts": f"{time.time():.6f}",
                    }
                ],
            }
        )

    def submit_view(
        self,
        callback_id: str,
        values: dict[str, Any],
        *,
        user: str,
        private_metadata: str = "",
        view_id: str | None = None,
    ) -> Reply:
        """Submit a modal; `values` maps block_id to a string, an option value (`{"option": v}`)
        or a list of option values (`{"options": [...]}`)."""
        state: dict[str, Any] = {}
        for block_id, value in values.items():
            entry: dict[str, object]
            if isinstance(value, dict) and "option" in value:
                entry = {
                    "type": "static_select",
                    "selected_option": {"value": value["option"]} if value["option"] else None,
                }
            elif isinstance(value, dict) and "options" in value:
                entry = {
                    "type": "checkboxes",
                    "selected_options": [{"value": v} for v in value["options"]],
                }
            else:
                entry = {"type": "plain_text_input", "value": value}
            state[block_id] = {"value": entry}
        view = {
            "id": view_id or f"V{next(_counter):08d}",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": state},
        }
        return self.interaction(
            {
                "type": "view_submission",
                "team": {"id": self.team_id},
                "user": {"id": user, "team_id": self.team_id},
                "api_app_id": "A0OPSBOT0",
                "trigger_id": f"trigger.{next(_counter)}",
                "view": view,
            }
        )

    def event_body(self, event: dict[str, Any], *, event_id: str | None = None) -> str:
        """The Events API's `event_callback` body for `event`."""
        now = time.time()
        return json.dumps(
            {
                "token": "unused",
                "type": "event_callback",
                "team_id": self.team_id,
                "api_app_id": "A0OPSBOT0",
                "event": {"event_ts": f"{now:.6f}", **event},
                "event_id": event_id or f"Ev{next(_counter):08d}",
                "event_time": int(now),
                "authorizations": [{"team_id": self.team_id, "user_id": "U0OPSBOT0"}],
            }
        )

    def event(self, event: dict[str, Any], *, event_id: str | None = None, **headers: str) -> Reply:
        """Send an Events API event, e.g. `{"type": "app_home_opened", "user": U, ...}`;
        `X-Slack-Retry-Num` / `X-Slack-Retry-Reason` headers make it a redelivery."""
        return self.post(self.event_body(event, event_id=event_id), "application/json", headers)
