"""presence: which ticket each dispatcher has open, with an expiry

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

One row per login, renewed by the console's heartbeat; a row past its expiry
means the console is gone.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "presence",
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_presence_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("login", name=op.f("pk_presence")),
    )
    op.create_index("ix_presence_ticket", "presence", ["ticket_id", "expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_presence_ticket", table_name="presence")
    op.drop_table("presence")
