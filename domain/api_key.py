"""API keys: org-scoped machine credentials, shown once, stored as a hash, limited by scopes."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, timedelta

from attrs import define, field

from domain.errors import InvalidInput

KEY_PREFIX = "gw"


class Scope(enum.StrEnum):
    ORG_READ = "org:read"
    ORG_WRITE = "org:write"
    MEMBERS_WRITE = "members:write"
    AUDIT_READ = "audit:read"


def parse_scopes(raw: list[str]) -> frozenset[Scope]:
    try:
        scopes = frozenset(Scope(str(s).strip().lower()) for s in raw)
    except ValueError:
        allowed = ", ".join(s.value for s in Scope)
        raise InvalidInput(f"unknown scope; choose from {allowed}", code="invalid_scope",
                           errors={"scopes": [f"each must be one of {allowed}"]}) from None
    if not scopes:
        raise InvalidInput("an API key needs at least one scope", code="invalid_scope",
                           errors={"scopes": ["must name at least one scope"]})
    return scopes


@define(slots=False)
class ApiKey:
    org_id: uuid.UUID
    id: uuid.UUID
    name: str
    prefix: str
    secret_hash: str
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    scopes: frozenset[Scope] = field(factory=frozenset)
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    def revoke(self, now: datetime) -> None:
        if self.revoked_at is None:
            self.revoked_at = now
            self.updated_at = now

    def record_use(self, now: datetime, *, resolution: timedelta) -> bool:
        """Note a use; True when it is worth storing (the first, or the last is older than `resolution`)."""
        if self.last_used_at is not None and now - self.last_used_at < resolution:
            return False
        self.last_used_at = now
        return True
