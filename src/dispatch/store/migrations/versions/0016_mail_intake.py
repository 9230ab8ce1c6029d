"""mail intake: customers' mail domains, the triage customer, ticket links

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

Mail from a sender who is no contact finds its customer by the sender's
domain (``customers.mail_domains``); mail from nobody known waits under the
stand-in customer marked ``triage``. Mail answering a closed ticket opens a
new ticket that follows it (``ticket_links``). Plain added columns and a new
table: nothing to copy, on SQLite either.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "customers", sa.Column("mail_domains", sa.JSON(), nullable=False, server_default="[]")
    )
    op.add_column(
        "customers", sa.Column("triage", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.create_table(
        "ticket_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('follows')", name=op.f("ck_ticket_links_kind")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_links_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["other_id"], ["tickets.id"], name=op.f("fk_ticket_links_other_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_links")),
    )
    op.create_index("ix_ticket_links_ticket", "ticket_links", ["ticket_id"], unique=False)
    op.create_index("ix_ticket_links_other", "ticket_links", ["other_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_ticket_links_other", table_name="ticket_links")
    op.drop_index("ix_ticket_links_ticket", table_name="ticket_links")
    op.drop_table("ticket_links")
    op.drop_column("customers", "triage")
    op.drop_column("customers", "mail_domains")
