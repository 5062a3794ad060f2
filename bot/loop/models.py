"""Loop-of-Loops updates (every submission kept; the last one of a team's week counts),
cross-team asks, which stay open across weeks until done or withdrawn, and the weeks that
are closed (their digest is posted)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.db.types import UTCDateTime

STATUSES = ("on_track", "at_risk", "blocked")
STATUS_LABELS = {"on_track": "On track", "at_risk": "At risk", "blocked": "Blocked"}

OPEN = "open"
DONE = "done"
WITHDRAWN = "withdrawn"
REPLACED = "replaced"  # dropped from the asking team's update by a later edit that week


class LoopUpdate(Base):
    __tablename__ = "loop_updates"
    __table_args__ = (Index("ix_loop_updates_week_team", "week", "team_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week: Mapped[str] = mapped_column(String(10))  # ISO year-week, e.g. 2026-W48
    team_id: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(32))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    working_on: Mapped[str] = mapped_column(Text)
    roadblocks: Mapped[str] = mapped_column(Text, default="")
    # [{"teams": ["search"], "text": "..."}], as submitted
    needs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # a modal submitted twice (Slack's retry) is kept once
    submit_key: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)


class LoopAsk(Base):
    """What one team needs from another; opened by an update, closed by a button."""

    __tablename__ = "loop_asks"
    __table_args__ = (
        Index("ix_loop_asks_status", "status"),
        Index("ix_loop_asks_week_from", "week", "from_team"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week: Mapped[str] = mapped_column(String(10))  # the week it was opened
    from_team: Mapped[str] = mapped_column(String(64))
    to_team: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    update_id: Mapped[int] = mapped_column(ForeignKey("loop_updates.id"))
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    opened_by: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ClosedWeek(Base):
    """A week whose digest is posted: its updates can no longer be saved or edited. Written
    in the transaction that records the digest's delivery sent (bot.loop.service.close_week),
    so a week is never seen posted without being closed."""

    __tablename__ = "loop_closed_weeks"

    week: Mapped[str] = mapped_column(String(10), primary_key=True)  # e.g. 2026-W48
    closed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # when the digest was sent
