"""Attempt throttling (sign-ins, sign-ups) on the `limits` library: in Redis or in PostgreSQL
(one count across every server process), or in process memory (the in-memory backend).

Three caps: an account from one client address (tight: guessing a password), an account from
every address (slower: a spread-out guess), and a client address across accounts (spraying).
A stranger who exhausts the first locks out only themselves; the owner, from their own address,
still signs in until the much larger all-sources cap is reached."""

from __future__ import annotations

import hashlib
import math
import time

from limits import parse, storage, strategies

from application.ports.security import AttemptThrottle

PER_ACCOUNT = "10/15 minutes"      # one account from one address
PER_ACCOUNT_ALL = "100/hour"       # one account from all addresses
PER_IP = "100/15 minutes"          # one address across accounts


class LimitsAttemptThrottle(AttemptThrottle):
    def __init__(self, counters: str | storage.Storage = "memory://", *, per_account: str = PER_ACCOUNT,
                 per_ip: str = PER_IP, per_account_all: str = PER_ACCOUNT_ALL,
                 namespace: str = "groundwork") -> None:
        self._storage = (storage.storage_from_string(counters) if isinstance(counters, str)
                         else counters)
        self._limiter = strategies.FixedWindowRateLimiter(self._storage)
        try:
            self._per_account = parse(per_account)
            self._per_account_all = parse(per_account_all)
            self._per_ip = parse(per_ip)
        except ValueError:
            raise ValueError("login limits look like '10/15 minutes' or '100/hour'") from None
        self._namespace = namespace

    def reserve(self, account: str, ip: str | None) -> int | None:
        source = ip or "unknown"
        checks = [(self._per_account, "account", f"{_digest(account)}|{source}"),
                  (self._per_account_all, "account_all", _digest(account))]
        if ip:
            checks.append((self._per_ip, "ip", ip))
        for item, kind, key in checks:
            if not self._limiter.hit(item, self._namespace, kind, key):
                reset_at = self._limiter.get_window_stats(item, self._namespace, kind, key).reset_time
                return max(1, math.ceil(reset_at - time.time()))
        return None

    def reset(self, account: str, ip: str | None) -> None:
        self._limiter.clear(self._per_account, self._namespace, "account",
                            f"{_digest(account)}|{ip or 'unknown'}")


def _digest(account: str) -> str:
    """Keys in Redis name no email address."""
    return hashlib.sha256(account.strip().lower().encode()).hexdigest()[:32]
