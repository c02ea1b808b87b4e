from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from attrs import define

from domain.member import Role


@define(slots=False)
class Invitation:
    """An offer to join an org with a role, accepted once with a secret sent by email."""

    org_id: uuid.UUID
    id: uuid.UUID
    email: str
    role: Role
    token_hash: str
    invited_by: uuid.UUID | None
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    accepted_at: datetime | None = None

    def open(self, now: datetime) -> bool:
        return self.accepted_at is None and now < self.expires_at

    def accept(self, now: datetime) -> None:
        self.accepted_at = now
        self.updated_at = now

    def expire(self, now: datetime) -> None:
        """Ends it unaccepted: the person who sent it lost the standing to."""
        self.expires_at = self.updated_at = now

    def renew(self, *, role: Role, token_hash: str, expires_at: datetime,
              invited_by: uuid.UUID | None, now: datetime) -> None:
        """Invited again: the new role and a new secret (the old link stops working)."""
        self.role, self.token_hash, self.expires_at = role, token_hash, expires_at
        self.invited_by, self.updated_at = invited_by, now

    def sent_within(self, window: timedelta, now: datetime) -> bool:
        return now - self.updated_at < window
