"""Support grants and the platform's reports in memory (see adapters/memory/store.py)."""

from __future__ import annotations

import uuid

from adapters.memory.store import MemoryStore
from adapters.memory.tenant_repositories import TenantScoped
from application.errors import TenantContextMissing
from application.ports.support import OrgReport, PlatformReports, SupportGrantRepository
from application.ports.system import Clock
from domain.organization import OrgStatus
from domain.quota import Limit, Limits
from domain.support import SupportGrant


class MemorySupportGrants(TenantScoped, SupportGrantRepository):
    def add(self, grant: SupportGrant) -> None:
        if not self._visible(grant.org_id):
            raise TenantContextMissing("a grant may only be added to the bound organization")
        self._t.support_grants[(grant.org_id, grant.id)] = grant

    def update(self, grant: SupportGrant) -> None:
        if self._visible(grant.org_id) and (grant.org_id, grant.id) in self._t.support_grants:
            self._t.support_grants[(grant.org_id, grant.id)] = grant

    def list(self, org_id: uuid.UUID) -> list[SupportGrant]:
        if not self._visible(org_id):
            return []
        grants = self._t.support_grants  # handed out by key: the transaction's own copies
        found = [grants[key] for key in grants if key[0] == org_id]
        return sorted(found, key=lambda g: (g.created_at, g.id), reverse=True)


class MemoryPlatformReports(PlatformReports):
    def __init__(self, store: MemoryStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def orgs(self) -> list[OrgReport]:
        now, t = self._clock.now(), self._store.committed
        reports = []
        for org in sorted(t.orgs.values(), key=lambda o: o.slug):
            if org.status is OrgStatus.DELETED:
                continue
            limits = Limits.of(org.plan, t.plans[org.plan], t.quota_overrides.get(org.id, {}))
            chain = t.audit.get(org.id) or []
            reports.append(OrgReport(
                id=org.id, slug=org.slug, plan=str(org.plan), status=str(org.status),
                members=sum(1 for o, _ in t.members if o == org.id),
                api_keys=sum(1 for (o, _), k in t.api_keys.items() if o == org.id and k.usable(now)),
                max_members=limits.values[Limit.MEMBERS],
                max_api_keys=limits.values[Limit.API_KEYS],
                last_activity=max((e.created_at for e in chain), default=None),
                created_at=org.created_at))
        return reports
