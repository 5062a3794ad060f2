"""Alert groups: a notification taken from the inbox and acted on in one transaction (the
episode's message, its edits and notes, the page, the storm), acknowledgements, and the
heartbeats. Whatever it owes Slack goes through the ledger under a unique key, so a
notification acted on twice, or two Alertmanagers of an HA pair, change nothing twice."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.alerts import deliveries as out
from bot.alerts import episodes, inbox, incident_link, storms
from bot.alerts.inbox import from_json
from bot.alerts.models import (
    FIRING,
    RESOLVED,
    AlertEpisode,
    AlertGroup,
    AlertInbox,
    AlertState,
    AlertStorm,
)
from bot.alerts.render import page_about, storm_about
from bot.alerts.routing import route
from bot.alerts.terms import Notification
from bot.change import Change
from bot.clock import Clock
from bot.config import OrgConfig
from bot.db.engine import Database
from bot.db.outage import unreachable
from bot.db.upsert import insert_if_absent, rows_matched
from bot.errors import Refusal
from bot.escalation.models import Escalation
from bot.escalation.service import EscalationService
from bot.incidents.service import IncidentService
from bot.ledger import Due, Ledger

log = logging.getLogger(__name__)


class AlertError(Refusal):
    """A refusal to show to the person who clicked or typed."""


@dataclass
class Processed:
    """What acting on one notification did."""

    keys: list[str] = field(default_factory=list)
    # of those, what goes first: a new group's message and its page (edits and notes of
    # groups already posted can wait behind them)
    urgent: list[str] = field(default_factory=list)
    episode_id: int | None = None
    opened: bool = False  # a new episode: its first firing notification
    declare: str | None = None  # the route declares an incident of this severity


def key_hash(group_key: str) -> str:
    return hashlib.sha256(group_key.encode()).hexdigest()


class AlertService:
    def __init__(
        self,
        db: Database,
        config: OrgConfig,
        escalations: EscalationService,
        incidents: IncidentService,
        clock: Clock,
    ):
        self.db = db
        self.config = config
        self.escalations = escalations
        self.incidents = incidents
        self.clock = clock
        escalations.when_acknowledged.append(self._acknowledged)
        escalations.when_exhausted.append(self._exhausted)

    # -- a notification ------------------------------------------------------------
    def take(self, source_id: str, note: Notification) -> tuple[int, Processed | None]:
        """Store a notification and act on it in one transaction (so that it is acted on as
        it is stored, once); its inbox id, and what acting did. Should acting fail (a bug),
        the notification is stored alone, for the tick to act on, and None says so."""
        now = self.clock.now()
        try:
            with self.db.session(background=True) as session:  # Slack's acks go first
                inbox_id = inbox.add(session, source_id, note, now, acted_on=True)
                return inbox_id, self._act(session, source_id, inbox_id, note, now)
        except Exception as exc:
            if unreachable(exc):
                raise
            log.exception("alerts: %s: acting on a notification failed; stored as is", source_id)
        return inbox.store(self.db, source_id, note, now), None

    def process(self, inbox_id: int) -> Processed:
        """Act on one stored notification, once: the first to mark it processed does, in the
        transaction that does it."""
        now = self.clock.now()
        with self.db.session(background=True) as session:
            won = rows_matched(
                session,
                update(AlertInbox)
                .where(AlertInbox.id == inbox_id, AlertInbox.processed_at.is_(None))
                .values(processed_at=now)
                .execution_options(synchronize_session=False),
            )
            row = session.get(AlertInbox, inbox_id) if won == 1 else None
            if row is None:
                return Processed()
            return self._act(session, row.source_id, inbox_id, from_json(row.notification), now)

    def _group(self, session: Session, source_id: str, group_key: str) -> AlertGroup:
        digest = key_hash(group_key)
        values = {"source_id": source_id, "key_hash": digest, "group_key": group_key}
        insert_if_absent(session, AlertGroup.__table__, {**values, "last_inbox_id": 0})
        group = session.scalar(
            select(AlertGroup)
            .where(AlertGroup.source_id == source_id, AlertGroup.key_hash == digest)
            .with_for_update()  # one notification of a group at a time (PostgreSQL)
        )
        assert group is not None
        return group

    def _act(
        self, session: Session, source_id: str, inbox_id: int, note: Notification, now: dt.datetime
    ) -> Processed:
        source = self.config.alert_source(source_id)
        if source is None:
            log.warning(
                "alerts: source %s is no longer configured; notification dropped", source_id
            )
            return Processed()
        group = self._group(session, source_id, note.group_key)
        if inbox_id < group.last_inbox_id:
            log.info("alerts: %s: an older notification of a group came late; ignored", source_id)
            return Processed()
        group.last_inbox_id = inbox_id
        episode = session.get(AlertEpisode, group.episode_id) if group.episode_id else None
        if note.status == FIRING or note.firing:  # (the firing alerts may be truncated)
            if episode is None or not episode.is_firing:
                number = episode.number + 1 if episode else 1
                return self._open(session, group, number, note, now)
            return self._update(session, episode, note, now)
        if episode is None or not episode.is_firing:
            log.info(
                "alerts: %s: resolved notification for a group not firing (%s); ignored",
                source_id,
                note.group_key[:80],
            )
            return Processed()
        return self._resolve(session, episode, note, now)

    def _open(
        self, session: Session, group: AlertGroup, number: int, note: Notification, now: dt.datetime
    ) -> Processed:
        source = self.config.alert_source(group.source_id)
        assert source is not None
        routing = route(source, note.route_labels)
        episode = AlertEpisode(
            group_id=group.id,
            source_id=group.source_id,
            number=number,
            status=FIRING,
            name=note.name,
            message=note.message,
            labels=note.route_labels,
            group_labels=note.group_labels,
            truncated=note.truncated,
            roster_id=routing.roster_id,
            pages=routing.page,
            declare=routing.declare,
            fired_at=now,
        )
        session.add(episode)
        session.flush()
        group.episode_id = episode.id
        episodes.apply(session, episode, note, fresh=True)
        channel = self.config.alerts_channel
        dues: list[Due] = [out.post(episode, channel, now)]
        done = Processed(episode_id=episode.id, opened=True, declare=routing.declare)
        storm = storms.join_or_start(session, episode, routing.roster_id, now)
        paged: list[str] = []
        edits: list[str] = []
        if storm is not None:
            row, began = storm
            if began:
                dues.append(out.storm_post(row, channel, now))
                paged = self._page(session, row, storm_about(row.source_id))
            else:
                edit = out.storm_refresh(row, now)
                Ledger.enqueue(session, edit, now)
                edits.append(edit.key)
        elif routing.page and routing.declare is None:
            paged = self._page(session, episode, page_about(episode))
        for due in dues:
            Ledger.enqueue(session, due, now)
        # the page and the group's message go first; a storm's edit can wait
        done.urgent = paged + [due.key for due in dues]
        done.keys = done.urgent + edits
        return done

    def _page(self, session: Session, paging: AlertEpisode | AlertStorm, about: str) -> list[str]:
        """Page the roster of an episode (or a storm) for it; the chain is kept on it."""
        source = self.config.alert_source(paging.source_id)
        roster = self.config.roster(paging.roster_id)
        if roster is None or source is None:
            log.warning("alerts: roster %s is not configured; not paged", paging.roster_id)
            return []
        started = self.escalations.start_about(
            session,
            roster,
            about=about,
            about_channel=self.config.alerts_channel,
            started_by=f"alerts:{paging.source_id}",
            off_hours=source.outside_windows == "page",
        )
        if started is None:
            return []
        chain, keys = started
        paging.escalation_id = chain.id
        return keys

    def _update(
        self, session: Session, episode: AlertEpisode, note: Notification, now: dt.datetime
    ) -> Processed:
        moves = episodes.apply(session, episode, note, fresh=False)
        done = Processed(episode_id=episode.id)
        if not (moves.shown or moves.any):
            return done  # a repeat, a retry, the other Alertmanager of a pair
        episode.revision += 1
        dues = [out.refresh(episode, now)]
        if moves.any:
            lines = {"joined": moves.joined, "resolved": moves.resolved}
            dues.append(out.note(episode, f"rev:{episode.revision}", lines, now))
        for due in dues:
            Ledger.enqueue(session, due, now)
        done.keys = [due.key for due in dues]
        done.keys += incident_link.tell(
            session, self.incidents, episode, moves.joined, moves.resolved, over=False
        )
        return done

    def _resolve(
        self, session: Session, episode: AlertEpisode, note: Notification, now: dt.datetime
    ) -> Processed:
        moves = episodes.resolve_all(session, episode, note)
        episode.status, episode.resolved_at = RESOLVED, now
        episode.revision += 1
        lines = {"joined": [], "resolved": moves.resolved, "over": True}
        dues = [out.refresh(episode, now), out.note(episode, "resolved", lines, now)]
        if episode.storm_id is not None:
            storm = session.get(AlertStorm, episode.storm_id)
            if storm is not None:
                storm.edits += 1
                dues.append(out.storm_refresh(storm, now))
        for due in dues:
            Ledger.enqueue(session, due, now)
        keys = [due.key for due in dues]
        if episode.escalation_id is not None:
            keys += self.escalations.stop(session, episode.escalation_id)
        keys += incident_link.tell(session, self.incidents, episode, [], moves.resolved, over=True)
        return Processed(keys, episode_id=episode.id)

    # -- acknowledging ---------------------------------------------------------------
    def acknowledge(self, episode_id: int, user: str) -> Change:
        """The Acknowledge of an alert message (anyone who sees it may): stops the group's
        escalation, or its storm's, and the message says who."""
        with self.db.read() as session:
            episode = session.get(AlertEpisode, episode_id)
            if episode is None:
                raise AlertError("That alert is not known.")
            storm = session.get(AlertStorm, episode.storm_id) if episode.storm_id else None
        if not episode.is_firing:
            return Change("That alert resolved already; nothing to acknowledge.", changed=False)
        if episode.acknowledged_by:
            who = "You" if episode.acknowledged_by == user else f"<@{episode.acknowledged_by}>"
            return Change(f"{who} acknowledged this alert already.", changed=False)
        chain = episode.escalation_id or (storm.escalation_id if storm else None)
        if chain is not None:
            return self.escalations.acknowledge(chain, user, anyone=True)
        now = self.clock.now()
        with self.db.session() as session:
            won = rows_matched(
                session,
                update(AlertEpisode)
                .where(AlertEpisode.id == episode_id, AlertEpisode.acknowledged_by.is_(None))
                .values(acknowledged_by=user, acknowledged_at=now)
                .execution_options(synchronize_session=False),
            )
            if won != 1:
                return Change("Someone acknowledged this alert just now.", changed=False)
            episode = session.get(AlertEpisode, episode_id)
            assert episode is not None
            session.refresh(episode)
            keys = self._said_acknowledged(session, episode, now)
        return Change("Acknowledged the alert: you're on it. Thanks!", keys)

    def storm_acknowledge(self, storm_id: int, user: str) -> Change:
        with self.db.read() as session:
            storm = session.get(AlertStorm, storm_id)
        if storm is None or storm.escalation_id is None:
            raise AlertError("That storm paged nobody, so there is nothing to acknowledge.")
        return self.escalations.acknowledge(storm.escalation_id, user, anyone=True)

    def _said_acknowledged(
        self, session: Session, episode: AlertEpisode, now: dt.datetime
    ) -> list[str]:
        episode.revision += 1
        lines = {"acknowledged_by": episode.acknowledged_by}
        dues = [out.refresh(episode, now), out.note(episode, "acknowledged", lines, now)]
        for due in dues:
            Ledger.enqueue(session, due, now)
        return [due.key for due in dues]

    def _acknowledged(self, session: Session, chain: Escalation, now: dt.datetime) -> list[str]:
        """A page of an alert group (or storm) was acknowledged: its message says who."""
        if chain.incident_id is not None:
            return []
        keys: list[str] = []
        storm = session.scalar(select(AlertStorm).where(AlertStorm.escalation_id == chain.id))
        owned = list(
            session.scalars(
                select(AlertEpisode).where(
                    (AlertEpisode.escalation_id == chain.id)
                    | (AlertEpisode.storm_id == (storm.id if storm else -1))
                )
            )
        )
        for episode in owned:
            if episode.acknowledged_by is None and episode.is_firing:
                episode.acknowledged_by, episode.acknowledged_at = chain.acknowledged_by, now
                keys += self._said_acknowledged(session, episode, now)
        if storm is not None:
            storm.edits += 1
            due = out.storm_refresh(storm, now)
            Ledger.enqueue(session, due, now)
            keys.append(due.key)
        return keys

    def _exhausted(self, session: Session, chain: Escalation, now: dt.datetime) -> list[str]:
        """Nobody answered an alert group's page: its thread says so."""
        keys: list[str] = []
        for episode in session.scalars(
            select(AlertEpisode).where(AlertEpisode.escalation_id == chain.id)
        ):
            due = out.note(episode, "unanswered", {"unanswered": chain.roster_id}, now)
            Ledger.enqueue(session, due, now)
            keys.append(due.key)
        return keys

    # -- linking an incident ---------------------------------------------------------
    def claim_declare(self, episode_id: int) -> AlertEpisode | None:
        return incident_link.claim_declare(self.db, self.clock, episode_id)

    def link_incident(self, episode_id: int, incident_id: int) -> list[str]:
        return incident_link.link(self.db, self.incidents, self.clock, episode_id, incident_id)

    def silenced(self, episode_id: int, user: str, hours: int, silence_id: str) -> list[str]:
        """Say in the episode's thread who silenced it, for how long, and the silence's id."""
        now = self.clock.now()
        with self.db.session() as session:
            episode = session.get(AlertEpisode, episode_id)
            if episode is None:
                return []
            lines = {"silenced_by": user, "hours": hours, "silence_id": silence_id}
            due = out.note(episode, f"silence:{silence_id}", lines, now)
            Ledger.enqueue(session, due, now)
            return [due.key]

    def alerts_of(self, episode_id: int) -> list[AlertState]:
        with self.db.read() as session:
            episode = session.get(AlertEpisode, episode_id)
            return episodes.states(session, episode) if episode else []

    def episode(self, episode_id: int) -> AlertEpisode | None:
        with self.db.read() as session:
            return session.get(AlertEpisode, episode_id)
