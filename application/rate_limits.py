"""Requests per minute, by plan: the check every tenant request makes once its org is known.

A person's session counts in its org's window; each API key counts in a window of its own, with
the same limit (the org's `requests_per_minute`: its plan's, or its own override). So a busy
integration cannot starve the org's people or its other keys, and a key whose prefix leaked can
exhaust only its own window. An org may then make (keys + 1) x its limit a minute at most.

The limit is read from the database at most once per LIMIT_TTL per org (or key) and process:
an override (`groundwork org limit SLUG requests_per_minute N`) takes effect within that time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from application.errors import RateLimited
from application.ports.rate_limits import RequestCounter, Window
from application.ports.system import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principals import ApiKeyCredential, SessionCredential
from domain.quota import Limit

LIMIT_TTL = timedelta(seconds=30)
MAX_REMEMBERED = 10_000  # subjects whose limit is remembered; past it, forget them all


class RequestLimits:
    def __init__(self, uow_factory: UnitOfWorkFactory, counter: RequestCounter, clock: Clock,
                 ttl: timedelta = LIMIT_TTL) -> None:
        self._uow_factory = uow_factory
        self._counter = counter
        self._clock = clock
        self._ttl = ttl
        self._limits: dict[str, tuple[datetime, int | None]] = {}

    def admit(self, caller: SessionCredential | ApiKeyCredential) -> Window | None:
        """Count this request: its window, or None when the org has no limit; RateLimited past it."""
        subject = (f"key:{caller.prefix}" if isinstance(caller, ApiKeyCredential)
                   else f"org:{caller.org_id}")
        limit = self._limit(subject, caller)
        if limit is None:
            return None
        window = self._counter.hit(subject, limit)
        if not window.allowed:
            raise RateLimited(window)
        return window

    def _limit(self, subject: str, caller: SessionCredential | ApiKeyCredential) -> int | None:
        now = self._clock.now()
        remembered = self._limits.get(subject)
        if remembered is not None and remembered[0] > now:
            return remembered[1]
        limit = self._read(caller)
        if len(self._limits) >= MAX_REMEMBERED:  # bounded, whatever prefixes strangers send
            self._limits.clear()
        self._limits[subject] = (now + self._ttl, limit)
        return limit

    def _read(self, caller: SessionCredential | ApiKeyCredential) -> int | None:
        """None for an unknown key or org: the request is refused by its use case anyway."""
        with self._uow_factory() as uow:
            org_id = (uow.api_keys.locate(caller.prefix) if isinstance(caller, ApiKeyCredential)
                      else caller.org_id)
            if org_id is None:
                return None
            uow.bind(org_id)
            if uow.orgs.get(org_id) is None:
                return None
            return uow.quotas.limits(org_id).values[Limit.REQUESTS_PER_MINUTE]
