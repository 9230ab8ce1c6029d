"""ticket contact: a ticket records who called, one of its customer's contacts

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04

``tickets.contact_id`` names the caller (``NULL``: not recorded). A contact is
deleted when it is removed (``dispatch contact remove``; its event keeps what it
was): the store clears the tickets' reference to it first, in the same
transaction, and the tickets stay, without a caller. The constraint has no ON
DELETE action because SQLite reflects none for a column-level ``REFERENCES``,
so the schema could not be compared with the mapped one; a delete that forgot
to clear would be refused, not leave a dangling id.

Plain ALTER TABLE on both backends, as in 0013: a batch copy of tickets would
drop their full-text (0005) and counter (0010) triggers. SQLite cannot add a
constraint to a table, but it can add a column that carries its own
``REFERENCES`` clause (its default being NULL), and drop that column again
(3.35 and later, as 0013's downgrade needs too).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK_NAME = "fk_tickets_contact_id_contacts"
"""The schema's naming convention for the constraint (``store/schema.py``)."""


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE tickets ADD COLUMN contact_id INTEGER CONSTRAINT {FK_NAME} "
            "REFERENCES contacts (id)"
        )
    else:
        op.add_column("tickets", sa.Column("contact_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FK_NAME, "tickets", "contacts", ["contact_id"], ["id"])
    op.create_index("ix_tickets_contact_id", "tickets", ["contact_id"])


def downgrade() -> None:
    op.drop_index("ix_tickets_contact_id", table_name="tickets")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(FK_NAME, "tickets", type_="foreignkey")
    op.drop_column("tickets", "contact_id")
