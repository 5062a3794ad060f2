"""Standby changes made in Slack: overrides, swaps, acknowledgements, calendar feeds."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.db.types import UTCDateTime


class StandbyOverride(Base):
    """`user` covers `role` on `roster_id` from `starts_at` to `ends_at`."""

    __tablename__ = "standby_overrides"
    __table_args__ = (Index("ix_standby_overrides_roster_span", "roster_id", "ends_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    roster_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16), default="primary")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class StandbySwap(Base):
    """Two people exchange two window occurrences (by occurrence key)."""

    __tablename__ = "standby_swaps"
    __table_args__ = (Index("ix_standby_swaps_roster", "roster_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    roster_id: Mapped[str] = mapped_column(String(64))
    shift_key_a: Mapped[str] = mapped_column(String(128))
    user_a: Mapped[str] = mapped_column(String(32))
    shift_key_b: Mapped[str] = mapped_column(String(128))
    user_b: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class StandbyAcknowledgement(Base):
    """Someone on standby acknowledged a window occurrence (once per person)."""

    __tablename__ = "standby_acknowledgements"
    __table_args__ = (UniqueConstraint("shift_key", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    roster_id: Mapped[str] = mapped_column(String(64))
    shift_key: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CalendarFeed(Base):
    """A secret ICS feed URL: one roster's shifts, or one person's."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (UniqueConstraint("kind", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # roster | person
    subject: Mapped[str] = mapped_column(String(64))  # roster id or user id
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
