"""Alembic environment of the service database: runs on the connection Warden hands over."""

from __future__ import annotations

from alembic import context

from warden.servicedb.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
