"""Alert flows: a notification received (read, checked, stored before its sender hears
2xx), then acted on: the group's message and page (bot/alerts/service.py) and, where the
route says `declare: sevN`, an incident declared at once, which pages the route's roster as
an incident's page does, and is linked to the group."""

from __future__ import annotations

import datetime as dt
import enum
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.alerts import heartbeats, inbox
from bot.alerts.payloads import MAX_BODY_BYTES, PayloadError, parse, verify_grafana_signature
from bot.alerts.service import AlertError, AlertService, Processed
from bot.alerts.silences import SilenceError, create_silence
from bot.change import Change
from bot.clock import Clock
from bot.config import AlertSource, OrgConfig
from bot.db.engine import Database
from bot.errors import Refusal
from bot.flows.incidents import Declared, IncidentFlows
from bot.incidents.service import Actor

log = logging.getLogger(__name__)

__all__ = ["MAX_BODY_BYTES", "Acted", "AlertFlows", "Receipt", "Received"]


class Receipt(enum.Enum):
    STORED = "stored"  # a notification, kept: acted on next
    BEAT = "beat"  # a heartbeat's beat
    REFUSED = "refused"  # malformed, or its signature is wrong: the line says why
    UNKNOWN = "unknown"  # the token's source is no longer configured


@dataclass(frozen=True)
class Received:
    receipt: Receipt
    line: str = ""
    inbox_id: int | None = None
    status: str = ""  # the notification's status (firing, resolved), for the metrics
    done: Processed | None = None  # acted on as it was stored (None: left for `act`)


# How an alert's `severity` label reads as an incident's severity, for the declare modal.
SEVERITY_OF_LABEL = {
    "critical": "sev2",
    "page": "sev2",
    "high": "sev2",
    "error": "sev3",
    "warning": "sev3",
    "info": "sev4",
    "low": "sev4",
}


@dataclass(frozen=True)
class Draft:
    """The declare modal, filled from an alert group."""

    title: str
    severity: str
    description: str


@dataclass
class Acted:
    """What acting on a notification owes Slack: `urgent`, a new group's page and message
    (and a declared incident's), to send at once; `rest`, edits and notes, which may wait."""

    urgent: list[str]
    rest: list[str]

    @property
    def keys(self) -> list[str]:
        return self.urgent + self.rest


