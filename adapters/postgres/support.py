"""Support grants, and the platform's reports read as the `<database>_platform` role."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine, select, text, update

from adapters.postgres.tables import support_grants
from adapters.postgres.tenant_repositories import TenantScoped
from application.ports.support import OrgReport, PlatformReports, SupportGrantRepository
from domain.support import SupportGrant

_COLUMNS = ("org_id", "id", "operator", "reason", "expires_at", "closed_at", "created_at",
            "updated_at")


class PgSupportGrants(TenantScoped, SupportGrantRepository):
    def add(self, grant: SupportGrant) -> None:
        self._execute(support_grants.insert().values(**_values(grant)))

    def update(self, grant: SupportGrant) -> None:
        self._execute(update(support_grants).where(
            support_grants.c.org_id == grant.org_id, support_grants.c.id == grant.id).values(
            closed_at=grant.closed_at, updated_at=grant.updated_at))

    def list(self, org_id: uuid.UUID) -> list[SupportGrant]:
        rows = self._execute(select(support_grants).where(support_grants.c.org_id == org_id)
                             .order_by(support_grants.c.created_at.desc(),
                                       support_grants.c.id.desc()))
        return [SupportGrant(**{c: getattr(row, c) for c in _COLUMNS}) for row in rows]


def _values(grant: SupportGrant) -> dict:
    return {c: getattr(grant, c) for c in _COLUMNS}


_AS_PLATFORM = text("SELECT format('SET LOCAL ROLE %I', current_database() || '_platform')")
_REPORT = text("SELECT * FROM platform.org_report()")


class PgPlatformReports(PlatformReports):
    """On the owner's connection, as the platform role for one read-only transaction: it may
    call the report functions and touch no table."""

    def __init__(self, owner_engine: Engine) -> None:
        self._engine = owner_engine

    def orgs(self) -> list[OrgReport]:
        with self._engine.connect() as conn, conn.begin():
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            conn.exec_driver_sql(conn.execute(_AS_PLATFORM).scalar_one())
            return [OrgReport(**row._asdict()) for row in conn.execute(_REPORT)]
