"""incidents: when standby was first paged; acknowledgement counts only a page's Acknowledge

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 10:30:00

`incidents.paged_at` is when the incident's first page went out. `acknowledged_at` was also
set when someone other than the declarer was named incident commander; from now on only a
page's Acknowledge sets it, so existing rows take their first acknowledged page's time (or
none).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(
            sa.Column("paged_at", bot.db.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute(
        "UPDATE incidents SET "
        "paged_at = (SELECT MIN(started_at) FROM escalations "
        "WHERE escalations.incident_id = incidents.id), "
        "acknowledged_at = (SELECT MIN(acknowledged_at) FROM escalations "
        "WHERE escalations.incident_id = incidents.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("paged_at")
