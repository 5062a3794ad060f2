"""Alert groups as opsbot keeps them: the notifications received (an inbox, so that a 2xx
means stored), each group of each source, its episodes (fired, then resolved: a group that
fires again is a new episode with its own message and page), the alerts of an episode, the
storms, the heartbeats, and each source's secret token (only its hash)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.db.types import UTCDateTime

FIRING = "firing"
RESOLVED = "resolved"


class AlertSourceToken(Base):
    """The secret of `POST /alerts/<token>` for one source: only its SHA-256 is kept."""

    __tablename__ = "alert_source_tokens"

    source_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AlertInbox(Base):
    """A notification as received and read (bot/alerts/terms.py, as JSON), stored before the
    sender hears 2xx; `processed_at` is set in the transaction that acts on it."""

    __tablename__ = "alert_inbox"
    __table_args__ = (Index("ix_alert_inbox_pending", "processed_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    notification: Mapped[dict[str, Any]] = mapped_column(JSON)
    processed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AlertGroup(Base):
    """One group of one source (Alertmanager's groupKey, or the generic key)."""

    __tablename__ = "alert_groups"
    __table_args__ = (UniqueConstraint("source_id", "key_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64))
    key_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of group_key
    group_key: Mapped[str] = mapped_column(Text)
    episode_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the latest
    last_inbox_id: Mapped[int] = mapped_column(Integer, default=0)  # the latest applied


class AlertStorm(Base):
    """More new groups of one source than the standby can take one by one: one page, one
    message listing them."""

    __tablename__ = "alert_storms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_group_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"), nullable=True)
    roster_id: Mapped[str] = mapped_column(String(64))
    edits: Mapped[int] = mapped_column(Integer, default=0)


class AlertEpisode(Base):
    """A group from its first firing notification to its resolution: one message, one page."""

    __tablename__ = "alert_episodes"
    __table_args__ = (
        UniqueConstraint("group_id", "number"),
        Index("ix_alert_episodes_source_fired", "source_id", "fired_at"),
        Index("ix_alert_episodes_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("alert_groups.id"))
    source_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per group
    status: Mapped[str] = mapped_column(String(16), default=FIRING)
    name: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[str] = mapped_column(Text, default="")
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # the route labels
    # the labels the sender grouped by (Alertmanager's groupLabels): what a silence matches,
    # so that it holds for alerts that join the group later
    group_labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    truncated: Mapped[int] = mapped_column(Integer, default=0)
    roster_id: Mapped[str] = mapped_column(String(64))
    pages: Mapped[bool] = mapped_column(Boolean, default=True)  # the route pages
    declare: Mapped[str | None] = mapped_column(String(8), nullable=True)  # the route's sevN
    fired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"), nullable=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), nullable=True)
    storm_id: Mapped[int | None] = mapped_column(ForeignKey("alert_storms.id"), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # a `declare:` route's incident is declared after the episode is stored: claimed first
    declare_claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)  # bumped by each change shown

    @property
    def is_firing(self) -> bool:
        return self.status == FIRING


class AlertState(Base):
    """One alert of an episode, as the latest notification described it."""

    __tablename__ = "alert_states"
    __table_args__ = (UniqueConstraint("episode_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("alert_episodes.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text, default="")
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    links: Mapped[list[list[str]]] = mapped_column(JSON, default=list)  # [[label, url], ...]
    values: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    starts_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Heartbeat(Base):
    """A heartbeat source's last beat (or, before any, when opsbot started watching it)."""

    __tablename__ = "alert_heartbeats"

    source_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_beat_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    beats: Mapped[int] = mapped_column(Integer, default=0)
