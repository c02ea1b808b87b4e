"""Plans, limits and usage in PostgreSQL. The hold is a transaction-scoped advisory lock on the
org (on Citus, taken on the coordinator, through which every transaction goes): no row of a
reference table is locked."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, text, update

from adapters.postgres.tables import api_keys, invitations, members, org, plans
from adapters.postgres.transaction import Transaction
from application.ports.repositories import QuotaRepository
from domain.quota import Limit, Limits

_HOLD = text("SELECT pg_advisory_xact_lock(hashtextextended('quota:' || :org_id, 0))")


class PgQuotas(QuotaRepository):
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def limits(self, org_id: uuid.UUID) -> Limits:
        row = self._tx.execute(
            select(org.c.plan, org.c.quota_overrides, plans.c.limits)
            .select_from(org.join(plans, plans.c.name == org.c.plan))
            .where(org.c.id == org_id)).one()
        return Limits.of(row.plan, dict(row.limits), dict(row.quota_overrides))

    def hold(self, org_id: uuid.UUID) -> None:
        self._tx.execute(_HOLD, {"org_id": str(org_id)})

    def usage(self, org_id: uuid.UUID, now: datetime) -> dict[Limit, int]:
        k, i = api_keys.c, invitations.c
        counted = select(
            select(func.count()).select_from(members).where(members.c.org_id == org_id)
            .scalar_subquery().label("members"),
            select(func.count()).select_from(api_keys).where(
                k.org_id == org_id, k.revoked_at.is_(None),
                k.expires_at.is_(None) | (k.expires_at > now)).scalar_subquery().label("keys"),
            select(func.count()).select_from(invitations).where(
                i.org_id == org_id, i.accepted_at.is_(None), i.expires_at > now)
            .scalar_subquery().label("invitations"))
        row = self._tx.execute(counted).one()
        return {Limit.MEMBERS: row.members, Limit.API_KEYS: row.keys,
                Limit.PENDING_INVITATIONS: row.invitations}

    def plans(self) -> dict[str, dict[str, int | None]]:
        rows = self._tx.execute(select(plans.c.name, plans.c.limits).order_by(plans.c.name))
        return {row.name: dict(row.limits) for row in rows}

    def set_plan_limits(self, plan: str, limits: dict[str, int | None]) -> bool:
        return self._tx.execute(update(plans).where(plans.c.name == plan).values(
            limits=limits)).rowcount == 1

    def set_overrides(self, org_id: uuid.UUID, overrides: dict[str, int | None]) -> None:
        self._tx.execute(update(org).where(org.c.id == org_id).values(
            quota_overrides=overrides))

    def overrides(self, org_id: uuid.UUID) -> dict[str, int | None]:
        return dict(self._tx.execute(
            select(org.c.quota_overrides).where(org.c.id == org_id)).scalar_one())
