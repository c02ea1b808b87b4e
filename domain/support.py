"""Support access: an operator's expiring, reasoned grant to act in one org."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from attrs import define

from domain.errors import Forbidden, InvalidInput

MAX_MINUTES = 24 * 60
MAX_REASON = 500


@define(slots=False)
class SupportGrant:
    org_id: uuid.UUID
    id: uuid.UUID
    operator: str
    reason: str
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None

    @classmethod
    def open(cls, *, org_id: uuid.UUID, id: uuid.UUID, operator: str, reason: str,
             minutes: int, now: datetime) -> SupportGrant:
        reason = reason.strip()
        if not reason or len(reason) > MAX_REASON:
            raise InvalidInput(f"a reason of 1 to {MAX_REASON} characters is required",
                               code="invalid_reason")
        if not 1 <= minutes <= MAX_MINUTES:
            raise InvalidInput(f"minutes must be between 1 and {MAX_MINUTES}",
                               code="invalid_minutes")
        return cls(org_id=org_id, id=id, operator=operator, reason=reason,
                   expires_at=now + timedelta(minutes=minutes), created_at=now, updated_at=now)

    def is_open(self, now: datetime) -> bool:
        return self.state(now) == "open"

    def state(self, now: datetime) -> str:
        if self.closed_at is not None:
            return "closed"
        return "open" if now < self.expires_at else "expired"

    def close(self, now: datetime) -> None:
        self.closed_at = self.updated_at = now


def open_grant(grants: list[SupportGrant], operator: str, now: datetime) -> SupportGrant:
    """The operator's open grant among an org's grants, or Forbidden."""
    for grant in grants:
        if grant.operator == operator and grant.is_open(now):
            return grant
    raise Forbidden(f"{operator} has no open support grant for this organization: "
                    "run `groundwork support open --org SLUG --reason ... --minutes N` first",
                    code="no_support_grant")
