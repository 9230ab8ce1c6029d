"""master data: external ids, retiring, contacts, contract precedence and money terms

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

Customers, contracts and technicians get the id of the system they came from
(``external_id``, unique where set: an import upserts by it). Customers and
technicians can be retired (``retired_at``): their history stays, new work
cannot choose them. A customer's contacts get a table of their own (name,
e-mail addresses, phone numbers, role), how mail and calls are matched later;
the free-text ``customers.contact`` is moved into it (``"Name, +40 ..."``
becomes a name and a phone number) and dropped.

A contract gets an explicit ``precedence`` among its customer's contracts
that overlap in time (1 first): the contract new work falls under is never
chosen by accident. Existing contracts get theirs from the rule that chose
until now (the kind's priority, then the id), so nothing changes. And the money
terms the kinds have that were missing: a price per job, an agreed sum per
incident, a subscription's included hours and their overage rate (exact
numerics; the older float columns are migrated with the billing work).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PHONE = re.compile(r"^\+?[\d\s()./-]{5,}$")
"""What the tail of a legacy contact line must look like to be moved as a phone number."""

RANK = {
    "subscription": 1,
    "managed": 1,
    "block_hours": 2,
    "time_material": 3,
    "per_job": 3,
    "ad_hoc": 3,
}
"""The kinds' queue priority as migration 0001 knew it (frozen here, not imported)."""


def split_contact(text: str) -> tuple[str, list[str]]:
    """``"Georgi Dimitrov, +359 2 555 4410"`` -> the name and its phone numbers."""
    name, sep, tail = text.rpartition(",")
    if sep and name.strip() and PHONE.match(tail.strip()):
        return name.strip(), [tail.strip()]
    return text.strip(), []


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("emails", sa.JSON(), nullable=False),
        sa.Column("phones", sa.JSON(), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_contacts_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    op.create_index("ix_contacts_customer_id", "contacts", ["customer_id"])
    op.create_index("ix_contacts_external_id", "contacts", ["external_id"], unique=True)

    bind = op.get_bind()
    customers = bind.execute(sa.text("SELECT id, contact FROM customers")).all()
    contacts = sa.table(
        "contacts",
        sa.column("customer_id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("emails", sa.JSON()),
        sa.column("phones", sa.JSON()),
        sa.column("role", sa.String()),
    )
    moved = []
    for customer_id, text in customers:
        if text and text.strip():
            name, phones = split_contact(text)
            moved.append(
                {
                    "customer_id": customer_id,
                    "name": name,
                    "emails": [],
                    "phones": phones,
                    "role": "",
                }
            )
    if moved:
        op.bulk_insert(contacts, moved)

    # Plain ALTER TABLE on both backends (SQLite 3.35+ drops a column in place):
    # a batch copy of customers or contracts would have to drop a table that
    # tickets reference, which SQLite refuses with foreign keys on.
    for table in ("customers", "technicians", "contracts"):
        op.add_column(table, sa.Column("external_id", sa.String(length=200), nullable=True))
        op.create_index(f"ix_{table}_external_id", table, ["external_id"], unique=True)
    for table in ("customers", "technicians"):
        op.add_column(table, sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    op.drop_column("customers", "contact")
    op.add_column(
        "contracts", sa.Column("precedence", sa.Integer(), nullable=False, server_default="1")
    )
    op.add_column("contracts", sa.Column("job_price", sa.Numeric(12, 2), nullable=True))
    op.add_column("contracts", sa.Column("incident_price", sa.Numeric(12, 2), nullable=True))
    op.add_column("contracts", sa.Column("included_hours", sa.Numeric(10, 2), nullable=True))
    op.add_column("contracts", sa.Column("overage_rate", sa.Numeric(12, 2), nullable=True))

    rows = bind.execute(sa.text("SELECT id, customer_id, kind FROM contracts")).all()
    by_customer: dict[int, list[tuple[int, int]]] = {}
    for contract_id, customer_id, kind in rows:
        by_customer.setdefault(customer_id, []).append((RANK.get(kind, 3), contract_id))
    for own in by_customer.values():
        for precedence, (_, contract_id) in enumerate(sorted(own), start=1):
            bind.execute(
                sa.text("UPDATE contracts SET precedence = :p WHERE id = :id"),
                {"p": precedence, "id": contract_id},
            )


def downgrade() -> None:
    for name in ("overage_rate", "included_hours", "incident_price", "job_price", "precedence"):
        op.drop_column("contracts", name)
    op.add_column("customers", sa.Column("contact", sa.Text(), nullable=False, server_default=""))
    bind = op.get_bind()
    for customer_id, name, phones in bind.execute(
        sa.text("SELECT customer_id, name, phones FROM contacts ORDER BY id DESC")
    ).all():
        numbers = phones if isinstance(phones, list) else json.loads(phones or "[]")
        bind.execute(
            sa.text("UPDATE customers SET contact = :c WHERE id = :id"),
            {"c": ", ".join([name, *numbers[:1]]), "id": customer_id},
        )
    for table in ("customers", "technicians"):
        op.drop_column(table, "retired_at")
    for table in ("customers", "technicians", "contracts"):
        op.drop_index(f"ix_{table}_external_id", table_name=table)
        op.drop_column(table, "external_id")
    op.drop_index("ix_contacts_customer_id", table_name="contacts")
    op.drop_table("contacts")
