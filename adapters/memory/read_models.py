"""In-memory twins of the principal reads and the members directory."""

from __future__ import annotations

import uuid
from datetime import datetime

from adapters.memory.tenant_repositories import TenantScoped
from application.errors import TenantContextMissing
from application.ports.principals import KeyGrant, Principals, SessionGrant
from application.ports.read_models import (
    MemberCursor,
    MemberDirectory,
    Membership,
    MemberSummary,
)
from domain.member import Role
from domain.user import UserStatus


class MemoryPrincipals(TenantScoped, Principals):
    # `lock_org` needs nothing here: the store's lock serialises every unit of work.
    def of_session(self, org_id: uuid.UUID, session_id: uuid.UUID, user_id: uuid.UUID,
                   now: datetime, *, lock_org: bool = False) -> SessionGrant | None:
        if not self._visible(org_id):
            return None
        session = self._t.sessions.get((org_id, session_id))
        org, user = self._t.orgs.get(org_id), self._t.users.get(user_id)
        member = next((m for (oid, _), m in self._t.members.items()
                       if oid == org_id and m.user_id == user_id), None)
        if (session is None or session.user_id != user_id or not session.is_active(now)
                or org is None or not org.is_active or member is None or user is None
                or user.status is not UserStatus.ACTIVE):
            return None
        return SessionGrant(org=org, session_id=session.id, member_id=member.id, user_id=user.id,
                            email=user.email, full_name=user.full_name, role=member.role)

    def of_api_key(self, org_id: uuid.UUID, prefix: str, *,
                   lock_org: bool = False) -> KeyGrant | None:
        if not self._visible(org_id):
            return None
        org = self._t.orgs.get(org_id)
        found = next((row for row, k in self._t.api_keys.items()
                      if row[0] == org_id and k.prefix == prefix), None)
        if org is None or not org.is_active or found is None:
            return None
        key = self._t.api_keys[found]  # the transaction's own copy
        return KeyGrant(org=org, key=key, creator_role=self._creator_role(key))

    def _creator_role(self, key) -> Role | None:
        """As PostgreSQL's: the creator's role while they are an active member."""
        user = self._t.users.peek(key.created_by) if key.created_by else None
        if user is None or user.status is not UserStatus.ACTIVE:
            return None
        member = next((m for (oid, _), m in self._t.members.items()
                       if oid == key.org_id and m.user_id == user.id), None)
        return member.role if member else None


class MemoryMemberDirectory(TenantScoped, MemberDirectory):
    def page(self, org_id: uuid.UUID, *, after: MemberCursor | None,
             limit: int) -> list[MemberSummary]:
        found = sorted((m for (oid, _), m in self._t.members.items()
                        if oid == org_id and self._sees_member(m)),
                       key=lambda m: (m.created_at, m.id))
        if after is not None:
            found = [m for m in found if (m.created_at, m.id) > (after.created_at, after.id)]
        summaries = []
        for member in found[:limit]:
            user = self._t.users[member.user_id]
            summaries.append(MemberSummary(id=member.id, org_id=member.org_id, user_id=user.id,
                                           email=user.email, full_name=user.full_name,
                                           role=str(member.role), created_at=member.created_at,
                                           last_sign_in_at=member.last_sign_in_at))
        return summaries

    def memberships_of_user(self, user_id: uuid.UUID) -> list[Membership]:
        bound_org, bound_user = self._bound_org(), self._bound_user()
        if bound_org is None and bound_user is None:
            raise TenantContextMissing("tenant context missing: bind the user first")
        found = sorted((m for m in self._t.members.values() if m.user_id == user_id
                        and (m.org_id == bound_org if bound_org else m.user_id == bound_user)),
                       key=lambda m: (m.created_at, m.id))
        return [Membership(org=self._t.orgs[m.org_id], member_id=m.id, role=m.role) for m in found]
