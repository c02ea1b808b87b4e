"""Read models: what lists and profiles show, read in one query each, never whole aggregates."""

from __future__ import annotations

import abc
import uuid
from datetime import datetime

from attrs import define

from domain.member import Role
from domain.organization import Organization


@define(frozen=True)
class MemberSummary:
    id: uuid.UUID
    org_id: uuid.UUID
    user_id: uuid.UUID
    email: str
    full_name: str
    role: str
    created_at: datetime
    last_sign_in_at: datetime | None


@define(frozen=True)
class MemberCursor:
    """Where a page of members ends: members are listed by (created_at, id)."""

    created_at: datetime
    id: uuid.UUID


@define(frozen=True)
class Membership:
    org: Organization
    member_id: uuid.UUID
    role: Role


class MemberDirectory(abc.ABC):
    @abc.abstractmethod
    def page(self, org_id: uuid.UUID, *, after: MemberCursor | None,
             limit: int) -> list[MemberSummary]:
        """Up to `limit` members after the cursor, with their names and emails (tenant bound)."""

    @abc.abstractmethod
    def memberships_of_user(self, user_id: uuid.UUID) -> list[Membership]:
        """Every org the person belongs to, with the org, in one read (user scope bound)."""
