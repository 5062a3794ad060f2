"""standby overrides, swaps, acknowledgements, calendar feeds

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 14:39:12.675574
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("kind", "subject", name=op.f("uq_calendar_feeds_kind")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    op.create_table(
        "scheduler_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_state")),
    )
    op.create_table(
        "standby_acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("roster_id", sa.String(length=64), nullable=False),
        sa.Column("shift_key", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standby_acknowledgements")),
        sa.UniqueConstraint(
            "shift_key", "user_id", name=op.f("uq_standby_acknowledgements_shift_key")
        ),
    )
    op.create_table(
        "standby_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("roster_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("starts_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standby_overrides")),
    )
    with op.batch_alter_table("standby_overrides", schema=None) as batch_op:
        batch_op.create_index(
            "ix_standby_overrides_roster_span", ["roster_id", "ends_at"], unique=False
        )

    op.create_table(
        "standby_swaps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("roster_id", sa.String(length=64), nullable=False),
        sa.Column("shift_key_a", sa.String(length=128), nullable=False),
        sa.Column("user_a", sa.String(length=32), nullable=False),
        sa.Column("shift_key_b", sa.String(length=128), nullable=False),
        sa.Column("user_b", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standby_swaps")),
    )
    with op.batch_alter_table("standby_swaps", schema=None) as batch_op:
        batch_op.create_index("ix_standby_swaps_roster", ["roster_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("standby_swaps", schema=None) as batch_op:
        batch_op.drop_index("ix_standby_swaps_roster")

    op.drop_table("standby_swaps")
    with op.batch_alter_table("standby_overrides", schema=None) as batch_op:
        batch_op.drop_index("ix_standby_overrides_roster_span")

    op.drop_table("standby_overrides")
    op.drop_table("standby_acknowledgements")
    op.drop_table("scheduler_state")
    op.drop_table("calendar_feeds")
