from __future__ import annotations

import uuid
from datetime import datetime

from attrs import define


@define(slots=False)
class EmailToken:
    """A single-use, expiring link that proves a person receives mail at `email`. Only its
    hash is stored."""

    id: uuid.UUID
    user_id: uuid.UUID
    email: str
    token_hash: str
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    used_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at

    def use(self, now: datetime) -> None:
        self.used_at = self.updated_at = now

    def expire(self, now: datetime) -> None:
        """Replaced by a newer link: this one ends unused."""
        self.expires_at = self.updated_at = now
