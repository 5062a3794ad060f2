"""Incident records and their append-only timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base
from bot.db.types import UTCDateTime

STATUSES = ("investigating", "identified", "monitoring", "resolved")


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declare_key: Mapped[str] = mapped_column(String(255), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="investigating")
    team_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    declared_by: Mapped[str] = mapped_column(String(32))
    commander: Mapped[str | None] = mapped_column(String(32), nullable=True)
    comms: Mapped[str | None] = mapped_column(String(32), nullable=True)
    channel_id: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True)
    channel_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # when standby was first paged, and when a page was first acknowledged (only a page's
    # Acknowledge counts: naming an incident commander does not)
    paged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    mitigated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_update_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revision: Mapped[int] = mapped_column(Integer, default=0)

    events: Mapped[list[IncidentEvent]] = relationship(
        back_populates="incident", order_by="IncidentEvent.id", cascade="all, delete-orphan"
    )

    @property
    def ref(self) -> str:
        return f"INC-{self.id}"

    @property
    def is_open(self) -> bool:
        return self.status != "resolved"

    @property
    def time_to_resolve(self) -> dt.timedelta | None:
        return self.resolved_at - self.declared_at if self.resolved_at else None

    @property
    def time_to_acknowledge(self) -> dt.timedelta | None:
        """From the first page to the first Acknowledge of a page (None until both)."""
        if self.acknowledged_at is None or self.paged_at is None:
            return None
        return self.acknowledged_at - self.paged_at


class IncidentEvent(Base):
    """One line of an incident's timeline; rows are only ever added."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Set for changes that may arrive twice (a modal submitted twice, a retried request).
    dedupe_key: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)

    incident: Mapped[Incident] = relationship(back_populates="events")
