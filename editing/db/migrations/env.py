"""Alembic environment: runs on the connection handed in by editing.db.engine.migrate,
or, from the `alembic` command line, on DATABASE_URL / the embedded server."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from editing.db.models import Base, include_name

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, include_name=include_name)
        with context.begin_transaction():
            context.run_migrations()
        return
    from editing.config import load_settings
    from editing.db.engine import resolve_database_url

    engine = create_engine(resolve_database_url(load_settings()))
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, include_name=include_name)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
