"""imports: tickets keep the id of the help desk they came from; alerts can be imported

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

``dispatch import`` upserts tickets by ``external_id`` (unique where set), so
running the same import twice changes nothing. A threshold an imported ticket
crossed before it was imported is recorded as an alert marked ``imported``:
the sweep sees it raised (and pages nobody for the past), the console shows it.
Plain ALTER TABLE on both backends: a batch copy of tickets or alerts would
drop their full-text (0005) and counter (0010) triggers.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("external_id", sa.String(length=200), nullable=True))
    op.create_index("ix_tickets_external_id", "tickets", ["external_id"], unique=True)
    op.add_column(
        "alerts",
        sa.Column("imported", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("alerts", "imported")
    op.drop_index("ix_tickets_external_id", table_name="tickets")
    op.drop_column("tickets", "external_id")
