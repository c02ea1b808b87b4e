from __future__ import annotations

import enum
import uuid
from datetime import datetime

from attrs import define

from domain.choices import parse_choice
from domain.errors import InvariantViolated


class Role(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


def parse_role(raw: str) -> Role:
    return parse_choice(Role, raw, field="role")


@define(slots=False)
class Member:
    """A user's membership in one organization, with one role."""

    org_id: uuid.UUID
    id: uuid.UUID
    user_id: uuid.UUID
    role: Role
    created_at: datetime
    updated_at: datetime
    invited_by: uuid.UUID | None = None

    def change_role(self, role: Role, now: datetime, *, owners_left: int) -> None:
        if self.role is Role.OWNER and role is not Role.OWNER:
            ensure_an_owner_remains(owners_left - 1)
        self.role = role
        self.updated_at = now


def ensure_an_owner_remains(owners_after_change: int) -> None:
    """Every organization keeps at least one owner at all times."""
    if owners_after_change < 1:
        raise InvariantViolated("an organization must keep at least one owner",
                                code="last_owner")
