"""Send-time renderer for pages."""

from __future__ import annotations

from typing import Any

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
            incident = session.get(Incident, chain.incident_id)
        return render.page(row, chain, incident)

    return {"escalation.page": page}
