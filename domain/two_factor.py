"""Two-factor sign-in: a person's time-based one-time password (RFC 6238) and their recovery
codes.

The secret is kept sealed (encrypted with a server key); the application opens it to check a
code. A code is accepted once: the newest accepted time step is remembered, and a code for it or
an older step is refused. Recovery codes are kept as keyed digests, each usable once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from attrs import define

RECOVERY_CODE_COUNT = 10


@define(slots=False)
class TotpFactor:
    id: uuid.UUID
    user_id: uuid.UUID
    sealed_secret: str
    created_at: datetime
    updated_at: datetime
    confirmed_at: datetime | None = None
    last_step: int = 0  # the newest time step whose code was accepted

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    def accept(self, step: int, now: datetime) -> bool:
        """A code for time step `step` was right: true when it is newer than any accepted, and
        confirms the factor if it was not yet."""
        if step <= self.last_step:
            return False
        self.last_step = step
        if self.confirmed_at is None:
            self.confirmed_at = now
        self.updated_at = now
        return True


@define(slots=False)
class RecoveryCode:
    id: uuid.UUID
    user_id: uuid.UUID
    code_digest: str
    created_at: datetime
    updated_at: datetime
    used_at: datetime | None = None

    def use(self, now: datetime) -> None:
        self.used_at = self.updated_at = now
