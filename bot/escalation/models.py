"""An escalation chain per page request, and one row per person (or channel) paged. A chain
pages for an incident, or for something another domain describes in `about` (an alert
group: bot/alerts/), which then stops it (`EscalationService.stop`) when it is over."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.db.types import UTCDateTime

ACTIVE = "active"
ACKNOWLEDGED = "acknowledged"
EXHAUSTED = "exhausted"
STOPPED = "stopped"  # the incident was resolved, or what the page was about is over


class Escalation(Base):
    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_status_next", "status", "next_step_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id"), index=True, nullable=True
    )
    # Without an incident: what the page is about (Slack mrkdwn, escaped by whoever wrote it)
    # and the channel where it is shown.
    about: Mapped[str] = mapped_column(Text, default="")
    about_channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    roster_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    started_by: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    level: Mapped[int] = mapped_column(Integer, default=0)  # index into the roster's levels
    loop: Mapped[int] = mapped_column(Integer, default=0)  # 0 = first pass, 1.. = repeats
    next_step_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Page(Base):
    """One step of a chain: a person paged (or `channel` for an @here), and what came of it."""

    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("escalation_id", "loop", "level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    loop: Mapped[int] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(String(32))  # a user id, or "channel"
    paged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(32), default="waiting")
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
