"""warning instants: when each SLA clock reaches its warning share

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

Existing tickets get their queue deadline as warning instant; the next change
to each ticket recomputes both properly.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queue_warn", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("response_warn_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("resolution_warn_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE tickets SET queue_warn = queue_due")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.alter_column(
            "queue_warn", existing_type=sa.DateTime(timezone=True), nullable=False
        )
        batch_op.create_index("ix_tickets_open_due", ["is_open", "queue_due"], unique=False)
        batch_op.create_index("ix_tickets_open_warn", ["is_open", "queue_warn"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_open_warn")
        batch_op.drop_index("ix_tickets_open_due")
        batch_op.drop_column("resolution_warn_at")
        batch_op.drop_column("response_warn_at")
        batch_op.drop_column("queue_warn")
