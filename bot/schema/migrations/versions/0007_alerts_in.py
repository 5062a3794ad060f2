"""alerts in: sources' tokens, the inbox, alert groups and their episodes, storms and
heartbeats; a page may be about something other than an incident (escalations.about)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 16:51:42

Existing chains are all about incidents: they keep their incident_id, and `about` is empty.
A page's outcome widens to 32 characters: "answered_by_other" did not fit in 16, and PostgreSQL
refused to record a page answered by someone else.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("group_key", sa.Text(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("last_inbox_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_groups")),
        sa.UniqueConstraint("source_id", "key_hash", name=op.f("uq_alert_groups_source_id")),
    )
    op.create_table(
        "alert_heartbeats",
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("last_beat_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("beats", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source_id", name=op.f("pk_alert_heartbeats")),
    )
    op.create_table(
        "alert_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("notification", sa.JSON(), nullable=False),
        sa.Column("processed_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_inbox")),
    )
    with op.batch_alter_table("alert_inbox", schema=None) as batch_op:
        batch_op.create_index("ix_alert_inbox_pending", ["processed_at", "id"], unique=False)

    op.create_table(
        "alert_source_tokens",
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source_id", name=op.f("pk_alert_source_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_alert_source_tokens_token_hash")),
    )
    op.create_table(
        "alert_storms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_group_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("roster_id", sa.String(length=64), nullable=False),
        sa.Column("edits", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_alert_storms_escalation_id_escalations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_storms")),
    )
    with op.batch_alter_table("alert_storms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_storms_source_id"), ["source_id"], unique=False)

    op.create_table(
        "alert_episodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("group_labels", sa.JSON(), nullable=False),
        sa.Column("truncated", sa.Integer(), nullable=False),
        sa.Column("roster_id", sa.String(length=64), nullable=False),
        sa.Column("pages", sa.Boolean(), nullable=False),
        sa.Column("declare", sa.String(length=8), nullable=True),
        sa.Column("fired_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("storm_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=32), nullable=True),
        sa.Column("acknowledged_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("declare_claimed_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_alert_episodes_escalation_id_escalations"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["alert_groups.id"], name=op.f("fk_alert_episodes_group_id_alert_groups")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_alert_episodes_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["storm_id"], ["alert_storms.id"], name=op.f("fk_alert_episodes_storm_id_alert_storms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_episodes")),
        sa.UniqueConstraint("group_id", "number", name=op.f("uq_alert_episodes_group_id")),
    )
    with op.batch_alter_table("alert_episodes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alert_episodes_source_fired", ["source_id", "fired_at"], unique=False
        )
        batch_op.create_index("ix_alert_episodes_status", ["status"], unique=False)

    op.create_table(
        "alert_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("starts_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ends_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["alert_episodes.id"],
            name=op.f("fk_alert_states_episode_id_alert_episodes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_states")),
        sa.UniqueConstraint("episode_id", "fingerprint", name=op.f("uq_alert_states_episode_id")),
    )
    with op.batch_alter_table("alert_states", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_states_episode_id"), ["episode_id"], unique=False
        )

    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("about", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("about_channel", sa.String(length=32), nullable=True))
        batch_op.alter_column("incident_id", existing_type=sa.INTEGER(), nullable=True)
    # "answered_by_other" (17 characters) did not fit: PostgreSQL refused the acknowledgement
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.alter_column(
            "outcome", existing_type=sa.String(length=16), type_=sa.String(length=32)
        )


def downgrade() -> None:
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.alter_column(
            "outcome", existing_type=sa.String(length=32), type_=sa.String(length=16)
        )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.alter_column("incident_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("about_channel")
        batch_op.drop_column("about")

    with op.batch_alter_table("alert_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_states_episode_id"))

    op.drop_table("alert_states")
    with op.batch_alter_table("alert_episodes", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_episodes_status")
        batch_op.drop_index("ix_alert_episodes_source_fired")

    op.drop_table("alert_episodes")
    with op.batch_alter_table("alert_storms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_storms_source_id"))

    op.drop_table("alert_storms")
    op.drop_table("alert_source_tokens")
    with op.batch_alter_table("alert_inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_inbox_pending")

    op.drop_table("alert_inbox")
    op.drop_table("alert_heartbeats")
    op.drop_table("alert_groups")
