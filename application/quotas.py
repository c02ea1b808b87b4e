"""Plans and quotas: what an org may have, what it uses, and the check every addition makes.

An addition (a member, an API key, an invitation) first holds the org's quota (one such
transaction at a time per org), then counts, then adds: of 50 parallel additions against a
limit of 5, exactly five pass and 45 get 409 `quota_exceeded` naming the limit.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from attrs import define

from application.permissions import Permission
from application.ports.object_store import ObjectStore, org_prefix
from application.ports.system import Clock
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.principals import Caller, enter
from domain.audit import Actor, AuditEvent
from domain.errors import NotFound
from domain.organization import parse_plan
from domain.quota import Limit, checked_limit_value, parse_limit


def enforce(uow: UnitOfWork, org_id: uuid.UUID, limit: Limit, now: datetime) -> None:
    """Before adding one of `limit` in the bound org: hold, count, refuse past the limit."""
    uow.quotas.hold(org_id)
    uow.quotas.limits(org_id).check(limit, uow.quotas.usage(org_id, now)[limit])


@define(frozen=True)
class LimitUse:
    name: str
    limit: int | None
    used: int


@define(frozen=True)
class Usage:
    plan: str
    limits: list[LimitUse]


class QuotaService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, store: ObjectStore) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._store = store

    def usage(self, slug: str, actor: Caller) -> Usage:
        """Each limit of the org with its current use (any member may look)."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            principal = enter(uow, actor, Permission.READ_ORG, slug=slug, now=now)
            limits = uow.quotas.limits(principal.org.id)
            used = uow.quotas.usage(principal.org.id, now)
            uow.commit()  # an API key's last use, if enter() noted one
        used[Limit.STORAGE_BYTES] = sum(o.size for o in self._store.list(org_prefix(principal.org.id)))
        return Usage(plan=limits.plan, limits=[
            LimitUse(name=limit.value, limit=limits.values[limit], used=used[limit])
            for limit in Limit if limit in used])

    def plans(self) -> dict[str, dict[str, int | None]]:
        with self._uow_factory() as uow:
            return uow.quotas.plans()

    def set_plan_limit(self, plan: str, name: str, value: int | None) -> dict[str, int | None]:
        """An operator changes one limit of a plan, for every org on it."""
        limit, value = parse_limit(name), checked_limit_value(value)
        with self._uow_factory() as uow:
            limits = uow.quotas.plans().get(parse_plan(plan).value)
            if limits is None:
                raise NotFound(f"no plan {plan!r}", code="plan_not_found")
            limits[limit.value] = value
            uow.quotas.set_plan_limits(parse_plan(plan).value, limits)
            uow.commit()
        return limits

    def move_to_plan(self, slug: str, plan: str, actor: Actor) -> str:
        """An operator moves an org to another plan; audited in the org."""
        with self._uow_factory() as uow:
            principal = enter(uow, actor, None, slug=slug, now=self._clock.now(), lock_org=True)
            org, before = principal.org, str(principal.org.plan)
            org.change_plan(plan, self._clock.now())
            uow.orgs.update(org)
            uow.audit.append(org.id, AuditEvent(
                actor=actor, action="org.plan_changed", resource_type="org",
                resource_id=str(org.id), details={"from": before, "to": str(org.plan)}))
            uow.commit()
        return str(org.plan)

    def override(self, slug: str, name: str, value: int | None, actor: Actor, *,
                 clear: bool = False) -> dict[str, int | None]:
        """An operator sets (or clears) one of an org's own limits, over its plan's; audited."""
        limit = parse_limit(name)
        value = None if clear else checked_limit_value(value)
        with self._uow_factory() as uow:
            principal = enter(uow, actor, None, slug=slug, now=self._clock.now(), lock_org=True)
            overrides = uow.quotas.overrides(principal.org.id)
            if clear:
                overrides.pop(limit.value, None)
            else:
                overrides[limit.value] = value
            uow.quotas.set_overrides(principal.org.id, overrides)
            uow.audit.append(principal.org.id, AuditEvent(
                actor=actor, action="org.limit_overridden", resource_type="org",
                resource_id=str(principal.org.id),
                details={"limit": limit.value, "value": value, "cleared": clear}))
            uow.commit()
        return overrides
