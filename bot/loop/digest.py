"""What the digest says, read from the database in a fixed number of statements, however
many teams there are: the week's updates, the open asks, the week's incidents, standby
pages and acknowledgements, and the pages monitoring sent to each roster."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.alerts.reading import RosterPages, pages_by_roster
from bot.config import SEVERITIES, OrgConfig, Team
from bot.escalation.models import Page
from bot.incidents.models import Incident
from bot.loop.models import OPEN, LoopAsk, LoopUpdate
from bot.loop.service import latest_updates
from bot.loop.weeks import LoopWeek
from bot.standby.models import StandbyAcknowledgement


@dataclass(frozen=True)
class OpenIncident:
    ref: str
    severity: str
    title: str


@dataclass
class Ops:
    """The week's incidents and standby, from `since` to the digest."""

    declared: dict[str, int] = field(default_factory=dict)  # by severity
    open: list[OpenIncident] = field(default_factory=list)
    resolved: int = 0
    resolve_median: dt.timedelta | None = None
    resolve_max: dt.timedelta | None = None
    pages: int = 0
    pages_acknowledged: int = 0
    standby_acks: int = 0
    alert_pages: list[RosterPages] = field(default_factory=list)  # the most paged first


@dataclass
class Digest:
    config: OrgConfig
    week: LoopWeek
    teams: list[Team]
    updates: dict[str, LoopUpdate]
    asks: list[LoopAsk]
    ops: Ops
    since: dt.datetime
    until: dt.datetime

    @property
    def missing(self) -> list[Team]:
        return [t for t in self.teams if t.id not in self.updates]


def build(session: Session, config: OrgConfig, week: LoopWeek, until: dt.datetime) -> Digest:
    """The digest of `week` as it stands; incidents and standby from the seven days before
    the digest moment (or `until`, when earlier)."""
    end = min(until, week.digest_at)
    since = end - dt.timedelta(days=7)
    asks = list(
        session.scalars(
            select(LoopAsk)
            .where(LoopAsk.status == OPEN, LoopAsk.week <= week.id)
            .order_by(LoopAsk.week, LoopAsk.id)
        )
    )
    return Digest(
        config=config,
        week=week,
        teams=list(config.teams),
        updates=latest_updates(session, week.id),
        asks=asks,
        ops=_ops(session, since, end),
        since=since,
        until=end,
    )


def _ops(session: Session, since: dt.datetime, until: dt.datetime) -> Ops:
    ops = Ops(declared=dict.fromkeys(SEVERITIES, 0))
    incidents = session.execute(
        select(
            Incident.id,
            Incident.severity,
            Incident.title,
            Incident.status,
            Incident.declared_at,
            Incident.resolved_at,
        )
        .where(
            or_(
                Incident.declared_at.between(since, until),
                Incident.resolved_at.between(since, until),
                Incident.status != "resolved",
            ),
            Incident.declared_at <= until,
        )
        .order_by(Incident.id)
    ).all()
    durations = []
    for row in incidents:
        if since <= row.declared_at <= until:
            ops.declared[row.severity] = ops.declared.get(row.severity, 0) + 1
        if row.status != "resolved":
            ops.open.append(OpenIncident(f"INC-{row.id}", row.severity, row.title))
        elif row.resolved_at is not None and since <= row.resolved_at <= until:
            durations.append(row.resolved_at - row.declared_at)
    ops.resolved = len(durations)
    if durations:
        ops.resolve_median = statistics.median(durations)
        ops.resolve_max = max(durations)
    pages = session.execute(
        select(Page.outcome, func.count())
        .where(Page.paged_at.between(since, until))
        .group_by(Page.outcome)
    ).all()
    ops.pages = sum(count for _, count in pages)
    ops.pages_acknowledged = sum(count for outcome, count in pages if outcome == "acknowledged")
    ops.standby_acks = (
        session.scalar(
            select(func.count())
            .select_from(StandbyAcknowledgement)
            .where(StandbyAcknowledgement.at.between(since, until))
        )
        or 0
    )
    ops.alert_pages = pages_by_roster(session, since, until)
    return ops
