"""conversation: articles and their attachments; replies go through the outbox

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04

A ticket's conversation is a list of articles, never updated or deleted.
A reply by e-mail is delivered through the outbox that carries alerts, so a
delivery now belongs to an alert or to an article (one delivery an article:
a reply is never sent twice). SQLite cannot relax ``alert_id``'s NOT NULL in
place, so the deliveries table is copied (``dispatch.store.db.upgrade`` runs
migrations with SQLite's foreign keys off and checks them before commit).

Contracts say what stops their response clock. New contracts: the first reply
to the customer. Existing ones keep what dispatch did when they were made:
a status change to in progress counts too.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHANNELS = "'note', 'phone_in', 'phone_out', 'email_in', 'email_out', 'monitoring', 'system'"


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=320), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("sender", sa.String(length=320), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("message_id", sa.String(length=998), nullable=True),
        sa.Column("in_reply_to", sa.String(length=998), nullable=True),
        sa.Column("references", sa.JSON(), nullable=False),
        sa.Column("auto", sa.String(length=16), nullable=True),
        sa.Column("raw_ref", sa.String(length=64), nullable=True),
        sa.CheckConstraint(f"channel IN ({_CHANNELS})", name=op.f("ck_articles_channel")),
        sa.CheckConstraint(
            "visibility IN ('internal', 'public')", name=op.f("ck_articles_visibility")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_articles_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
    )
    op.create_index("ix_articles_ticket", "articles", ["ticket_id", "id"], unique=False)
    op.create_index("ix_articles_message_id", "articles", ["message_id"], unique=True)
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("stored", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_attachments_article_id_articles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    op.create_index("ix_attachments_article", "attachments", ["article_id", "id"], unique=False)

    with op.batch_alter_table("deliveries", recreate="auto") as batch:
        batch.alter_column("alert_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("article_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_deliveries_article_id_articles"), "articles", ["article_id"], ["id"]
        )
        batch.create_check_constraint(
            op.f("ck_deliveries_one_subject"), "(alert_id IS NULL) <> (article_id IS NULL)"
        )
        batch.create_index("ix_deliveries_article", ["article_id"], unique=True)

    op.add_column(
        "contracts",
        sa.Column("first_response", sa.String(length=20), nullable=False, server_default="reply"),
    )
    op.execute("UPDATE contracts SET first_response = 'reply_or_status'")


def downgrade() -> None:
    op.drop_column("contracts", "first_response")
    op.execute(
        "DELETE FROM delivery_attempts WHERE delivery_id IN "
        "(SELECT id FROM deliveries WHERE article_id IS NOT NULL)"
    )
    op.execute("DELETE FROM deliveries WHERE article_id IS NOT NULL")
    with op.batch_alter_table("deliveries", recreate="auto") as batch:
        batch.drop_index("ix_deliveries_article")
        batch.drop_constraint(op.f("ck_deliveries_one_subject"), type_="check")
        batch.drop_constraint(op.f("fk_deliveries_article_id_articles"), type_="foreignkey")
        batch.drop_column("article_id")
        batch.alter_column("alert_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index("ix_attachments_article", table_name="attachments")
    op.drop_table("attachments")
    op.drop_index("ix_articles_message_id", table_name="articles")
    op.drop_index("ix_articles_ticket", table_name="articles")
    op.drop_table("articles")
