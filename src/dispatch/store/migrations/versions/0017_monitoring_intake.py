"""monitoring intake: one open ticket per monitoring key, and each key's state

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06

A ticket opened by a monitoring event carries its key (``source:dedup key``)
in ``tickets.monitoring_key``; a partial unique index over open tickets makes
two events at once unable to open two tickets for one key (both SQLite and
PostgreSQL index a WHERE clause). ``monitoring_incidents`` keeps, per ticket,
what the monitor last said, how often, and the last payload.

Plain ALTER TABLE on both backends, as in 0013: a batch copy of tickets would
drop the triggers of its search index and counters.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("monitoring_key", sa.String(length=320), nullable=True))
    op.create_index(
        "ix_tickets_open_monitoring_key",
        "tickets",
        ["monitoring_key"],
        unique=True,
        sqlite_where=sa.text("is_open"),
        postgresql_where=sa.text("is_open"),
    )
    op.create_table(
        "monitoring_incidents",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("dedup_key", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=2), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("occurrence", sa.String(length=255), nullable=True),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("group_key", sa.Text(), nullable=True),
        sa.Column("truncated", sa.Boolean(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "state IN ('firing', 'acknowledged', 'recovered')",
            name=op.f("ck_monitoring_incidents_state"),
        ),
        sa.CheckConstraint(
            "severity IN ('P1', 'P2', 'P3', 'P4')", name=op.f("ck_monitoring_incidents_severity")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_monitoring_incidents_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_monitoring_incidents")),
    )
    op.create_index(
        "ix_monitoring_incidents_key",
        "monitoring_incidents",
        ["source", "dedup_key", "ticket_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_monitoring_incidents_key", table_name="monitoring_incidents")
    op.drop_table("monitoring_incidents")
    op.drop_index("ix_tickets_open_monitoring_key", table_name="tickets")
    op.drop_column("tickets", "monitoring_key")
