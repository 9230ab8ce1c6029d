"""on-call rotas: rotations and overrides, from which "who is on call" is computed

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03

A rotation hands over at a local wall time (minutes after midnight) in a zone,
daily or weekly, through a JSON list of logins; an override puts one login in
another's place for a span. Nothing is stored per shift: shifts are computed
(``dispatch.domain.oncall``). Overrides are read by the span they overlap, so
they are indexed by end, then start. Self-contained: it touches no table of
the earlier revisions.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oncall_rotations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("layer", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("handover_minute", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("start_day", sa.Date(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "period IN ('daily', 'weekly')", name=op.f("ck_oncall_rotations_period")
        ),
        sa.CheckConstraint(
            "handover_minute >= 0 AND handover_minute < 1440",
            name=op.f("ck_oncall_rotations_handover"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_rotations")),
        sa.UniqueConstraint("name", name=op.f("uq_oncall_rotations_name")),
    )
    op.create_table(
        "oncall_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("replaces", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_overrides")),
    )
    op.create_index(
        "ix_oncall_overrides_span", "oncall_overrides", ["ends_at", "starts_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_oncall_overrides_span", table_name="oncall_overrides")
    op.drop_table("oncall_overrides")
    op.drop_table("oncall_rotations")
