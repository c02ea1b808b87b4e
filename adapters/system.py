from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import uuid6

from application.ports.system import Clock, IdGenerator


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock(Clock):
    """A clock that moves only when told to: for tests and reproducible demos."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class Uuid7Generator(IdGenerator):
    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=uuid6.uuid7().int)
