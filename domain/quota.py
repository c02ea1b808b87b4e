"""Plans and their limits: how many members, API keys and pending invitations an org may have,
how many bytes it may store, how many requests a minute it may make, how many days its audit
entries are kept. A limit of None is none. An org's own overrides win over its plan's."""

from __future__ import annotations

import enum
from typing import Any

from attrs import define

from domain.errors import Conflict, InvalidInput

MAX_LIMIT = 2**53  # within any JSON reader's exact integers


class Limit(enum.StrEnum):
    MEMBERS = "members"
    API_KEYS = "api_keys"
    PENDING_INVITATIONS = "pending_invitations"
    STORAGE_BYTES = "storage_bytes"
    REQUESTS_PER_MINUTE = "requests_per_minute"
    AUDIT_RETENTION_DAYS = "audit_retention_days"  # applied by `groundwork audit prune`


DEFAULT_PLAN_LIMITS: dict[str, dict[str, int | None]] = {
    "free": {"members": 5, "api_keys": 3, "pending_invitations": 10,
             "storage_bytes": 1 * 1024**3, "requests_per_minute": 600,
             "audit_retention_days": 365},
    "pro": {"members": 50, "api_keys": 25, "pending_invitations": 100,
            "storage_bytes": 50 * 1024**3, "requests_per_minute": 6000,
            "audit_retention_days": 730},
    "enterprise": {"members": None, "api_keys": None, "pending_invitations": None,
                   "storage_bytes": None, "requests_per_minute": None,
                   "audit_retention_days": None},
}


class QuotaExceeded(Conflict):
    """An org is at one of its limits; the change would pass it."""

    def __init__(self, limit: Limit, allowed: int) -> None:
        super().__init__(f"the organization's limit of {allowed} {limit.value.replace('_', ' ')} "
                         "is reached: remove some, or move to a larger plan",
                         code="quota_exceeded", limit=limit.value, allowed=allowed)
        self.limit = limit
        self.allowed = allowed


def parse_limit(name: str) -> Limit:
    try:
        return Limit(name)
    except ValueError:
        raise InvalidInput(f"unknown limit {name!r}; one of: "
                           f"{', '.join(v.value for v in Limit)}", code="invalid_limit") from None


def checked_limit_value(value: Any) -> int | None:
    """A limit: a whole number from 0, or None for none."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_LIMIT:
        raise InvalidInput(f"a limit must be a whole number from 0 to {MAX_LIMIT}, or none",
                           code="invalid_limit")
    return value


@define(frozen=True)
class Limits:
    """An org's effective limits: its plan's, with its own overrides over them."""

    plan: str
    values: dict[Limit, int | None]

    @classmethod
    def of(cls, plan: str, plan_limits: dict[str, Any], overrides: dict[str, Any]) -> Limits:
        merged = {**plan_limits, **overrides}
        return cls(plan=plan, values={limit: merged.get(limit.value) for limit in Limit})

    def check(self, limit: Limit, used: int, adding: int = 1) -> None:
        allowed = self.values.get(limit)
        if allowed is not None and used + adding > allowed:
            raise QuotaExceeded(limit, allowed)
