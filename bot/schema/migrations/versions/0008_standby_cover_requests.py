"""standby cover requests (`/standby cover`)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 20:20:00

A new table only: nothing to backfill. `open_for` is unique and NULL once a request is
closed, so a piece of a shift has at most one open request (NULLs never conflict, on
SQLite and PostgreSQL alike).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "standby_cover_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("roster_id", sa.String(length=64), nullable=False),
        sa.Column("shift_key", sa.String(length=128), nullable=False),
        sa.Column("starts_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("open_for", sa.String(length=200), nullable=True),
        sa.Column("taken_by", sa.String(length=32), nullable=True),
        sa.Column("taken_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standby_cover_requests")),
        sa.UniqueConstraint("open_for", name=op.f("uq_standby_cover_requests_open_for")),
    )
    with op.batch_alter_table("standby_cover_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_standby_cover_requests_state", ["state", "starts_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("standby_cover_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_standby_cover_requests_state")
    op.drop_table("standby_cover_requests")
