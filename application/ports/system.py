from __future__ import annotations

import abc
import uuid
from datetime import datetime


class Clock(abc.ABC):
    @abc.abstractmethod
    def now(self) -> datetime:
        """The current time, timezone-aware."""


class IdGenerator(abc.ABC):
    @abc.abstractmethod
    def new_id(self) -> uuid.UUID:
        """A new time-ordered (v7) UUID."""
