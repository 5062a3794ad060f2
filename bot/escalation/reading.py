"""What the escalation did for an incident: its chains and their pages, oldest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from bot.db.engine import Database
from bot.escalation.models import Escalation, Page


def history(db: Database, incident_id: int) -> list[tuple[Escalation, list[Page]]]:
    with db.read() as session:
        chains = list(
            session.scalars(
                select(Escalation)
                .where(Escalation.incident_id == incident_id)
                .order_by(Escalation.id)
            )
        )
        return [
            (
                chain,
                list(
                    session.scalars(
                        select(Page).where(Page.escalation_id == chain.id).order_by(Page.id)
                    )
                ),
            )
            for chain in chains
        ]


@dataclass(frozen=True)
class RosterPage:
    """One page a roster's chain sent, with its chain as it is now (the window handoff and the
    load report read them)."""

    chain_id: int
    target: str  # a user id, or "channel"
    paged_at: dt.datetime
    outcome: str  # waiting | acknowledged | answered_by_other | declined | no_answer | resolved
    answered_at: dt.datetime | None
    incident_id: int | None
    about: str  # mrkdwn, escaped by the domain that started the chain ("" for an incident's)
    chain_status: str  # active | acknowledged | exhausted | stopped
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None


def pages_of_roster(
    db: Database, roster_id: str, since: dt.datetime, until: dt.datetime
) -> list[RosterPage]:
    """The pages of `roster_id`'s chains sent from `since` (included) to `until` (not),
    oldest first, each with its chain's state now. One statement."""
    with db.read() as session:
        rows = session.execute(
            select(Page, Escalation)
            .join(Escalation, Page.escalation_id == Escalation.id)
            .where(
                Escalation.roster_id == roster_id,
                Page.paged_at >= since,
                Page.paged_at < until,
            )
            .order_by(Page.paged_at, Page.id)
        ).all()
        return [
            RosterPage(
                chain_id=chain.id,
                target=page.target,
                paged_at=page.paged_at,
                outcome=page.outcome,
                answered_at=page.answered_at,
                incident_id=chain.incident_id,
                about=chain.about,
                chain_status=chain.status,
                acknowledged_by=chain.acknowledged_by,
                acknowledged_at=chain.acknowledged_at,
            )
            for page, chain in rows
        ]
