"""Support access: an operator opens an expiring, reasoned grant to one org; what they do
under it is audited in that org's own chain, with the grant's id; the org's owners and admins
list the grants."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from attrs import define

from application.permissions import Permission
from application.ports.read_models import MemberCursor, MemberSummary
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.principals import Caller, Principal, enter
from domain.audit import Actor, AuditEvent
from domain.support import SupportGrant, open_grant

PAGE = 200


@define(frozen=True)
class OpenSupport:
    slug: str
    reason: str
    minutes: int
    actor: Actor


@define(frozen=True)
class SupportGrantView:
    id: uuid.UUID
    operator: str
    reason: str
    state: str
    expires_at: datetime
    closed_at: datetime | None
    created_at: datetime


def view(grant: SupportGrant, now: datetime) -> SupportGrantView:
    return SupportGrantView(id=grant.id, operator=grant.operator, reason=grant.reason,
                            state=grant.state(now), expires_at=grant.expires_at,
                            closed_at=grant.closed_at, created_at=grant.created_at)


class SupportService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids

    def open(self, cmd: OpenSupport) -> SupportGrantView:
        now = self._clock.now()
        with self._uow_factory() as uow:
            principal = enter(uow, cmd.actor, None, slug=cmd.slug, now=now)
            grant = SupportGrant.open(org_id=principal.org.id, id=self._ids.new_id(),
                                      operator=cmd.actor.label, reason=cmd.reason,
                                      minutes=cmd.minutes, now=now)
            uow.support_grants.add(grant)
            _audit(uow, principal, grant, "support.opened",
                   reason=grant.reason, expires_at=grant.expires_at.isoformat())
            uow.commit()
            return view(grant, now)

    def close(self, slug: str, actor: Actor) -> SupportGrantView:
        now = self._clock.now()
        with self._uow_factory() as uow:
            principal, grant = self._under_grant(uow, slug, actor, now)
            grant.close(now)
            uow.support_grants.update(grant)
            _audit(uow, principal, grant, "support.closed")
            uow.commit()
            return view(grant, now)

    def grants(self, slug: str, caller: Caller) -> list[SupportGrantView]:
        """The org's grants, newest first: for its owners and admins, and for operators."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            principal = enter(uow, caller, Permission.READ_AUDIT, slug=slug, now=now)
            found = uow.support_grants.list(principal.org.id)
            uow.commit()  # keeps an API key's last use, if enter() noted one
        return [view(grant, now) for grant in found]

    def members(self, slug: str, actor: Actor) -> list[MemberSummary]:
        """The org's members, read under the operator's open grant (audited)."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            principal, grant = self._under_grant(uow, slug, actor, now)
            found: list[MemberSummary] = []
            after = None
            while page := uow.directory.page(principal.org.id, after=after, limit=PAGE):
                found += page
                after = MemberCursor(page[-1].created_at, page[-1].id)
            _audit(uow, principal, grant, "support.members_read", count=len(found))
            uow.commit()
            return found

    def audit(self, slug: str, actor: Actor, *, limit: int) -> list[dict[str, Any]]:
        """The org's newest audit entries (up to `limit`), under the operator's open grant."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            principal, grant = self._under_grant(uow, slug, actor, now)
            entries = list(uow.audit.entries(principal.org.id))[-limit:]
            _audit(uow, principal, grant, "support.audit_read", count=len(entries))
            uow.commit()
        return [{"seq": e.seq, "created_at": e.created_at, "actor": e.actor_label,
                 "action": e.action, "resource_type": e.resource_type,
                 "resource_id": e.resource_id} for e in entries]

    def _under_grant(self, uow: UnitOfWork, slug: str, actor: Actor,
                     now: datetime) -> tuple[Principal, SupportGrant]:
        principal = enter(uow, actor, None, slug=slug, now=now)
        return principal, open_grant(uow.support_grants.list(principal.org.id), actor.label, now)


def _audit(uow: UnitOfWork, principal: Principal, grant: SupportGrant, action: str,
           **details: Any) -> None:
    uow.audit.append(principal.org.id, AuditEvent(
        actor=principal.actor, action=action, resource_type="support_grant",
        resource_id=str(grant.id), details={"grant_id": str(grant.id), **details}))
