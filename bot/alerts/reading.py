"""What people read about alerts, asked of the database and changing nothing: the groups
firing now and those resolved lately (each with who was paged and who acknowledged), the
pages waiting for one person (incidents' and alerts' both), and how many times monitoring
paged each roster over a period (the weekly digest).

Each answer is read in a fixed number of statements, however many groups there are, and
comes back as plain values that outlive the session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.alerts.models import FIRING, RESOLVED, AlertEpisode, AlertState, AlertStorm
from bot.db.engine import Database
from bot.escalation.models import ACKNOWLEDGED, ACTIVE, EXHAUSTED, Escalation, Page
from bot.incidents.models import Incident

# Chains that monitoring started are `started_by` "alerts:<source>" (bot/alerts/service.py
# for a group's or a storm's page, bot/flows/alerts.py for a `declare:` route's incident).
MONITORING = "alerts:"
SHOWN = 40  # groups listed at most; the rest are counted


@dataclass(frozen=True)
class Paged:
    """One page of a group's chain: a person (or "channel", an @here), when, what came of it."""

    target: str
    at: dt.datetime
    outcome: str  # waiting | acknowledged | answered_by_other | declined | no_answer | resolved


@dataclass(frozen=True)
class GroupRead:
    """An alert group's episode as `/alerts` shows it."""

    episode_id: int
    name: str  # from monitoring: escape it
    source_id: str
    roster_id: str
    firing: bool
    fired_at: dt.datetime
    resolved_at: dt.datetime | None
    alerts_firing: int
    alerts: int
    paged: tuple[Paged, ...]
    paging: str | None  # the chain's status (active, acknowledged, exhausted, stopped)
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None
    route_pages: bool  # False: its route only posts
    declares: str | None  # the route's severity, when it declares an incident
    storm_paged: bool  # part of a storm that was paged once for all, not on its own
    incident_ref: str | None
    chain_id: int | None = None  # the escalation chain that paged for it, if any


@dataclass(frozen=True)
class Listed:
    groups: list[GroupRead]
    total: int  # groups that matched; more than `groups` when clipped


@dataclass(frozen=True)
class OpenPage:
    """A chain that paged a person and still waits for someone to take it."""

    chain_id: int
    since: dt.datetime  # the person's first page of it
    waiting: bool  # the chain is at the person now; False: it moved on, or nobody answered
    exhausted: bool  # every level was paged and nobody answered
    roster_id: str
    incident: Incident | None  # an incident's page, else an alert's (`about`)
    about: str  # mrkdwn, escaped by the domain that started the chain
    about_channel: str | None


@dataclass(frozen=True)
class RosterPages:
    """How many times monitoring paged a roster over a period, and how many were taken."""

    roster_id: str
    pages: int
    acknowledged: int


# -- the groups ------------------------------------------------------------------------


def firing(db: Database, limit: int = SHOWN) -> Listed:
    """The groups firing now, the latest first."""
    with db.read() as session:
        where = AlertEpisode.status == FIRING
        total = session.scalar(select(func.count()).select_from(AlertEpisode).where(where)) or 0
        episodes = session.scalars(
            select(AlertEpisode)
            .where(where)
            .order_by(AlertEpisode.fired_at.desc(), AlertEpisode.id.desc())
            .limit(limit)
        ).all()
        return Listed(_reads(session, episodes), total)


def resolved_since(db: Database, since: dt.datetime, limit: int = SHOWN) -> Listed:
    """The groups that resolved at or after `since`, the latest first."""
    with db.read() as session:
        where = (AlertEpisode.status == RESOLVED) & (AlertEpisode.resolved_at >= since)
        total = session.scalar(select(func.count()).select_from(AlertEpisode).where(where)) or 0
        episodes = session.scalars(
            select(AlertEpisode)
            .where(where)
            .order_by(AlertEpisode.resolved_at.desc(), AlertEpisode.id.desc())
            .limit(limit)
        ).all()
        return Listed(_reads(session, episodes), total)


