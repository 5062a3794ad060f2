"""What people read about incidents over a span of time, asked of the database and changing
nothing: those declared from one instant to another, or still open at its end (a standby
window's handoff). Plain values that outlive the session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select

from bot.db.engine import Database
from bot.incidents.models import Incident


@dataclass(frozen=True)
class IncidentRead:
    id: int
    title: str  # as typed: escape it
    severity: str
    status: str  # now
    team_id: str | None
    declared_by: str
    declared_at: dt.datetime
    resolved_at: dt.datetime | None
    channel_id: str | None

    @property
    def ref(self) -> str:
        return f"INC-{self.id}"

    @property
    def is_open(self) -> bool:
        """Open now."""
        return self.status != "resolved"

    def open_at(self, at: dt.datetime) -> bool:
        return self.declared_at <= at and (self.resolved_at is None or self.resolved_at > at)


def _read(incident: Incident) -> IncidentRead:
    return IncidentRead(
        id=incident.id,
        title=incident.title,
        severity=incident.severity,
        status=incident.status,
        team_id=incident.team_id,
        declared_by=incident.declared_by,
        declared_at=incident.declared_at,
        resolved_at=incident.resolved_at,
        channel_id=incident.channel_id,
    )


def declared_or_open(
    db: Database, since: dt.datetime, until: dt.datetime, *, also: Iterable[int] = ()
) -> list[IncidentRead]:
    """The incidents declared from `since` (included) to `until` (not), those declared
    before `until` and still open then, and the incidents `also` names; oldest first."""
    with db.read() as session:
        declared = (Incident.declared_at >= since) & (Incident.declared_at < until)
        open_then = (Incident.declared_at < until) & (
            Incident.resolved_at.is_(None) | (Incident.resolved_at > until)
        )
        ids = list(set(also))
        wanted = or_(declared, open_then, Incident.id.in_(ids)) if ids else declared | open_then
        found = session.scalars(select(Incident).where(wanted).order_by(Incident.id))
        return [_read(incident) for incident in found]
