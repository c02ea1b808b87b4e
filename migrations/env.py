"""Alembic environment. Migrations run as the schema owner, never as the application role."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool

from adapters.postgres.tables import metadata

config = context.config


def _include_object(obj, name, type_, reflected, compare_to):
    # Alembic's own bookkeeping table is not part of the model.
    return not (type_ == "table" and name == "alembic_version")


def _configure(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      include_object=_include_object, compare_type=True)


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ["DATABASE_URL"]
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: they need a live catalog")
run_migrations_online()
