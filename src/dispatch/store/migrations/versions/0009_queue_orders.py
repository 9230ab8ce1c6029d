"""queue orders: an index for "oldest first"

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

The console's other orders walk indexes that exist (nearest deadline:
``ix_tickets_open_due``); oldest first walks this one, within the open or the
closed tickets, so that a window deep in a million tickets is an index walk.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tickets_open_opened", "tickets", ["is_open", "opened_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_tickets_open_opened", table_name="tickets")
