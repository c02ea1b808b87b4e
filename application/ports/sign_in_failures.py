"""The platform's log of failed sign-ins: every failure, whether or not the address is known,
in one place that no caller can aim at an organization's audit log."""

from __future__ import annotations

import abc
import hashlib
import uuid
from datetime import datetime

from attrs import define


@define(frozen=True)
class SignInFailure:
    id: uuid.UUID
    created_at: datetime
    email_digest: str  # SHA-256 of the address as typed, normalised: the log names no address
    reason: str  # unknown_account, wrong_password, disabled, no_such_org, invalid_email,
    #              org_required (several orgs, none named), throttled (refused with 429)
    user_id: uuid.UUID | None = None
    ip: str | None = None
    user_agent: str | None = None


def email_digest(email: str) -> str:
    """How the log names an address (normalised as typed): by its SHA-256."""
    return hashlib.sha256(email.encode()).hexdigest()


class SignInFailureLog(abc.ABC):
    """Global (no tenant): written by sign-in before any organization is known."""

    @abc.abstractmethod
    def record(self, failure: SignInFailure) -> None: ...

    @abc.abstractmethod
    def recent(self, *, limit: int) -> list[SignInFailure]:
        """The newest failures first (for operators)."""
