"""The deliveries paging owes Slack, each under its unique ledger key."""

from __future__ import annotations

import datetime as dt

from bot.escalation.models import Escalation, Page
from bot.incidents.models import Incident
from bot.ledger import Due


def page_key(page: Page) -> str:
    return f"escalation:{page.escalation_id}:page:{page.loop}:{page.level}"


def page(page: Page, incidents_channel: str, now: dt.datetime) -> Due:
    """A DM with Acknowledge / Can't take it, or an @here in the incidents channel."""
    return Due.rendered(
        page_key(page),
        "escalation_page",
        "escalation.page",
        {"page_id": page.id},
        to=incidents_channel if page.target == "channel" else page.target,
        due_at=now,
    )


def page_refresh(page: Page, stamp: str, now: dt.datetime) -> Due:
    """Edit a page once it is answered or moved on, so its buttons go."""
    return Due.rendered(
        f"{page_key(page)}:refresh:{stamp}",
        "escalation_page_update",
        "escalation.page",
        {"page_id": page.id},
        edits=page_key(page),
        due_at=now,
    )


def nobody_left(chain: Escalation, incident: Incident, now: dt.datetime) -> Due:
    """A DM to whoever escalated: the chain ran out of people to page."""
    return Due.rendered(
        f"escalation:{chain.id}:nobody-left",
        "escalation_nobody_left",
        "escalation.nobody_left",
        {"escalation_id": chain.id},
        to=chain.started_by,
        due_at=now,
    )
