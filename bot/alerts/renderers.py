"""Send-time renderers of alert messages: each reads the episode (or storm) as it is now."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.alerts import render, storms
from bot.alerts.episodes import states
from bot.alerts.models import AlertEpisode, AlertStorm
from bot.config import OrgConfig
from bot.db.engine import Database
from bot.escalation.models import Escalation, Page
from bot.incidents.models import Incident
from bot.ledger.sender import Renderer, SkipDelivery


def _chain(session: Session, chain_id: int | None) -> tuple[Escalation | None, list[Page]]:
    chain = session.get(Escalation, chain_id) if chain_id else None
    if chain is None:
        return None, []
    pages = session.scalars(select(Page).where(Page.escalation_id == chain.id).order_by(Page.id))
    return chain, list(pages)


def alert_renderers(db: Database, config: OrgConfig) -> dict[str, Renderer]:
    def episode(episode_id: int) -> dict[str, Any]:
        with db.read() as session:
            row = session.get(AlertEpisode, episode_id)
            if row is None:
                raise SkipDelivery(f"alert episode {episode_id} does not exist")
            chain, pages = _chain(session, row.escalation_id)
            incident = session.get(Incident, row.incident_id) if row.incident_id else None
            alerts = states(session, row)
        source = config.alert_source(row.source_id)
        silences = bool(source and source.kind == "alertmanager" and source.alertmanager_url)
        return render.episode_message(row, alerts, chain, pages, incident, silences)

    def note(episode_id: int, **lines: Any) -> dict[str, Any]:
        with db.read() as session:
            row = session.get(AlertEpisode, episode_id)
        if row is None:
            raise SkipDelivery(f"alert episode {episode_id} does not exist")
        return render.note(row, lines)

    def storm(storm_id: int) -> dict[str, Any]:
        with db.read() as session:
            row = session.get(AlertStorm, storm_id)
            if row is None:
                raise SkipDelivery(f"alert storm {storm_id} does not exist")
            chain, pages = _chain(session, row.escalation_id)
            members = storms.members(session, storm_id)
        return render.storm_message(row, members, chain, pages)

    return {"alerts.episode": episode, "alerts.note": note, "alerts.storm": storm}
