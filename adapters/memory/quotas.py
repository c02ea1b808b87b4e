"""Plans, limits and usage in memory (see adapters/memory/store.py). Transactions are serial
here, so holding needs no lock of its own."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from adapters.memory.store import Draft
from application.errors import TenantContextMissing
from application.ports.repositories import QuotaRepository
from domain.quota import Limit, Limits


class MemoryQuotas(QuotaRepository):
    def __init__(self, tables: Draft, bound: Callable[[], uuid.UUID | None]) -> None:
        self._t = tables
        self._bound = bound

    def limits(self, org_id: uuid.UUID) -> Limits:
        org = self._t.orgs.peek(org_id)
        plan = str(org.plan)
        return Limits.of(plan, self._t.plans.peek(plan), self._t.quota_overrides.peek(org_id, {}))

    def hold(self, org_id: uuid.UUID) -> None:
        return None

    def usage(self, org_id: uuid.UUID, now: datetime) -> dict[Limit, int]:
        if self._bound() != org_id:
            raise TenantContextMissing("no tenant bound")
        return {
            Limit.MEMBERS: sum(1 for (o, _) in self._t.members if o == org_id),
            Limit.API_KEYS: sum(1 for (o, _), k in self._t.api_keys.items()
                                if o == org_id and k.revoked_at is None
                                and (k.expires_at is None or k.expires_at > now)),
            Limit.PENDING_INVITATIONS: sum(1 for (o, _), i in self._t.invitations.items()
                                           if o == org_id and i.accepted_at is None
                                           and i.expires_at > now),
        }

    def plans(self) -> dict[str, dict[str, int | None]]:
        return {name: dict(limits) for name, limits in sorted(self._t.plans.items())}

    def set_plan_limits(self, plan: str, limits: dict[str, int | None]) -> bool:
        if plan not in self._t.plans:
            return False
        self._t.plans[plan] = dict(limits)
        return True

    def set_overrides(self, org_id: uuid.UUID, overrides: dict[str, int | None]) -> None:
        self._t.quota_overrides[org_id] = dict(overrides)

    def overrides(self, org_id: uuid.UUID) -> dict[str, int | None]:
        return dict(self._t.quota_overrides.peek(org_id, {}))
