"""A Bolt middleware that names the request every log line belongs to: the trigger_id of a
command or interaction, the event_id of an event. Work after the ack keeps it, since the
executors copy the context into their threads."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.logs import set_log_context
from handlers.views import request_id

if TYPE_CHECKING:
    from slack_bolt import App, BoltResponse

    from bot.services import Services


def register(app: App, services: Services) -> None:
    @app.middleware
    def name_the_request(body: dict[str, Any], next: Callable[[], BoltResponse]) -> None:
        # Bolt runs the listeners after this chain returns, so the name is set for the rest of
        # this request (the next request handled on this thread replaces it).
        set_log_context(request=request_id(body))
        next()
