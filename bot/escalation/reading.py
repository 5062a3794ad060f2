"""What the escalation did for an incident: its chains and their pages, oldest first."""

from __future__ import annotations

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
