"""counters: the header's counts kept by the database, not counted on every refresh

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

Every refresh counted the whole open queue (open, unassigned, each
technician's load, at risk, breached) and every unacknowledged breach alert:
at 100,000 open tickets about 15 ms a refresh, growing with the queue. The
``counters`` table holds those figures, one row per name, and triggers keep it
in step with every write to ``tickets`` and ``alerts`` in the writer's own
transaction (the store's, the bulk loader's, or anyone's), so it is exact
whoever writes, however many at once. Names:

* ``assignee:<id>`` (``assignee:-``: unassigned): open tickets per assignee;
  their sum is the open count.
* ``due:<bucket>``: open tickets whose queue deadline falls in that ten-minute
  bucket (``YYYY-MM-DD HH:M``, UTC, the first 15 characters of the instant).
  "Breached" is the sum of the buckets before now's, plus an index range count
  within now's bucket: proportional to one bucket, not to the queue.
* ``risk:<bucket>`` / ``riskend:<bucket>``: the same for the open tickets whose
  warning instant is not after their deadline, by warning instant and by
  deadline: "at risk" (warned, not breached) is the difference of the two sums.
* ``unacked:breach``: breach alerts nobody acknowledged.

Rows that fall to zero are deleted. On PostgreSQL each trigger applies its
changes in one ``INSERT ... ON CONFLICT DO UPDATE`` sorted by name, so two
single-ticket transactions lock counter rows in the same order and cannot
deadlock each other; concurrent writers of one counter wait for each other's
commit, as they would for the ticket row itself.

As with the search triggers of 0005, a later migration that rebuilds
``tickets`` or ``alerts`` in batch mode drops these triggers with the old
table and must create them again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# --- SQLite ------------------------------------------------------------------------------


def _sqlite_ticket_keys(row: str) -> list[str]:
    """The counter names of one open ticket (``NULL`` for a name that does not apply)."""
    warned = f"{row}.queue_warn <= {row}.queue_due"
    return [
        f"'assignee:' || coalesce({row}.assignee_id, '-')",
        f"'due:' || substr({row}.queue_due, 1, 15)",
        f"CASE WHEN {warned} THEN 'risk:' || substr({row}.queue_warn, 1, 15) END",
        f"CASE WHEN {warned} THEN 'riskend:' || substr({row}.queue_due, 1, 15) END",
    ]


def _sqlite_alert_keys(row: str) -> list[str]:
    return [
        f"CASE WHEN {row}.level = 'breach' AND {row}.acked_at IS NULL THEN 'unacked:breach' END"
    ]


def _sqlite_apply(minus: list[str], plus: list[str], old_applies: str, new_applies: str) -> str:
    """Statements adding -1 per name of ``minus`` and +1 per name of ``plus``."""
    parts = [f"SELECT {k} AS name, -1 AS d WHERE {old_applies}" for k in minus]
    parts += [f"SELECT {k} AS name, 1 AS d WHERE {new_applies}" for k in plus]
    statements = [
        "INSERT INTO counters (name, n) SELECT name, sum(d) FROM ("
        + " UNION ALL ".join(parts)
        + ") WHERE name IS NOT NULL GROUP BY name HAVING sum(d) <> 0"
        " ON CONFLICT (name) DO UPDATE SET n = n + excluded.n;"
    ]
    if minus:
        statements.append(f"DELETE FROM counters WHERE n = 0 AND name IN ({', '.join(minus)});")
    return "\n".join(statements)


def _sqlite_triggers() -> list[str]:
    tk, ak = _sqlite_ticket_keys, _sqlite_alert_keys
    ticket_columns = "is_open, assignee_id, queue_due, queue_warn"
    return [
        "CREATE TRIGGER counters_ticket_insert AFTER INSERT ON tickets BEGIN "
        + _sqlite_apply([], tk("new"), "0", "new.is_open")
        + " END",
        f"CREATE TRIGGER counters_ticket_update AFTER UPDATE OF {ticket_columns} ON tickets BEGIN "
        + _sqlite_apply(tk("old"), tk("new"), "old.is_open", "new.is_open")
        + " END",
        "CREATE TRIGGER counters_ticket_delete AFTER DELETE ON tickets BEGIN "
        + _sqlite_apply(tk("old"), [], "old.is_open", "0")
        + " END",
        "CREATE TRIGGER counters_alert_insert AFTER INSERT ON alerts BEGIN "
        + _sqlite_apply([], ak("new"), "0", "1")
        + " END",
        "CREATE TRIGGER counters_alert_update AFTER UPDATE OF level, acked_at ON alerts BEGIN "
        + _sqlite_apply(ak("old"), ak("new"), "1", "1")
        + " END",
        "CREATE TRIGGER counters_alert_delete AFTER DELETE ON alerts BEGIN "
        + _sqlite_apply(ak("old"), [], "1", "0")
        + " END",
    ]


SQLITE_BACKFILL = (
    "INSERT INTO counters (name, n) SELECT name, count(*) FROM ("
    + " UNION ALL ".join(
        f"SELECT {k} AS name FROM tickets AS t WHERE t.is_open" for k in _sqlite_ticket_keys("t")
    )
    + " UNION ALL "
    + " UNION ALL ".join(f"SELECT {k} FROM alerts AS a" for k in _sqlite_alert_keys("a"))
    + ") WHERE name IS NOT NULL GROUP BY name"
)


# --- PostgreSQL --------------------------------------------------------------------------


def _pg_bucket(instant: str) -> str:
    return f"left(to_char({instant} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), 15)"


PG_FUNCTIONS = [
    f"""CREATE FUNCTION dispatch_ticket_counter_keys(
            assignee integer, due timestamptz, warn timestamptz
        ) RETURNS text[] LANGUAGE sql STABLE AS $$
        SELECT ARRAY['assignee:' || coalesce(assignee::text, '-'), 'due:' || {_pg_bucket("due")}]
            || CASE WHEN warn <= due
                THEN ARRAY['risk:' || {_pg_bucket("warn")}, 'riskend:' || {_pg_bucket("due")}]
                ELSE ARRAY[]::text[] END
        $$""",
    """CREATE FUNCTION dispatch_count(minus text[], plus text[]) RETURNS void
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO counters (name, n)
                SELECT c.name, sum(c.d) FROM (
                    SELECT unnest(minus) AS name, -1 AS d
                    UNION ALL SELECT unnest(plus), 1
                ) AS c
                GROUP BY c.name HAVING sum(c.d) <> 0 ORDER BY c.name
                ON CONFLICT (name) DO UPDATE SET n = counters.n + excluded.n;
            DELETE FROM counters WHERE n = 0 AND name = ANY (minus);
        END
        $$""",
    """CREATE FUNCTION dispatch_ticket_counters() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            minus text[] := '{}';
            plus text[] := '{}';
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                IF OLD.is_open THEN
                    minus := dispatch_ticket_counter_keys(
                        OLD.assignee_id, OLD.queue_due, OLD.queue_warn);
                END IF;
            END IF;
            IF TG_OP <> 'DELETE' THEN
                IF NEW.is_open THEN
                    plus := dispatch_ticket_counter_keys(
                        NEW.assignee_id, NEW.queue_due, NEW.queue_warn);
                END IF;
            END IF;
            PERFORM dispatch_count(minus, plus);
            RETURN NULL;
        END
        $$""",
    """CREATE FUNCTION dispatch_alert_counters() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            minus text[] := '{}';
            plus text[] := '{}';
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                IF OLD.level = 'breach' AND OLD.acked_at IS NULL THEN
                    minus := ARRAY['unacked:breach'];
                END IF;
            END IF;
            IF TG_OP <> 'DELETE' THEN
                IF NEW.level = 'breach' AND NEW.acked_at IS NULL THEN
                    plus := ARRAY['unacked:breach'];
                END IF;
            END IF;
            PERFORM dispatch_count(minus, plus);
            RETURN NULL;
        END
        $$""",
]

PG_TRIGGERS = [
    """CREATE TRIGGER counters_ticket
        AFTER INSERT OR DELETE OR UPDATE OF is_open, assignee_id, queue_due, queue_warn
        ON tickets FOR EACH ROW EXECUTE FUNCTION dispatch_ticket_counters()""",
    """CREATE TRIGGER counters_alert AFTER INSERT OR DELETE OR UPDATE OF level, acked_at
        ON alerts FOR EACH ROW EXECUTE FUNCTION dispatch_alert_counters()""",
]

PG_BACKFILL = """INSERT INTO counters (name, n)
    SELECT name, count(*) FROM (
        SELECT unnest(dispatch_ticket_counter_keys(assignee_id, queue_due, queue_warn)) AS name
        FROM tickets WHERE is_open
        UNION ALL
        SELECT 'unacked:breach' FROM alerts WHERE level = 'breach' AND acked_at IS NULL
    ) AS k GROUP BY name"""


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "counters",
        # Names are read in ranges ("due:" up to now's bucket): byte order, not the
        # database's language collation, which may skip punctuation (SQLite: always).
        sa.Column("name", sa.String(length=64, collation=None if sqlite else "C"), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counters")),
    )
    # Triggers first, then the backfill, in one transaction: on PostgreSQL the
    # triggers' lock on the tables holds writers back until the counts are in.
    if sqlite:
        for trigger in _sqlite_triggers():
            op.execute(trigger)
        op.execute(SQLITE_BACKFILL)
    else:
        for statement in (*PG_FUNCTIONS, *PG_TRIGGERS):
            op.execute(statement)
        op.execute(PG_BACKFILL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in ("ticket", "alert"):
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS counters_{table}_{event}")
    else:
        op.execute("DROP TRIGGER IF EXISTS counters_ticket ON tickets")
        op.execute("DROP TRIGGER IF EXISTS counters_alert ON alerts")
        op.execute("DROP FUNCTION IF EXISTS dispatch_ticket_counters()")
        op.execute("DROP FUNCTION IF EXISTS dispatch_alert_counters()")
        op.execute("DROP FUNCTION IF EXISTS dispatch_count(text[], text[])")
        op.execute(
            "DROP FUNCTION IF EXISTS dispatch_ticket_counter_keys(integer, timestamptz, timestamptz)"
        )
    op.drop_table("counters")
