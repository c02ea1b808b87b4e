"""The owner's side of the database: work the application's role may never do (purging an org,
erasing a person, audit retention). It runs on a connection with the owner's credentials, never
on the request path, in a transaction bound to one org (RLS is forced on the owner too) that
declares itself maintenance, which lets it change audit entries (migration 0018)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, create_engine, pool


def owner_engine(url) -> Engine:
    return create_engine(url, poolclass=pool.NullPool, hide_parameters=True)


@contextmanager
def maintenance(engine: Engine, org_id: uuid.UUID | None) -> Iterator[Connection]:
    """One transaction as the owner, bound to `org_id` (or to no org), allowed to change audit
    entries; committed when the block ends without an exception."""
    with engine.connect() as conn, maintenance_on(conn, org_id):
        yield conn


@contextmanager
def maintenance_on(conn: Connection, org_id: uuid.UUID | None) -> Iterator[Connection]:
    """`maintenance` on a connection of the owner's engine that the caller holds: for work that
    visits many orgs, a transaction each, without a new connection each."""
    with conn.begin():
        # SET LOCAL, not set_config(): Citus passes SET LOCAL on to the workers' transactions.
        conn.exec_driver_sql("SET LOCAL groundwork.audit_maintenance = 'on'")
        conn.exec_driver_sql(f"SET LOCAL app.org_id = '{uuid.UUID(str(org_id))}'" if org_id
                             else "SET LOCAL app.org_id = ''")
        yield conn
