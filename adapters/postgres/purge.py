"""An org's rows deleted, every tenant table and then the org, on the owner's maintenance path
(the audit log is append-only for everyone else)."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine, delete

from adapters.postgres.maintenance import maintenance
from adapters.postgres.tables import metadata, org
from application.ports.maintenance import OrgPurger


def tenant_tables() -> list:
    """Every table with an org_id, children before the tables they refer to."""
    return [t for t in reversed(metadata.sorted_tables) if "org_id" in t.c]


class PgOrgPurger(OrgPurger):
    def __init__(self, owner_engine: Engine) -> None:
        self._engine = owner_engine

    def purge(self, org_id: uuid.UUID) -> dict[str, int]:
        counts: dict[str, int] = {}
        with maintenance(self._engine, org_id) as conn:
            for table in tenant_tables():
                counts[table.name] = conn.execute(
                    delete(table).where(table.c.org_id == org_id)).rowcount
            counts["org"] = conn.execute(delete(org).where(org.c.id == org_id)).rowcount
        return counts
