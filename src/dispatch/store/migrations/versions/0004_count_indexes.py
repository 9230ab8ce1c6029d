"""count indexes: the header's counts and the technicians' loads without table reads

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

The console counts open, unassigned, at-risk and breached tickets and each
technician's load on every refresh. With 100,000 open tickets those counts
read every ticket row (about 0.3 s); covering indexes let them walk index
entries only. ``ix_tickets_open_warn`` gains ``queue_due`` (at risk is
``warn <= now <= due``) and is renamed for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_open_warn")
        batch_op.create_index(
            "ix_tickets_open_warn_due", ["is_open", "queue_warn", "queue_due"], unique=False
        )
        batch_op.create_index("ix_tickets_open_assignee", ["is_open", "assignee_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_open_assignee")
        batch_op.drop_index("ix_tickets_open_warn_due")
        batch_op.create_index("ix_tickets_open_warn", ["is_open", "queue_warn"], unique=False)
