"""Tenant tables in memory: members, and the tenant guard every tenant repository builds on,
the twin of PostgreSQL's row-level security. Rows are looked at without copying and handed out
with `table[key]`, as in adapters/memory/global_repositories.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

import attrs

from adapters.memory.draft_table import first_row
from adapters.memory.store import Draft
from application.errors import TenantContextMissing
from application.ports.repositories import MemberRepository, TenantData
from domain.errors import Conflict
from domain.member import Member, Role

BoundOrg = Callable[[], uuid.UUID | None]
BoundUser = Callable[[], uuid.UUID | None]


class TenantScoped:
    """Refuses to work with no org bound and sees only the bound org, as RLS does.

    In a user scope (bound to a user, not an org) tenant rows are invisible, not an error.
    """

    def __init__(self, tables: Draft, bound_org: BoundOrg, bound_user: BoundUser) -> None:
        self._t = tables
        self._bound_org = bound_org
        self._bound_user = bound_user

    def _visible(self, org_id: uuid.UUID) -> bool:
        bound = self._bound_org()
        if bound is None:
            if self._bound_user() is not None:
                return False
            raise TenantContextMissing("tenant context missing: bind an organization first")
        return bound == org_id

    def _sees_member(self, member: Member) -> bool:
        """RLS on members: the bound org's rows; in a user scope, the user's own rows too
        (PostgreSQL's member_self_read policy, for reading only)."""
        bound, user = self._bound_org(), self._bound_user()
        if bound is None and user is None:
            raise TenantContextMissing("tenant context missing: bind an organization first")
        return member.org_id == bound if bound is not None else member.user_id == user


class MemoryMembers(TenantScoped, MemberRepository):
    def add(self, member: Member) -> None:
        if not self._visible(member.org_id):
            raise TenantContextMissing("a member may only be added to the bound organization")
        if any(m.user_id == member.user_id for _, m in self._rows(member.org_id)):
            raise Conflict("the user is already a member", code="already_member")
        self._t.members[(member.org_id, member.id)] = member

    def get(self, org_id: uuid.UUID, member_id: uuid.UUID) -> Member | None:
        found = self._t.members.peek((org_id, member_id))
        return self._t.members[(org_id, member_id)] if found and self._sees_member(found) else None

    def get_by_user(self, org_id: uuid.UUID, user_id: uuid.UUID) -> Member | None:
        return first_row(self._t.members, (k for k, m in self._rows(org_id) if m.user_id == user_id))

    def _rows(self, org_id: uuid.UUID) -> list[tuple[tuple[uuid.UUID, uuid.UUID], Member]]:
        """The org's members this transaction may read, in order, not handed out: for looking."""
        found = [(k, m) for k, m in self._t.members.items()
                 if k[0] == org_id and self._sees_member(m)]
        return sorted(found, key=lambda row: (row[1].created_at, row[1].id))

    def update(self, member: Member) -> None:
        key = (member.org_id, member.id)
        if self._visible(member.org_id) and key in self._t.members:
            self._t.members[key] = member

    def remove(self, org_id: uuid.UUID, member_id: uuid.UUID) -> None:
        if not self._visible(org_id):
            return
        for key, _ in [row for row in self._rows(org_id) if row[1].invited_by == member_id]:
            invited = self._t.members[key]
            invited.invited_by = None
            self._t.members[key] = invited
        self._t.members.pop((org_id, member_id), None)

    def memberships_of_user(self, user_id: uuid.UUID) -> list[Member]:
        bound_org, bound_user = self._bound_org(), self._bound_user()
        if bound_org is None and bound_user is None:
            raise TenantContextMissing("tenant context missing: bind the user first")
        found = [(k, m) for k, m in self._t.members.items() if m.user_id == user_id
                 and (m.org_id == bound_org if bound_org else m.user_id == bound_user)]
        found.sort(key=lambda row: (row[1].created_at, row[1].id))
        return [self._t.members[k] for k, _ in found]

    def hold(self, org_id: uuid.UUID, user_id: uuid.UUID, *,
             exclusive: bool = False) -> Member | None:
        """Units of work run one at a time here: nothing can change it before commit."""
        return self.get_by_user(org_id, user_id)

    def note_sign_in(self, org_id: uuid.UUID, user_id: uuid.UUID, at: datetime) -> None:
        member = self.get_by_user(org_id, user_id)
        if member is not None and (member.last_sign_in_at is None or member.last_sign_in_at < at):
            self.update(attrs.evolve(member, last_sign_in_at=at, updated_at=at))

    def lock_owners(self, org_id: uuid.UUID) -> int:
        return sum(1 for _, m in self._rows(org_id) if m.role is Role.OWNER)


class MemoryTenantData(TenantScoped, TenantData):
    def blocking_dependencies(self, org_id: uuid.UUID) -> dict[str, int]:
        if not self._visible(org_id):
            return {}
        members = sum(1 for (oid, _), m in self._t.members.items()
                      if oid == org_id and m.role is not Role.OWNER)
        return {"members": members} if members else {}
