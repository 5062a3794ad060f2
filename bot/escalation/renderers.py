"""Send-time renderer for pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.db.engine import Database
from bot.escalation import render
from bot.escalation.models import Escalation, Page
from bot.incidents.models import Incident
from bot.ledger.sender import Renderer, SkipDelivery


def escalation_renderers(db: Database) -> dict[str, Renderer]:
    def page(page_id: int) -> dict[str, Any]:
        with db.read() as session:
            row = session.get(Page, page_id)
            if row is None:
                raise SkipDelivery(f"page {page_id} does not exist")
            chain = session.get(Escalation, row.escalation_id)
            if chain is None:
                raise SkipDelivery(f"the escalation of page {page_id} does not exist")
            if chain.incident_id is None:
                return render.page_about(row, chain)
            incident = session.get(Incident, chain.incident_id)
        if incident is None:
            raise SkipDelivery(f"the incident of page {page_id} is gone")
        return render.page(row, chain, incident)

    def nobody_left(escalation_id: int) -> dict[str, Any]:
        with db.read() as session:
            chain = session.get(Escalation, escalation_id)
            if chain is None or chain.incident_id is None:
                raise SkipDelivery(f"escalation {escalation_id} has no incident to speak of")
            incident = session.get(Incident, chain.incident_id)
            pages = list(session.scalars(select(Page).where(Page.escalation_id == chain.id)))
        if incident is None:
            raise SkipDelivery(f"the incident of escalation {escalation_id} is gone")
        return render.nobody_left(chain, pages, incident)

    return {"escalation.page": page, "escalation.nobody_left": nobody_left}
