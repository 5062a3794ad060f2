"""The requests of `bot.kit.slack_requests`, sent over Socket Mode instead of HTTP: each body is
built exactly as for HTTP (typed text through the same composer), then handed to the app as
the envelope Slack would send over its WebSocket, by the Web API stand-in the app connected
to. The ack comes back as the same `Reply`, so one assertion fits either transport."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from bot.kit.slack_requests import Reply, SlackRequests
from bot.kit.standin import SlackStandIn
from bot.kit.standin.composer import encode
from bot.kit.standin.socket_messages import EVENTS_API, INTERACTIVE, SLASH_COMMANDS, Ack

NOT_ACKNOWLEDGED = 504  # Reply.status when no ack came: Slack tells the person it timed out


def envelope_of(body: str, content_type: str) -> tuple[str, dict[str, Any]]:
    """The envelope type and payload Slack sends over Socket Mode for what it would POST
    over HTTP: a form's fields (slash command), the JSON of its `payload` field
    (interaction), a JSON body (event callback)."""
    if content_type.split(";", 1)[0].strip() == "application/json":
        return EVENTS_API, json.loads(body)
    form = dict(parse_qsl(body, keep_blank_values=True))
    if "payload" in form:
        return INTERACTIVE, json.loads(form["payload"])
    return SLASH_COMMANDS, form


def reply_of(ack: Ack | None) -> Reply:
    """An ack as the HTTP answer it stands for: 200 with the ack's payload as the body."""
    if ack is None:
        return Reply(NOT_ACKNOWLEDGED, "", {})
    body = json.dumps(ack.payload) if ack.payload else ""
    return Reply(200, body, {"Content-Type": "application/json"} if body else {})


class SocketModeRequests(SlackRequests):
    """`SlackRequests` (`command`, `click`, `submit_view`, `interaction`, `event`), each
    delivered over the stand-in's Socket Mode link and answered by the app's ack.

    The app must be connected (e.g. slack_bolt's `SocketModeHandler` with
    `slack.app_token` and a client on `slack.api_url`). Nothing is signed: Socket Mode
    needs no signing secret. `X-Slack-Retry-Num`/`-Reason` headers on an event become the
    envelope's `retry_attempt`/`retry_reason`.
    """

    def __init__(
        self,
        slack: SlackStandIn,
        *,
        team_id: str = "T0OPSBOT0",
        response_url: Any = None,
        compose: Callable[[str], str] = encode,
    ):
        super().__init__(
            slack.base_url, "", team_id=team_id, response_url=response_url, compose=compose
        )
        self.slack = slack

    def post(
        self,
        body: str,
        content_type: str,
        headers: dict[str, str] | None = None,
        timeout: float = 10,
    ) -> Reply:
        kind, payload = envelope_of(body, content_type)
        retry = {k.lower(): v for k, v in (headers or {}).items()}
        attempt = int(retry.get("x-slack-retry-num", 0)) if kind == EVENTS_API else 0
        reason = retry.get("x-slack-retry-reason", "") if attempt else ""
        ack = self.slack.socket_mode.deliver(
            kind, payload, timeout=timeout, retry_attempt=attempt, retry_reason=reason
        )
        return reply_of(ack)
