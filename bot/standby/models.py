"""Standby changes made in Slack: overrides, swaps, acknowledgements, calendar feeds."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
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


class StandbyCoverRequest(Base):
    """A member asked the roster's channel to cover their piece of a shift (`/standby
    cover`): open until someone takes it, the member withdraws it, or the shift starts
    (`past`). `open_for` names the piece while the request is open (NULL once closed), so
    a piece has at most one open request."""

    __tablename__ = "standby_cover_requests"
    __table_args__ = (Index("ix_standby_cover_requests_state", "state", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    roster_id: Mapped[str] = mapped_column(String(64))
    shift_key: Mapped[str] = mapped_column(String(128))  # the window occurrence's key
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # the requester's piece
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    role: Mapped[str] = mapped_column(String(16))  # primary | secondary
    requested_by: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")  # as typed
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open|taken|withdrawn|past
    open_for: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    taken_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    taken_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(32), nullable=True)  # who withdrew
