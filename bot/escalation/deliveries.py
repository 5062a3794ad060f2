"""The deliveries paging owes Slack, each under its unique ledger key."""

from __future__ import annotations

from bot import clock
from bot.escalation.models import Page
from bot.ledger import Due


def page_key(page: Page) -> str:
    return f"escalation:{page.escalation_id}:page:{page.loop}:{page.level}"


def page(page: Page, incidents_channel: str) -> Due:
    """A DM with Acknowledge / Can't take it, or an @here in the incidents channel."""
    to_channel = page.target == "channel"
    return Due(
        key=page_key(page),
        kind="escalation_page",
        method="chat.postMessage",
        payload={
            "channel": incidents_channel if to_channel else page.target,
            "render": "escalation.page",
            "args": {"page_id": page.id},
        },
        due_at=clock.now(),
    )


def page_refresh(page: Page, stamp: str) -> Due:
    """Edit a page once it is answered or moved on, so its buttons go."""
    return Due(
        key=f"{page_key(page)}:refresh:{stamp}",
        kind="escalation_page_update",
        method="chat.update",
        payload={
            "ts_of": page_key(page),
            "render": "escalation.page",
            "args": {"page_id": page.id},
        },
        due_at=clock.now(),
    )
