"""The deliveries an incident owes Slack, each under its unique ledger key.

Messages are rendered at send time (`render`), from the incident as it is then."""

from __future__ import annotations

import datetime as dt

from bot.config import OrgConfig
from bot.incidents.models import Incident, IncidentEvent
from bot.ledger import Due
from bot.slack.escaping import PERSON

PROVISION = "incident.provision"
INVITE = "incident.invite"


def _key(incident: Incident, *parts: object) -> str:
    return ":".join(["incident", str(incident.id), *map(str, parts)])


def announcement_key(incident_id: int) -> str:
    return f"incident:{incident_id}:announcement"


def card_key(incident_id: int) -> str:
    return f"incident:{incident_id}:card"


def declared(
    incident: Incident, config: OrgConfig, response_url: str | None, now: dt.datetime
) -> list[Due]:
    """On declare (`now`): the channel, the announcement, the card, and the declarer's reply."""
    args = {"incident_id": incident.id}
    reply_key = _key(incident, "declared-reply")
    reply = (
        # a slash command's reply goes back through its response_url; a form's by DM
        Due(
            reply_key,
            "incident_reply",
            "response_url",
            {"url": response_url, "response_type": "ephemeral"}
            | {"render": "incident.declared_reply", "args": args},
            now,
        )
        if response_url
        else Due.rendered(
            reply_key,
            "incident_reply",
            "incident.declared_reply",
            args,
            to=incident.declared_by,
            due_at=now,
        )
    )
    replies = [reply] if response_url or PERSON.fullmatch(incident.declared_by) else []
    return [
        Due(_key(incident, "provision"), "incident_provision", PROVISION, args, now),
        Due.rendered(
            announcement_key(incident.id),
            "incident_announcement",
            "incident.announcement",
            args,
            to=config.channels.incidents,
            due_at=now,
        ),
        # the card renders its channel once the channel exists
        Due.rendered(card_key(incident.id), "incident_card", "incident.card", args, due_at=now),
        *replies,
    ]


def _refresh(incident: Incident, what: str, parent_key: str, now: dt.datetime) -> Due:
    """Edit a posted message (announcement or card) to show the incident as it is now."""
    return Due.rendered(
        _key(incident, what, "rev", incident.revision),
        f"incident_{what}_update",
        f"incident.{what}",
        {"incident_id": incident.id},
        edits=parent_key,
        due_at=now,
    )


def announcement_refresh(incident: Incident, now: dt.datetime) -> Due:
    return _refresh(incident, "announcement", announcement_key(incident.id), now)


def card_refresh(incident: Incident, now: dt.datetime) -> Due:
    return _refresh(incident, "card", card_key(incident.id), now)


def channel_line(incident: Incident, event: IncidentEvent, now: dt.datetime) -> Due:
    """A line in the incident channel saying what changed."""
    return Due.rendered(
        _key(incident, "event", event.id),
        "incident_event",
        "incident.event",
        {"event_id": event.id},
        due_at=now,
    )


def update_thread(incident: Incident, event: IncidentEvent, now: dt.datetime) -> Due:
    return Due.rendered(
        _key(incident, "event", event.id, "thread"),
        "incident_update_thread",
        "incident.event",
        {"event_id": event.id, "in_thread": True},
        thread_of=announcement_key(incident.id),
        due_at=now,
    )


def invite(incident: Incident, user_id: str, tag: object, now: dt.datetime) -> Due:
    """Invite someone to the incident channel; `tag` names the occasion (an event, a page)."""
    return Due(
        _key(incident, "invite", user_id, tag),
        "incident_invite",
        INVITE,
        {"incident_id": incident.id, "users": [user_id]},
        now,
    )


def update_stamp(incident: Incident) -> str:
    return incident.last_update_at.strftime("%Y%m%dT%H%M%S")


def update_reminder(incident: Incident, due_at: dt.datetime) -> Due:
    """One nudge per silent stretch: the key names the last update it follows."""
    stamp = update_stamp(incident)
    return Due.rendered(
        _key(incident, "reminder", stamp),
        "incident_update_reminder",
        "incident.reminder",
        {"incident_id": incident.id, "after": stamp},
        due_at=due_at,
    )
