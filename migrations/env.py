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


def _run(connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        if connection.exec_driver_sql(_HAS_CITUS).scalar():
            # Citus: DDL over many shards in one transaction must go one connection per node;
            # our triggers (updated_at, append-only audit) are safe on shards: they touch only
            # their own row.
            connection.exec_driver_sql("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'")
            connection.exec_driver_sql("SET LOCAL citus.enable_unsafe_triggers TO on")
        context.run_migrations()


_HAS_CITUS = "SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')"


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ["DATABASE_URL"]
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: they need a live catalog")
run_migrations_online()
