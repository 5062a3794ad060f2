"""An alert group and its incident: the incident a `declare:` route asks for is claimed
before it is declared (once), the group's message links the incident, and the incident's
timeline records the group's changes from then on."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.alerts import deliveries as out
from bot.alerts.models import AlertEpisode
from bot.clock import Clock
from bot.db.engine import Database
from bot.db.upsert import rows_matched
from bot.incidents.models import Incident
from bot.incidents.service import IncidentService
from bot.ledger import Ledger
from bot.slack.escaping import without_mentions


def actor(episode: AlertEpisode) -> str:
    """Who acts for monitoring in an incident's timeline: `alerts:SOURCE`."""
    return f"alerts:{episode.source_id}"


def tell(
    session: Session,
    incidents: IncidentService,
    episode: AlertEpisode,
    joined: list[str],
    resolved: list[str],
    *,
    over: bool,
) -> list[str]:
    """The linked incident's timeline records the alert's changes."""
    incident = session.get(Incident, episode.incident_id) if episode.incident_id else None
    if incident is None or not (joined or resolved or over):
        return []
    parts = []
    if joined:
        parts.append(f"firing again or new: {'; '.join(joined)}")
    if resolved:
        parts.append(f"resolved: {'; '.join(resolved)}")
    if over:
        parts.append("the alert group resolved")
    # stored as words: a mention in monitoring's text pings nobody
    text = without_mentions(f"{episode.name} — " + ", ".join(parts))
    return incidents.record(session, incident, actor(episode), "alert", text)


def claim_declare(db: Database, clock: Clock, episode_id: int) -> AlertEpisode | None:
    """The episode whose route declares, claimed for declaring by this caller (once)."""
    with db.session(background=True) as session:
        won = rows_matched(
            session,
            update(AlertEpisode)
            .where(
                AlertEpisode.id == episode_id,
                AlertEpisode.declare_claimed_at.is_(None),
                AlertEpisode.incident_id.is_(None),
            )
            .values(declare_claimed_at=clock.now())
            .execution_options(synchronize_session=False),
        )
        return session.get(AlertEpisode, episode_id) if won == 1 else None


def link(
    db: Database, incidents: IncidentService, clock: Clock, episode_id: int, incident_id: int
) -> list[str]:
    """The incident declared for this episode: the message links it, and the incident's
    timeline records the alert's changes from now on."""
    now = clock.now()
    with db.session() as session:
        episode = session.get(AlertEpisode, episode_id)
        incident = session.get(Incident, incident_id)
        if episode is None or incident is None or episode.incident_id is not None:
            return []
        episode.incident_id = incident_id
        episode.revision += 1
        due = out.refresh(episode, now)
        Ledger.enqueue(session, due, now)
        text = without_mentions(f"{episode.name}: the incident was declared from it")
        return [due.key, *incidents.record(session, incident, actor(episode), "alert", text)]
