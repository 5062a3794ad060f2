"""Send-time renderers for incident deliveries: load the current state, build the message."""

from __future__ import annotations

from typing import Any

from bot.config import OrgConfig
from bot.db.engine import Database
from bot.incidents import render
from bot.incidents.deliveries import update_stamp
from bot.incidents.models import Incident, IncidentEvent
from bot.ledger.sender import Renderer, SkipDelivery


def incident_renderers(db: Database, config: OrgConfig) -> dict[str, Renderer]:
    def load(incident_id: int) -> Incident:
        with db.read() as session:
            incident = session.get(Incident, incident_id)
            if incident is None:
                raise SkipDelivery(f"incident {incident_id} does not exist")
            return incident

    def announcement(incident_id: int) -> dict[str, Any]:
        return render.announcement(load(incident_id), config)

    def card(incident_id: int) -> dict[str, Any] | None:
        incident = load(incident_id)
        if incident.channel_id is None:
            return None
        return {"channel": incident.channel_id, **render.card(incident, config)}

    def event(event_id: int, in_thread: bool = False) -> dict[str, Any] | None:
        with db.read() as session:
            row = session.get(IncidentEvent, event_id)
            if row is None:
                raise SkipDelivery(f"timeline event {event_id} does not exist")
            incident = row.incident
        message = render.event_message(row, incident)
        if in_thread:
            return message
        if incident.channel_id is None:
            return None
        return {"channel": incident.channel_id, **message}

    def declared_reply(incident_id: int) -> dict[str, Any] | None:
        incident = load(incident_id)
        return render.declared_reply(incident) if incident.channel_id else None

    def reminder(incident_id: int, after: str) -> dict[str, Any] | None:
        incident = load(incident_id)
        if not incident.is_open:
            raise SkipDelivery(f"{incident.ref} was resolved before the reminder was due")
        if update_stamp(incident) != after:
            raise SkipDelivery(f"{incident.ref} was updated before the reminder was sent")
        if incident.channel_id is None:
            return None
        limits: dict[str, int] = dict(config.incidents.update_reminder_minutes.items())
        minutes = limits.get(incident.severity)
        if minutes is None:
            raise SkipDelivery(f"{incident.severity} has no update reminder any more")
        return {"channel": incident.channel_id, **render.reminder(incident, minutes)}

    return {
        "incident.announcement": announcement,
        "incident.card": card,
        "incident.event": event,
        "incident.declared_reply": declared_reply,
        "incident.reminder": reminder,
    }
