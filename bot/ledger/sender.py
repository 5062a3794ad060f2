"""Turns a delivery into Web API calls.

A payload is either literal Web API arguments, or `{"render": NAME, "args": {...}}` which a
renderer turns into arguments at send time from the current database state (so an
announcement or card is never stale). Renderers return None when the message cannot be
built yet (e.g. the incident channel does not exist yet): the delivery is deferred.
`{"thread_ts_of": KEY}` / `{"ts_of": KEY}` name another delivery whose Slack ts is used.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.ledger.models import Delivery
from bot.ledger.terms import Outcome
from bot.slack import timefmt
from bot.slack.blocks import MAX_BLOCKS
from bot.slack.client import make_webhook_client, retry_after

log = logging.getLogger(__name__)


class SkipDelivery(Exception):
    """Raised by a renderer when the message is no longer wanted; str() says why."""


Renderer = Callable[..., dict[str, Any] | None]
CustomAction = Callable[[Delivery], Outcome]

# Slack errors that no retry will fix.
PERMANENT = {
    "channel_not_found",
    "is_archived",
    "user_not_found",
    "invalid_auth",
    "account_inactive",
    "token_revoked",
    "not_authed",
    "missing_scope",
    "message_not_found",
    "cant_update_message",
    "no_text",
    "invalid_arguments",
}


def late_notice(payload: dict[str, Any], due_label: str) -> dict[str, Any]:
    """Mark a message that is sent late, in its text and as a context block."""
    note = f"Sent late: this was due at {due_label}."
    payload = dict(payload)
    payload["text"] = f"{payload.get('text', '')}\n_{note}_".strip()
    if payload.get("blocks"):
        payload["blocks"] = with_note(payload["blocks"], f":hourglass: {note}")
    return payload


def with_note(blocks: list[dict[str, Any]], note: str) -> list[dict[str, Any]]:
    """`blocks` with a context line added, within Slack's 50 blocks: a message already at
    the limit carries the note in its last context block (which holds up to 10 elements),
    or in place of its last block."""
    element = {"type": "mrkdwn", "text": note}
    if len(blocks) < MAX_BLOCKS:
        return [*blocks, {"type": "context", "elements": [element]}]
    last = blocks[-1]
    if last.get("type") == "context" and len(last.get("elements", [])) < 10:
        return [*blocks[:-1], {**last, "elements": [*last["elements"], element]}]
    return [*blocks[: MAX_BLOCKS - 1], {"type": "context", "elements": [element]}]


class SlackSender:
    def __init__(
        self,
        client: WebClient,
        lookup_ts: Callable[[str], tuple[str | None, str | None]],
        renderers: dict[str, Renderer] | None = None,
        actions: dict[str, CustomAction] | None = None,
        zone: Callable[[], dt.tzinfo] = lambda: dt.UTC,
        *,
        clock: Clock,
    ):
        """``zone()``: the organisation's zone, in which the "Sent late" note's date token
        has its fallback (read at each send: the configuration may be reloaded); ``clock``
        times the waits Slack asks for on a response_url."""
        self.client = client
        self.lookup_ts = lookup_ts
        self.renderers = renderers or {}
        self.actions = actions or {}
        self.zone = zone
        self.clock = clock

    def __call__(self, delivery: Delivery) -> Outcome:
        if delivery.method in self.actions:
            return self.actions[delivery.method](delivery)
        try:
            payload = self._prepare(delivery)
        except SkipDelivery as exc:
            return Outcome(skip=str(exc))
        if payload is None:
            return Outcome(defer=True)
        if delivery.late and delivery.method != "chat.update":
            payload = late_notice(payload, timefmt.token(delivery.due_at, self.zone()))
        if delivery.method == "response_url":
            return self._respond(payload)
        return self._call(delivery.method, payload)

    def _prepare(self, delivery: Delivery) -> dict[str, Any] | None:
        payload = dict(delivery.payload)
        if "render" in payload:
            rendered = self.renderers[payload.pop("render")](**payload.pop("args", {}))
            if rendered is None:
                return None
            payload.update(rendered)
        for ref, field in (("thread_ts_of", "thread_ts"), ("ts_of", "ts")):
            if ref in payload:
                channel, ts = self.lookup_ts(payload.pop(ref))
                if ts is None:
                    return None
                payload[field] = ts
                payload.setdefault("channel", channel)
        return payload

    def _respond(self, payload: dict[str, Any]) -> Outcome:
        url = payload.pop("url")
        try:
            response = make_webhook_client(url, clock=self.clock).send_dict(payload)
        except OSError as exc:
            return Outcome(error=f"response_url: {exc}")
        if response.status_code == 404:
            return Outcome(permanent_error="response_url expired")
        if response.status_code == 429:
            return Outcome(error="ratelimited", rate_limited=retry_after(response.headers))
        if response.status_code >= 400:
            return Outcome(error=f"response_url answered {response.status_code}")
        return Outcome(sent=True)

    def _call(self, method: str, payload: dict[str, Any], joined: bool = False) -> Outcome:
        try:
            response = self.client.api_call(method, json=payload)
        except SlackApiError as exc:
            error = str(exc.response.get("error", exc.response.status_code))
            if exc.response.status_code == 429 or error == "ratelimited":
                # Still limited after slack-sdk's retries: not a failure of the delivery.
                return Outcome(error="ratelimited", rate_limited=retry_after(exc.response.headers))
            if error == "not_in_channel" and not joined and payload.get("channel"):
                try:
                    self.client.conversations_join(channel=payload["channel"])
                except SlackApiError as join_exc:
                    return Outcome(permanent_error=f"not_in_channel, join failed: {join_exc}")
                return self._call(method, payload, joined=True)
            if error in ("msg_too_long", "invalid_blocks") and payload.get("blocks"):
                log.warning("%s refused with %s; sending the plain-text fallback", method, error)
                plain = {k: v for k, v in payload.items() if k != "blocks"}
                plain["text"] = (plain.get("text") or "")[:39_000]
                return self._call(method, plain, joined=joined)
            if error in PERMANENT:
                return Outcome(permanent_error=error)
            return Outcome(error=error)
        except OSError as exc:
            return Outcome(error=f"{type(exc).__name__}: {exc}")
        return Outcome(
            sent=True,
            channel=response.get("channel") or payload.get("channel"),
            ts=response.get("ts") or response.get("message_ts"),
        )
