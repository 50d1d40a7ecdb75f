"""Alembic's entry point: run the migrations on the connection `monitor.migrations.upgrade` passes."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
