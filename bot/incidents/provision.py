"""Creating and preparing an incident's channel (a ledger action, so it runs once)."""

from __future__ import annotations

import logging
import re
import unicodedata

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import update

from bot.config import OrgConfig
from bot.db.engine import Database
from bot.incidents.models import Incident
from bot.ledger import Claimed, Outcome
from bot.slack import blocks as bk
from bot.slack.escaping import PERSON, flat, without_mentions

log = logging.getLogger(__name__)

MAX_NAME = 80
NAME_ATTEMPTS = 6
IGNORED_INVITE_ERRORS = {"already_in_channel", "cant_invite_self", "user_not_found", "user_is_bot"}


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def channel_name(prefix: str, number: int, title: str, attempt: int = 0) -> str:
    """`inc-42-checkout-is-slow`, within Slack's 80 characters; later attempts add `-2`, `-3`…"""
    suffix = f"-{attempt + 1}" if attempt else ""
    base = f"{prefix}-{number}"
    room = MAX_NAME - len(base) - len(suffix) - 1
    words = slug(without_mentions(title))[: max(room, 0)].rstrip("-")
    return f"{base}-{words}{suffix}" if words else f"{base}{suffix}"


class Provisioner:
    def __init__(self, db: Database, config: OrgConfig, client: WebClient):
        self.db = db
        self.config = config
        self.client = client

    def provision(self, delivery: Claimed) -> Outcome:
        incident_id = delivery.payload["incident_id"]
        with self.db.read() as session:
            incident = session.get(Incident, incident_id)
        if incident is None:
            return Outcome(permanent_error=f"incident {incident_id} is gone")
        try:
            if incident.channel_id is None:
                incident = self._create(incident)
            channel = incident.channel_id
            assert channel is not None  # created just now, or before
            self.client.conversations_setTopic(
                channel=channel,
                topic=bk.clip(
                    f"{incident.ref} · {incident.severity} · {flat(incident.title)}", 250
                ),
            )
            self._invite(channel, self._people(incident))
        except SlackApiError as exc:
            return Outcome(error=str(exc.response.get("error")))
        return Outcome(sent=True, channel=channel)

    def invite(self, delivery: Claimed) -> Outcome:
        with self.db.read() as session:
            incident = session.get(Incident, delivery.payload["incident_id"])
        if incident is None or incident.channel_id is None:
            return Outcome(defer=True)
        try:
            self._invite(incident.channel_id, delivery.payload["users"])
        except SlackApiError as exc:
            return Outcome(error=str(exc.response.get("error")))
        return Outcome(sent=True, channel=incident.channel_id)

    def _people(self, incident: Incident) -> list[str]:
        people = [incident.declared_by, incident.commander, incident.comms]
        team = self.config.team(incident.team_id) if incident.team_id else None
        if team:
            people += team.members
        # only people are invited (not `alerts:…`, the declarer of an alert's incident)
        return list(dict.fromkeys(p for p in people if p and PERSON.fullmatch(p)))

    def _create(self, incident: Incident) -> Incident:
        prefix = self.config.incidents.channel_prefix
        for attempt in range(NAME_ATTEMPTS):
            name = channel_name(prefix, incident.id, incident.title, attempt)
            try:
                response = self.client.conversations_create(name=name, is_private=False)
                break
            except SlackApiError as exc:
                if exc.response.get("error") != "name_taken":
                    raise
                log.info("channel name %s is taken; trying another", name)
        else:
            error = {"ok": False, "error": "name_taken"}
            raise SlackApiError("no free channel name", error)  # type: ignore[no-untyped-call]
        channel = response["channel"]
        with self.db.session(background=True) as session:
            session.execute(
                update(Incident)
                .where(Incident.id == incident.id, Incident.channel_id.is_(None))
                .values(channel_id=channel["id"], channel_name=channel["name"])
            )
            created = session.get(Incident, incident.id)
        assert created is not None  # an incident is never deleted
        return created

    def _invite(self, channel: str, users: list[str]) -> None:
        for user in users:
            try:
                self.client.conversations_invite(channel=channel, users=user)
            except SlackApiError as exc:
                if exc.response.get("error") not in IGNORED_INVITE_ERRORS:
                    raise
