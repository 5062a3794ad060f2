"""The App Home tab: `app_home_opened` → `views.publish` for that person.

Bolt acknowledges events by itself before the listener runs, so the view is built and
published after the ack. Slack redelivers an event it thinks was not acknowledged in time
with an `X-Slack-Retry-Num` header; the first delivery was handled already (the ack is
immediate), so a listener middleware answers retries with 200 and does nothing more: the
tab is published once per opening.

The tab's Acknowledge buttons are pages' own (`page_ack`, the chain's id), in blocks named
`home_page_<chain>`: a click there carries no response_url, so its listener answers by
publishing the tab again, the page gone and what the click did on top."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltRequest, BoltResponse
from slack_sdk.errors import SlackApiError

from bot.db.outage import unreachable
from bot.errors import Refusal
from bot.slack import blocks as bk
from handlers.failures import answers_failures
from handlers.home_view import PAGE_BLOCK, home_view

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.services import Services

log = logging.getLogger(__name__)

# What the tab shows while the database cannot be reached (instead of what it showed last).
UNREACHABLE_VIEW = {
    "type": "home",
    "blocks": [
        bk.section(
            ":x: opsbot cannot reach its database right now, so this tab cannot show your "
            "shifts, incidents and updates. Open it again in a minute."
        )
    ],
}


def retry_num(request: BoltRequest) -> str | None:
    """The redelivery's number, or None for a first delivery. Over Socket Mode every event
    carries `retry_attempt` (0 the first time), which Bolt passes on as this header."""
    values = request.headers.get("x-slack-retry-num") or []
    return values[0] if values and values[0] != "0" else None


def skip_retries(request: BoltRequest, next: Callable[[], BoltResponse]) -> BoltResponse | None:
    """Listener middleware: acknowledge a redelivered event and do nothing else."""
    retry = retry_num(request)
    if retry is not None:
        reason = (request.headers.get("x-slack-retry-reason") or ["?"])[0]
        log.info("ignoring a redelivered event (retry %s, %s)", retry, reason)
        return BoltResponse(status=200, body="")
    next()
    return None


def publish(services: Services, client: WebClient, user: str, notice: str = "") -> None:
    """Build `user`'s tab (with `notice` on top) and publish it."""
    try:
        view = home_view(services, user, notice=notice)
    except Exception as error:
        if not unreachable(error):
            raise
        log.warning("App Home of %s: the database cannot be reached", user)
        view = UNREACHABLE_VIEW
    try:
        client.views_publish(user_id=user, view=view)
    except SlackApiError as exc:
        log.warning("App Home of %s not published: %s", user, exc.response.get("error"))


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened", middleware=[skip_retries])
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return  # the messages tab: nothing to publish
        publish(services, client, event["user"])


def register_actions(app: App, services: Services) -> None:
    """The tab's own clicks. Registered before the listeners of the same actions elsewhere
    (a page DM's `page_ack`): Bolt runs the first listener that matches."""

    @app.action({"action_id": "page_ack", "block_id": re.compile(f"^{PAGE_BLOCK}\\d+$")})
    @answers_failures(services.clock)
    def acknowledge_page(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        user = body["user"]["id"]
        try:
            change = services.escalations.acknowledge(int(action["value"]), user)
        except Refusal as exc:
            publish(services, client, user, f":warning: {exc}")
            return
        services.deliver_soon(change.deliveries)
        publish(services, client, user, change.message)
