"""Requests no listener takes: answered 200, never Bolt's 404.

Slack retries an event answered with anything but 2xx, and disables an events
subscription that keeps failing; a button of a message posted by an older opsbot, or a
slash command pointed at this app by mistake, deserves a line, not Slack's "dispatch
failed". Bolt hands an unhandled request to the app's error handler when
`raise_error_for_unhandled_request` is on (see `create_app`); any other error is logged as
Bolt's own handler would, and Bolt answers it as before."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltResponse
from slack_bolt.error import BoltUnhandledRequestError

from bot.slack.escaping import code
from handlers.views import ephemeral

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.services import Services

log = logging.getLogger(__name__)


def what(body: dict[str, Any]) -> str:
    """A short name of the request, for the log."""
    if body.get("command"):
        return f"slash command {body['command']}"
    if body.get("type") == "event_callback":
        return f"event {(body.get('event') or {}).get('type')}"
    actions = body.get("actions") or [{}]
    name = actions[0].get("action_id") or (body.get("view") or {}).get("callback_id")
    return f"{body.get('type') or 'request'} {name or ''}".strip()


def answer(body: dict[str, Any]) -> BoltResponse:
    if body.get("command"):
        line = f"opsbot does not know {code(str(body['command']))}; try `/incident help`."
        return BoltResponse(status=200, body=ephemeral(line))
    if body.get("type") == "block_actions":
        line = "That button no longer does anything; the message it is on is out of date."
        return BoltResponse(status=200, body=ephemeral(line) | {"replace_original": False})
    return BoltResponse(status=200, body="")


def register(app: App, services: Services) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        if isinstance(error, BoltUnhandledRequestError):
            log.info("no listener for %s: answered 200", what(body or {}))
            return answer(body or {})
        log.error("a listener failed: %s", error, exc_info=error)
        return None
