from __future__ import annotations

import uuid
from datetime import datetime

from attrs import define


@define(slots=False)
class Session:
    """One sign-in of a user into one org. Its refresh token rotates; revocation is final."""

    org_id: uuid.UUID
    id: uuid.UUID
    user_id: uuid.UUID
    refresh_token_id: str
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    ip: str | None = None
    user_agent: str | None = None

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def rotate(self, refresh_token_id: str, now: datetime) -> None:
        self.refresh_token_id = refresh_token_id
        self.updated_at = now

    def revoke(self, reason: str, now: datetime) -> None:
        if self.revoked_at is None:
            self.revoked_at = now
            self.revoked_reason = reason
            self.updated_at = now
