"""loop: the weeks whose digest is posted are recorded by the loop (loop_closed_weeks)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 10:00:00

Whether a Loop-of-Loops week is closed was read from the ledger: its digest's delivery
(`loop:{week}:digest`) sent. The loop now records it itself, in the transaction that
records the digest sent; the weeks whose digest was sent before are closed here, at the
moment it was sent.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "loop_closed_weeks",
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("closed_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("week", name=op.f("pk_loop_closed_weeks")),
    )
    # `loop:2026-W48:digest` -> 2026-W48 (its continuations end in `:part:N`).
    op.execute(
        sa.text(
            "INSERT INTO loop_closed_weeks (week, closed_at) "
            "SELECT SUBSTR(key, 6, LENGTH(key) - 12), COALESCE(sent_at, due_at) "
            "FROM deliveries WHERE key LIKE :digests AND status = :sent"
        ).bindparams(digests="loop:%:digest", sent="sent")
    )


def downgrade() -> None:
    op.drop_table("loop_closed_weeks")
