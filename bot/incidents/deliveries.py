"""The deliveries an incident owes Slack, each under its unique ledger key.

Messages are rendered at send time (`render`), from the incident as it is then."""

from __future__ import annotations

import datetime as dt

from bot import clock
from bot.config import OrgConfig
from bot.incidents.models import Incident, IncidentEvent
from bot.ledger import Due

PROVISION = "incident.provision"
INVITE = "incident.invite"


def _key(incident: Incident, *parts: object) -> str:
    return ":".join(["incident", str(incident.id), *map(str, parts)])


def announcement_key(incident_id: int) -> str:
    return f"incident:{incident_id}:announcement"


def card_key(incident_id: int) -> str:
    return f"incident:{incident_id}:card"


def _due(key: str, kind: str, method: str, payload: dict, at: dt.datetime | None = None) -> Due:
    return Due(key=key, kind=kind, method=method, payload=payload, due_at=at or clock.now())


def declared(incident: Incident, config: OrgConfig, response_url: str | None) -> list[Due]:
    """On declare: the channel, the announcement, the card, and the declarer's reply."""
    args = {"incident_id": incident.id}
    dues = [
        _due(_key(incident, "provision"), "incident_provision", PROVISION, args),
        _due(
            announcement_key(incident.id),
            "incident_announcement",
            "chat.postMessage",
            {"channel": config.channels.incidents, "render": "incident.announcement", "args": args},
        ),
        _due(
            card_key(incident.id),
            "incident_card",
            "chat.postMessage",
            {"render": "incident.card", "args": args},
        ),
    ]
    reply = {"render": "incident.declared_reply", "args": args}
    if response_url:
        dues.append(
            _due(
                _key(incident, "declared-reply"),
                "incident_reply",
                "response_url",
                {"url": response_url, "response_type": "ephemeral", **reply},
            )
        )
    else:
        dues.append(
            _due(
                _key(incident, "declared-reply"),
                "incident_reply",
                "chat.postMessage",
                {"channel": incident.declared_by, **reply},
            )
        )
    return dues


def _refresh(incident: Incident, what: str, parent_key: str) -> Due:
    """Edit a posted message (announcement or card) to show the incident as it is now."""
    return _due(
        _key(incident, what, "rev", incident.revision),
        f"incident_{what}_update",
        "chat.update",
        {
            "ts_of": parent_key,
            "render": f"incident.{what}",
            "args": {"incident_id": incident.id},
        },
    )


def announcement_refresh(incident: Incident) -> Due:
    return _refresh(incident, "announcement", announcement_key(incident.id))


def card_refresh(incident: Incident) -> Due:
    return _refresh(incident, "card", card_key(incident.id))


def channel_line(incident: Incident, event: IncidentEvent) -> Due:
    """A line in the incident channel saying what changed."""
    return _due(
        _key(incident, "event", event.id),
        "incident_event",
        "chat.postMessage",
        {"render": "incident.event", "args": {"event_id": event.id}},
    )


def update_post(incident: Incident, event: IncidentEvent) -> Due:
    return channel_line(incident, event)


def update_thread(incident: Incident, event: IncidentEvent) -> Due:
    return _due(
        _key(incident, "event", event.id, "thread"),
        "incident_update_thread",
        "chat.postMessage",
        {
            "thread_ts_of": announcement_key(incident.id),
            "render": "incident.event",
            "args": {"event_id": event.id, "in_thread": True},
        },
    )


def invite(incident: Incident, user_id: str, tag: object) -> Due:
    """Invite someone to the incident channel; `tag` names the occasion (an event, a page)."""
    return _due(
        _key(incident, "invite", user_id, tag),
        "incident_invite",
        INVITE,
        {"incident_id": incident.id, "users": [user_id]},
    )


def update_stamp(incident: Incident) -> str:
    return incident.last_update_at.strftime("%Y%m%dT%H%M%S")


def update_reminder(incident: Incident, due_at: dt.datetime) -> Due:
    """One nudge per silent stretch: the key names the last update it follows."""
    stamp = update_stamp(incident)
    return Due(
        key=_key(incident, "reminder", stamp),
        kind="incident_update_reminder",
        method="chat.postMessage",
        payload={
            "render": "incident.reminder",
            "args": {"incident_id": incident.id, "after": stamp},
        },
        due_at=due_at,
    )
