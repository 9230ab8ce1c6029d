"""plans and block hours: maintenance plans, their runs, time entries, block periods

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

A plan run's (plan, occurrence) key makes each occurrence open one ticket,
whatever the number of schedulers or restarts; a block period's (contract,
start) key makes each rollover happen once. Time entries carry the contract so
that a period's use is one indexed sum.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("schedule", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("lead_minutes", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=2), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("needs_onsite", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("severity IN ('P1', 'P2', 'P3', 'P4')", name=op.f("ck_plans_severity")),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_plans_contract_id_contracts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.UniqueConstraint("contract_id", "name", name="uq_plans_contract_name"),
    )
    op.create_table(
        "plan_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_plan_runs_plan_id_plans")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_plan_runs_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_runs")),
        sa.UniqueConstraint("plan_id", "occurrence", name="uq_plan_runs_occurrence"),
    )
    op.create_table(
        "time_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("worked_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_time_entries_contract_id_contracts")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_time_entries_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_entries")),
    )
    op.create_index(
        op.f("ix_time_entries_contract_id"), "time_entries", ["contract_id"], unique=False
    )
    op.create_index(
        "ix_time_entries_ticket", "time_entries", ["ticket_id", "worked_on"], unique=False
    )
    op.create_table(
        "block_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("prepaid_hours", sa.Float(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("low_warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_block_periods_contract_id_contracts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_block_periods")),
        sa.UniqueConstraint("contract_id", "period_start", name="uq_block_periods_start"),
    )


def downgrade() -> None:
    op.drop_table("block_periods")
    op.drop_index("ix_time_entries_ticket", table_name="time_entries")
    op.drop_index(op.f("ix_time_entries_contract_id"), table_name="time_entries")
    op.drop_table("time_entries")
    op.drop_table("plan_runs")
    op.drop_table("plans")
