"""ticket search: a trigram full-text index of open tickets' titles and customers (SQLite)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

The console's word filter matches the title or the customer's name anywhere
(``LIKE '%word%'``). Without an index that reads every open ticket's row to
count the matches (about 0.18 s at 100,000 open tickets). On SQLite an FTS5
table with the trigram tokenizer answers the same ``LIKE`` from its index; it
holds the open tickets only, and triggers keep it in step with every write
(the store's, the bulk loader's, or anyone's). PostgreSQL keeps the plain
``ILIKE`` scan: no extension is required of a shared server.

A later migration that rebuilds ``tickets`` with batch mode drops these
triggers with the old table and must create them again (``TRIGGERS``).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = (
    "{t}.title || char(10) || coalesce((SELECT name FROM customers WHERE id = {t}.customer_id), '')"
)

TRIGGERS = [
    f"""CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets WHEN new.is_open
        BEGIN INSERT INTO ticket_search (rowid, text) VALUES (new.id, {TEXT.format(t="new")}); END""",
    f"""CREATE TRIGGER ticket_search_update
        AFTER UPDATE OF title, customer_id, is_open ON tickets
        BEGIN
            DELETE FROM ticket_search WHERE rowid = old.id;
            INSERT INTO ticket_search (rowid, text)
                SELECT new.id, {TEXT.format(t="new")} WHERE new.is_open;
        END""",
    """CREATE TRIGGER ticket_search_delete AFTER DELETE ON tickets
        BEGIN DELETE FROM ticket_search WHERE rowid = old.id; END""",
    """CREATE TRIGGER ticket_search_customer AFTER UPDATE OF name ON customers
        BEGIN
            DELETE FROM ticket_search
                WHERE rowid IN (SELECT id FROM tickets WHERE customer_id = new.id AND is_open);
            INSERT INTO ticket_search (rowid, text)
                SELECT t.id, t.title || char(10) || new.name
                FROM tickets AS t WHERE t.customer_id = new.id AND t.is_open;
        END""",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE VIRTUAL TABLE ticket_search USING fts5(text, tokenize = 'trigram')")
    for trigger in TRIGGERS:
        op.execute(trigger)
    op.execute(
        "INSERT INTO ticket_search (rowid, text) "
        f"SELECT t.id, {TEXT.format(t='t')} FROM tickets AS t WHERE t.is_open"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in ("customer", "delete", "update", "insert"):
        op.execute(f"DROP TRIGGER IF EXISTS ticket_search_{name}")
    op.execute("DROP TABLE IF EXISTS ticket_search")
