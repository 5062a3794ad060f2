"""Incident operations. Each runs in one transaction: check, change, add to the timeline,
and enqueue the deliveries it causes in the ledger, so a change and its messages are
committed together. Callers deliver the returned keys right away; the scheduler's tick
delivers whatever could not be sent then."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, overload

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.change import Change
from bot.clock import Clock
from bot.config import OrgConfig
from bot.db.engine import Database
from bot.db.upsert import insert_if_absent
from bot.errors import Refusal
from bot.incidents import deliveries as out
from bot.incidents.models import Incident, IncidentEvent
from bot.ledger import Ledger
from bot.slack.escaping import code


class IncidentError(Refusal):
    """A refusal or problem to show to the user who asked; str() is the line."""


@dataclass(frozen=True)
class Actor:
    user_id: str
    channel_id: str | None = None  # where the command was typed
    response_url: str | None = None


def already_declared(incident: Incident) -> tuple[Incident, Change]:
    """The answer to a declare seen before (a modal submitted twice, Slack's retry)."""
    return incident, Change(f"{incident.ref} is already declared.", changed=False)


class IncidentService:
    def __init__(self, db: Database, config: OrgConfig, clock: Clock):
        self.db = db
        self.config = config
        self.clock = clock

    # -- finding -----------------------------------------------------------------
    def find(self, session: Session, ref: int | None, actor: Actor) -> Incident:
        if ref is not None:
            incident = session.get(Incident, ref)
            if incident is None:
                raise IncidentError(f"INC-{ref} does not exist.")
            return incident
        if actor.channel_id:
            incident = session.scalar(
                select(Incident).where(Incident.channel_id == actor.channel_id)
            )
            if incident is not None:
                return incident
        raise IncidentError(
            "This is not an incident channel: name the incident, like `INC-42`, "
            "or type the command in the incident's channel."
        )

    def get(self, ref: int | None, actor: Actor) -> Incident:
        with self.db.read() as session:
            incident = self.find(session, ref, actor)
            session.refresh(incident, ["events"])
            return incident

    def list_open(self) -> list[Incident]:
        with self.db.read() as session:
            return list(
                session.scalars(
                    select(Incident)
                    .where(Incident.status != "resolved")
                    .order_by(Incident.id)
                    .options(selectinload(Incident.events))
                )
            )

    def list_resolved_since(self, since: dt.datetime) -> list[Incident]:
        with self.db.read() as session:
            return list(
                session.scalars(
                    select(Incident)
                    .where(Incident.status == "resolved", Incident.resolved_at >= since)
                    .order_by(Incident.resolved_at.desc())
                )
            )

    # -- helpers -----------------------------------------------------------------
    def _may_change(self, incident: Incident, user_id: str) -> bool:
        return user_id in (incident.commander, incident.declared_by) or self.config.is_admin(
            user_id
        )

    @overload
    def _event(
        self,
        session: Session,
        incident: Incident,
        actor: str,
        kind: str,
        text: str = ...,
        data: dict[str, Any] | None = ...,
        dedupe_key: None = ...,
    ) -> IncidentEvent: ...

    @overload
    def _event(
        self,
        session: Session,
        incident: Incident,
        actor: str,
        kind: str,
        text: str = ...,
        data: dict[str, Any] | None = ...,
        dedupe_key: str | None = ...,
    ) -> IncidentEvent | None: ...

    def _event(
        self,
        session: Session,
        incident: Incident,
        actor: str,
        kind: str,
        text: str = "",
        data: dict[str, Any] | None = None,
        dedupe_key: str | None = None,
    ) -> IncidentEvent | None:
        """Append to the timeline; None when `dedupe_key` was seen already."""
        now = self.clock.now()
        values = {
            "incident_id": incident.id,
            "at": now,
            "actor": actor,
            "kind": kind,
            "text": text,
            "data": data or {},
            "dedupe_key": dedupe_key,
        }
        if dedupe_key is not None:
            if not insert_if_absent(session, IncidentEvent.__table__, values):
                return None
            return session.scalar(
                select(IncidentEvent).where(IncidentEvent.dedupe_key == dedupe_key)
            )
        event = IncidentEvent(**values)
        session.add(event)
        session.flush()
        return event

    def record(
        self,
        session: Session,
        incident: Incident,
        actor: str,
        kind: str,
        text: str = "",
        data: dict[str, Any] | None = None,
    ) -> list[str]:
        """Add a line to the timeline and owe Slack the channel line and a fresh announcement
        (for other domains acting on an incident, e.g. paging)."""
        event = self._event(session, incident, actor, kind, text, data)
        assert event is not None
        return self._changed(session, incident, event)

    def _changed(self, session: Session, incident: Incident, event: IncidentEvent) -> list[str]:
        """Bump the revision and owe Slack the channel line and a refreshed announcement."""
        incident.revision += 1
        now = self.clock.now()
        dues = [
            out.channel_line(incident, event, now),
            out.announcement_refresh(incident, now),
            out.card_refresh(incident, now),
        ]
        for due in dues:
            Ledger.enqueue(session, due, now)
        return [due.key for due in dues]

    # -- operations --------------------------------------------------------------
    def declare(
        self,
        actor: Actor,
        *,
        title: str,
        severity: str,
        key: str,
        team_id: str | None = None,
        description: str = "",
    ) -> tuple[Incident, Change]:
        """Declare an incident once per `key`: the incident (new, or the one declared under
        `key` before) and what declaring it did."""
        if team_id is not None and self.config.team(team_id) is None:
            raise IncidentError(f"There is no team {code(team_id)}.")
        if team_id is None:  # the declarer's team, when they belong to exactly one
            theirs = [t.id for t in self.config.teams if actor.user_id in t.members]
            team_id = theirs[0] if len(theirs) == 1 else None
        try:
            return self._declare(actor, title, severity, key, team_id, description)
        except IntegrityError:
            # The same request (Slack's retry) reached another replica, which declared it
            # a moment before this one could: answer as for any repeat.
            with self.db.read() as session:
                existing = session.scalar(select(Incident).where(Incident.declare_key == key))
            if existing is None:
                raise
            return already_declared(existing)

    def _declare(
        self,
        actor: Actor,
        title: str,
        severity: str,
        key: str,
        team_id: str | None,
        description: str,
    ) -> tuple[Incident, Change]:
        now = self.clock.now()
        with self.db.session() as session:
            existing = session.scalar(select(Incident).where(Incident.declare_key == key))
            if existing is not None:
                return already_declared(existing)
            incident = Incident(
                declare_key=key,
                title=title,
                description=description,
                severity=severity,
                status="investigating",
                team_id=team_id,
                declared_by=actor.user_id,
                commander=actor.user_id,
                declared_at=now,
                last_update_at=now,
                revision=0,
            )
            session.add(incident)
            session.flush()
            self._event(session, incident, actor.user_id, "declared", title, {"severity": severity})
            dues = out.declared(incident, self.config, actor.response_url, now)
            for due in dues:
                Ledger.enqueue(session, due, now)
            return incident, Change(f"Declared {incident.ref}.", [d.key for d in dues])

    def update(self, ref: int | None, actor: Actor, text: str, key: str | None = None) -> Change:
        with self.db.session() as session:
            incident = self.find(session, ref, actor)
            if not incident.is_open:
                raise IncidentError(f"{incident.ref} is resolved; it takes no more updates.")
            event = self._event(session, incident, actor.user_id, "update", text, dedupe_key=key)
            if event is None:
                return Change("That update was posted already.", changed=False)
            incident.last_update_at = event.at
            incident.revision += 1
            now = self.clock.now()
            dues = [out.channel_line(incident, event, now), out.update_thread(incident, event, now)]
            dues.append(out.announcement_refresh(incident, now))
            for due in dues:
                Ledger.enqueue(session, due, now)
            return Change(f"Update posted to {incident.ref}.", [d.key for d in dues])

    def set_status(self, ref: int | None, actor: Actor, status: str, summary: str = "") -> Change:
        if status == "resolved":
            return self.resolve(ref, actor, summary)
        now = self.clock.now()
        with self.db.session() as session:
            incident = self.find(session, ref, actor)
            if not incident.is_open:
                raise IncidentError(f"{incident.ref} is resolved; its status cannot change.")
            if incident.status == status:
                return Change(f"{incident.ref} is already {status}.", changed=False)
            before = incident.status
            incident.status = status
            incident.last_update_at = now
            if status == "monitoring" and incident.mitigated_at is None:
                incident.mitigated_at = now
            event = self._event(
                session, incident, actor.user_id, "status", status, {"from": before, "to": status}
            )
            keys = self._changed(session, incident, event)
            return Change(f"{incident.ref} is now {status}.", keys)

    def set_severity(self, ref: int | None, actor: Actor, severity: str) -> Change:
        with self.db.session() as session:
            incident = self.find(session, ref, actor)
            if not self._may_change(incident, actor.user_id):
                raise IncidentError(
                    f"Only {incident.ref}'s incident commander, its declarer or an admin "
                    "may change its severity."
                )
            if not incident.is_open:
                raise IncidentError(f"{incident.ref} is resolved; its severity cannot change.")
            if incident.severity == severity:
                return Change(f"{incident.ref} is already {severity}.", changed=False)
            before = incident.severity
            incident.severity = severity
            event = self._event(
                session,
                incident,
                actor.user_id,
                "severity",
                severity,
                {"from": before, "to": severity},
            )
            keys = self._changed(session, incident, event)
            return Change(f"{incident.ref} is now {severity}.", keys)

    def assign(self, ref: int | None, actor: Actor, role: str, user_id: str) -> Change:
        with self.db.session() as session:
            incident = self.find(session, ref, actor)
            if not incident.is_open:
                raise IncidentError(f"{incident.ref} is resolved; its roles are closed.")
            field_name = "commander" if role == "ic" else "comms"
            label = "incident commander" if role == "ic" else "comms lead"
            if getattr(incident, field_name) == user_id:
                return Change(f"<@{user_id}> is already {label}.", changed=False)
            setattr(incident, field_name, user_id)
            event = self._event(
                session, incident, actor.user_id, "role", label, {"role": role, "user": user_id}
            )
            keys = self._changed(session, incident, event)
            now = self.clock.now()
            Ledger.enqueue(session, invite := out.invite(incident, user_id, event.id, now), now)
            keys.append(invite.key)
            return Change(f"<@{user_id}> is now {label} of {incident.ref}.", keys)

    def resolve(self, ref: int | None, actor: Actor, summary: str = "") -> Change:
        now = self.clock.now()
        with self.db.session() as session:
            incident = self.find(session, ref, actor)
            if not incident.is_open:
                return Change(f"{incident.ref} is already resolved.", changed=False)
            if not self._may_change(incident, actor.user_id):
                raise IncidentError(
                    f"Only {incident.ref}'s incident commander, its declarer or an admin "
                    "may resolve it."
                )
            incident.status = "resolved"
            incident.resolved_at = now
            incident.mitigated_at = incident.mitigated_at or now
            incident.last_update_at = now
            incident.summary = summary
            event = self._event(session, incident, actor.user_id, "resolved", summary)
            keys = self._changed(session, incident, event)
            return Change(f"{incident.ref} is resolved.", keys)

    # -- scheduled ---------------------------------------------------------------
    def enqueue_update_reminders(self, now: dt.datetime | None = None) -> int:
        """Owe one nudge per silent stretch to each open incident past its severity's limit."""
        now = now or self.clock.now()
        # keyed by text, as an incident's severity is kept
        limits: dict[str, int] = dict(self.config.incidents.update_reminder_minutes.items())
        if not limits:
            return 0
        added = 0
        with self.db.session(background=True) as session:
            for incident in session.scalars(
                select(Incident).where(
                    Incident.status != "resolved", Incident.severity.in_(list(limits))
                )
            ):
                due_at = incident.last_update_at + dt.timedelta(minutes=limits[incident.severity])
                due = out.update_reminder(incident, due_at)
                if due_at <= now and Ledger.enqueue(session, due, now):
                    added += 1
        return added
