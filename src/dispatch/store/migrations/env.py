"""Alembic environment: runs on the connection dispatch hands it, never its own."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from dispatch.store.schema import Base, include_name

connection: Connection | None = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("dispatch migrations run through `dispatch db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things; batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