class AlertFlows:
    def __init__(
        self,
        db: Database,
        config: OrgConfig,
        alerts: AlertService,
        incidents: IncidentFlows,
        clock: Clock,
        environ: Callable[[str], str | None] = os.environ.get,
    ):
        self.db = db
        self.config = config
        self.alerts = alerts
        self.incidents = incidents
        self.clock = clock
        self.environ = environ

    # -- in ------------------------------------------------------------------------
    def receive(self, source_id: str, body: bytes, headers: Mapping[str, str]) -> Received:
        """Read and keep one posted body of `source_id`. Stored means committed."""
        source = self.config.alert_source(source_id)
        if source is None:
            return Received(Receipt.UNKNOWN, f"the source {source_id} is not configured")
        now = self.clock.now()
        if source.kind == "heartbeat":
            every = heartbeats.every_words(source.expect_every or dt.timedelta(0))
            return Received(
                Receipt.BEAT, "beat", heartbeats.beat(self.db, source.id, every, now), "beat"
            )
        refused = self._signature_refused(source, body, headers)
        if refused:
            return Received(Receipt.REFUSED, refused)
        try:
            note = parse(source.kind, body, headers)
        except PayloadError as exc:
            return Received(Receipt.REFUSED, str(exc))
        stored, done = self.alerts.take(source.id, note)
        return Received(Receipt.STORED, "stored", stored, note.status, done)

    def _signature_refused(
        self, source: AlertSource, body: bytes, headers: Mapping[str, str]
    ) -> str | None:
        signing = source.grafana_signature
        if signing is None:
            return None
        secret = self.environ(signing.secret_env) or ""
        if not secret:
            log.error(
                "alerts: %s: %s is not set; refusing its posts", source.id, signing.secret_env
            )
            return f"the signature cannot be checked: {signing.secret_env} is not set"
        if not verify_grafana_signature(
            secret, body, headers, signing.header, signing.timestamp_header
        ):
            return f"the {signing.header} signature does not match the body"
        return None

    # -- acting --------------------------------------------------------------------
    def act(self, inbox_id: int) -> Acted:
        """Act on one stored notification (once): the ledger keys it owes, the urgent first."""
        return self.follow_up(self.alerts.process(inbox_id))

    def follow_up(self, done: Processed) -> Acted:
        """What acting owes Slack, once it is committed; and the incident a `declare:` route
        asks for, declared now."""
        acted = Acted(list(done.urgent), [k for k in done.keys if k not in done.urgent])
        if done.opened and done.declare and done.episode_id is not None:
            acted.urgent += self.declare(done.episode_id)
        return acted

    def act_on_pending(self) -> list[str]:
        """What the inbox still holds (after a crash, or what the tick's heartbeats wrote)."""
        return [key for inbox_id in inbox.pending(self.db) for key in self.act(inbox_id).keys]

    def heartbeats_due(self) -> list[str]:
        written = heartbeats.overdue(self.db, self.config, self.clock.now())
        return [key for inbox_id in written for key in self.act(inbox_id).keys]

    def declare(self, episode_id: int) -> list[str]:
        """Declare the incident a `declare:` route asks for, page its roster for it, and link
        it to the group. Claimed first, so it happens once."""
        episode = self.alerts.claim_declare(episode_id)
        if episode is None or episode.declare is None:
            return []
        actor = Actor(f"alerts:{episode.source_id}"[:32])
        team = episode.labels.get("team")
        declared = self.incidents.declare(
            actor,
            title=episode.name[:150] or "Alert",
            severity=episode.declare,
            key=f"alert-episode:{episode.id}",
            team_id=team if team and self.config.team(team) else None,
            description=episode.message,
        )
        keys = list(declared.change.deliveries)
        keys += self.alerts.link_incident(episode.id, declared.incident.id)
        try:
            paged = self.incidents.escalations.start(
                declared.incident.id, actor, episode.roster_id, "alert"
            )
            keys += paged.deliveries
        except Refusal as exc:
            log.warning("alerts: %s declared but not paged: %s", declared.incident.ref, exc)
        return keys

    # -- people on an alert's message ------------------------------------------------
    def draft(self, episode_id: int) -> Draft:
        episode = self.alerts.episode(episode_id)
        if episode is None:
            raise AlertError("That alert is not known.")
        if episode.incident_id is not None:
            raise AlertError(
                f"An incident was declared for this alert already (INC-{episode.incident_id})."
            )
        states = self.alerts.alerts_of(episode_id)
        lines = [f"Alert group {episode.name} from {episode.source_id}."]
        lines += [f"- {s.status}: {s.summary}" for s in states[:10]]
        label = episode.labels.get("severity", "").lower()
        return Draft(episode.name[:150], SEVERITY_OF_LABEL.get(label, "sev3"), "\n".join(lines))

    def declare_from_alert(
        self,
        episode_id: int,
        actor: Actor,
        *,
        title: str,
        severity: str,
        key: str,
        team_id: str | None,
        description: str,
        page: bool,
    ) -> Declared:
        """A person declares from an alert's message: the incident links the group."""
        declared = self.incidents.declare(
            actor,
            title=title,
            severity=severity,
            key=key,
            team_id=team_id,
            description=description,
            page=page,
        )
        declared.change.deliveries.extend(
            self.alerts.link_incident(episode_id, declared.incident.id)
        )
        return declared

    def silence(self, episode_id: int, user: str, hours: int, who: str) -> Change:
        """A silence of the group's labels for `hours`, through the v2 API of the
        Alertmanager the source's `alertmanager_url` names (never a URL from a payload)."""
        episode = self.alerts.episode(episode_id)
        if episode is None:
            raise AlertError("That alert is not known.")
        source = self.config.alert_source(episode.source_id)
        if source is None or source.kind != "alertmanager" or not source.alertmanager_url:
            raise AlertError(
                "This alert's source has no `alertmanager_url`, so it cannot be silenced from here."
            )
        # the labels the group is made by, so the silence holds for alerts that join it later
        matchers = episode.group_labels or episode.labels
        if not matchers:
            raise AlertError("This alert group has no labels in common to silence it by.")
        now = self.clock.now()
        try:
            silence_id = create_silence(
                source.alertmanager_url,
                matchers,
                now,
                now + dt.timedelta(hours=hours),
                f"{who} (via opsbot)",
                f"Silenced from Slack by {who} for {hours}h: {episode.name}"[:500],
            )
        except SilenceError as exc:
            raise AlertError(f"The silence was not made: {exc}") from exc
        keys = self.alerts.silenced(episode_id, user, hours, silence_id)
        return Change(f"Silenced for {hours}h (silence {silence_id}).", keys)
