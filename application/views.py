"""What use cases hand back: plain, immutable values, never an entity or a row."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from attrs import define

from domain.member import Member
from domain.organization import Organization
from domain.user import User


@define(frozen=True)
class OrganizationView:
    id: uuid.UUID
    name: str
    slug: str
    plan: str
    settings: dict[str, Any]
    status: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, org: Organization) -> OrganizationView:
        return cls(id=org.id, name=org.name, slug=org.slug, plan=str(org.plan),
                   settings=dict(org.settings), status=str(org.status),
                   created_at=org.created_at, updated_at=org.updated_at)


@define(frozen=True)
class MemberView:
    id: uuid.UUID
    org_id: uuid.UUID
    user_id: uuid.UUID
    email: str
    full_name: str
    role: str
    created_at: datetime

    @classmethod
    def of(cls, member: Member, user: User) -> MemberView:
        return cls(id=member.id, org_id=member.org_id, user_id=user.id, email=user.email,
                   full_name=user.full_name, role=str(member.role),
                   created_at=member.created_at)
