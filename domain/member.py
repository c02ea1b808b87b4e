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
    last_sign_in_at: datetime | None = None  # None: never, or before it was recorded

    def change_role(self, role: Role, now: datetime, *, owners: int) -> None:
        self.ensure_an_owner_remains(becoming=role, owners=owners)
        self.role = role
        self.updated_at = now

    def ensure_an_owner_remains(self, *, becoming: Role | None, owners: int) -> None:
        """Every organization keeps an owner: the last one neither leaves (`becoming` None) nor
        is demoted. `owners` counts the org's owners before the change."""
        if self.role is Role.OWNER and becoming is not Role.OWNER and owners <= 1:
            raise InvariantViolated("an organization must keep at least one owner",
                                    code="last_owner")