def _reads(session: Session, episodes: Sequence[AlertEpisode]) -> list[GroupRead]:
    """The episodes with their alerts counted and their chain's pages: an episode's own
    chain, else its storm's, else its incident's latest."""
    if not episodes:
        return []
    ids = [e.id for e in episodes]
    counts: dict[int, dict[str, int]] = {}
    for episode_id, status, count in session.execute(
        select(AlertState.episode_id, AlertState.status, func.count())
        .where(AlertState.episode_id.in_(ids))
        .group_by(AlertState.episode_id, AlertState.status)
    ):
        counts.setdefault(episode_id, {})[status] = count
    storm_ids = {e.storm_id for e in episodes if e.storm_id is not None}
    storm_chain = {
        storm_id: chain_id
        for storm_id, chain_id in session.execute(
            select(AlertStorm.id, AlertStorm.escalation_id).where(AlertStorm.id.in_(storm_ids))
        )
    }
    incident_ids = {e.incident_id for e in episodes if e.incident_id is not None}
    own_chains = {e.escalation_id for e in episodes if e.escalation_id is not None}
    chain_ids = own_chains | {c for c in storm_chain.values() if c is not None}
    chains = session.scalars(
        select(Escalation)
        .where(Escalation.id.in_(chain_ids) | Escalation.incident_id.in_(incident_ids))
        .order_by(Escalation.id)
    ).all()
    by_id = {c.id: c for c in chains}
    by_incident = {c.incident_id: c for c in chains if c.incident_id is not None}  # the latest
    pages: dict[int, list[Paged]] = {}
    for page in session.scalars(
        select(Page).where(Page.escalation_id.in_(list(by_id))).order_by(Page.id)
    ):
        pages.setdefault(page.escalation_id, []).append(
            Paged(page.target, page.paged_at, page.outcome)
        )
    reads = []
    for episode in episodes:
        chain_id = episode.escalation_id or (
            storm_chain.get(episode.storm_id) if episode.storm_id is not None else None
        )
        chain = by_id.get(chain_id) if chain_id is not None else None
        if chain is None and episode.incident_id is not None:
            chain = by_incident.get(episode.incident_id)
        states = counts.get(episode.id, {})
        acknowledged_by = episode.acknowledged_by or (chain.acknowledged_by if chain else None)
        acknowledged_at = episode.acknowledged_at or (chain.acknowledged_at if chain else None)
        reads.append(
            GroupRead(
                episode_id=episode.id,
                name=episode.name,
                source_id=episode.source_id,
                roster_id=episode.roster_id,
                firing=episode.is_firing,
                fired_at=episode.fired_at,
                resolved_at=episode.resolved_at,
                alerts_firing=states.get(FIRING, 0),
                alerts=sum(states.values()),
                paged=tuple(pages.get(chain.id, [])) if chain else (),
                paging=chain.status if chain else None,
                acknowledged_by=acknowledged_by,
                acknowledged_at=acknowledged_at,
                route_pages=episode.pages,
                declares=episode.declare,
                storm_paged=episode.storm_id is not None and episode.escalation_id is None,
                incident_ref=f"INC-{episode.incident_id}" if episode.incident_id else None,
                chain_id=chain.id if chain else None,
            )
        )
    return reads


# -- a person's pages ----------------------------------------------------------------------


def open_pages_of(db: Database, user: str) -> list[OpenPage]:
    """The chains that paged `user` and that nobody has taken yet (still paging, or nobody
    answered), oldest first; not those `user` declined, nor an incident's once resolved."""
    with db.read() as session:
        rows = session.execute(
            select(Page, Escalation)
            .join(Escalation, Page.escalation_id == Escalation.id)
            .where(Page.target == user, Escalation.status.in_([ACTIVE, EXHAUSTED]))
            .order_by(Page.paged_at, Page.id)
        ).all()
        mine: dict[int, tuple[Escalation, list[Page]]] = {}
        for page, chain in rows:
            mine.setdefault(chain.id, (chain, []))[1].append(page)
        incident_ids = {c.incident_id for c, _ in mine.values() if c.incident_id is not None}
        incidents = {
            i.id: i for i in session.scalars(select(Incident).where(Incident.id.in_(incident_ids)))
        }
    found = []
    for chain, pages in mine.values():
        if any(p.outcome == "declined" for p in pages):
            continue
        incident = incidents.get(chain.incident_id) if chain.incident_id is not None else None
        if chain.incident_id is not None and (incident is None or not incident.is_open):
            continue  # the chain stops at its next step; nothing is asked of anyone now
        found.append(
            OpenPage(
                chain_id=chain.id,
                since=pages[0].paged_at,
                waiting=pages[-1].outcome == "waiting",
                exhausted=chain.status == EXHAUSTED,
                roster_id=chain.roster_id,
                incident=incident,
                about=chain.about,
                about_channel=chain.about_channel,
            )
        )
    return found


# -- the digest ----------------------------------------------------------------------------


def pages_by_roster(session: Session, since: dt.datetime, until: dt.datetime) -> list[RosterPages]:
    """How many times monitoring paged each roster from `since` to `until` (a chain each: a
    group's, a storm's, or a `declare:` route's incident's), and how many of those someone
    acknowledged; the most paged first. One statement, in the caller's session."""
    counted: dict[str, list[int]] = {}
    for roster_id, status, count in session.execute(
        select(Escalation.roster_id, Escalation.status, func.count())
        .where(
            Escalation.started_by.startswith(MONITORING, autoescape=True),
            Escalation.started_at.between(since, until),
        )
        .group_by(Escalation.roster_id, Escalation.status)
    ):
        tally = counted.setdefault(roster_id, [0, 0])
        tally[0] += count
        if status == ACKNOWLEDGED:
            tally[1] += count
    found = [RosterPages(r, pages, acked) for r, (pages, acked) in counted.items()]
    return sorted(found, key=lambda r: (-r.pages, r.roster_id))


# -- a roster's window ------------------------------------------------------------------------


def episodes_of_roster(
    db: Database, roster_id: str, since: dt.datetime, until: dt.datetime, limit: int = SHOWN
) -> Listed:
    """The groups paging `roster_id` that fired or were still firing from `since` to `until`
    (fired before `until`, and not resolved before `since`), oldest first, each as it is now."""
    with db.read() as session:
        where = (
            (AlertEpisode.roster_id == roster_id)
            & (AlertEpisode.fired_at < until)
            & (AlertEpisode.resolved_at.is_(None) | (AlertEpisode.resolved_at >= since))
        )
        total = session.scalar(select(func.count()).select_from(AlertEpisode).where(where)) or 0
        episodes = session.scalars(
            select(AlertEpisode)
            .where(where)
            .order_by(AlertEpisode.fired_at, AlertEpisode.id)
            .limit(limit)
        ).all()
        return Listed(_reads(session, episodes), total)
