"""Login throttling on the `limits` library: in process memory, or in Redis across servers."""

from __future__ import annotations

import hashlib
import math
import time

from limits import parse, storage, strategies

from application.ports.security import LoginThrottle

PER_ACCOUNT = "10/15 minutes"
PER_IP = "100/15 minutes"


class LimitsLoginThrottle(LoginThrottle):
    def __init__(self, storage_uri: str = "memory://", *, per_account: str = PER_ACCOUNT,
                 per_ip: str = PER_IP, namespace: str = "groundwork") -> None:
        self._storage = storage.storage_from_string(storage_uri)
        self._limiter = strategies.FixedWindowRateLimiter(self._storage)
        try:
            self._per_account = parse(per_account)
            self._per_ip = parse(per_ip)
        except ValueError:
            raise ValueError("login limits look like '10/15 minutes' or '100/hour'") from None
        self._namespace = namespace

    def reserve(self, account: str, ip: str | None) -> int | None:
        checks = [(self._per_account, "account", _digest(account))]
        if ip:
            checks.append((self._per_ip, "ip", ip))
        for item, kind, key in checks:
            if not self._limiter.hit(item, self._namespace, kind, key):
                reset_at = self._limiter.get_window_stats(item, self._namespace, kind, key).reset_time
                return max(1, math.ceil(reset_at - time.time()))
        return None

    def reset(self, account: str) -> None:
        self._limiter.clear(self._per_account, self._namespace, "account", _digest(account))


def _digest(account: str) -> str:
    """Keys in Redis name no email address."""
    return hashlib.sha256(account.strip().lower().encode()).hexdigest()[:32]
