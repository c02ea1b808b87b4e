"""Counting requests in windows of a minute, shared by every server process."""

from __future__ import annotations

import abc

from attrs import define


@define(frozen=True)
class Window:
    """One subject's current minute: how much it allows, how much is used, when it ends."""

    limit: int
    used: int
    reset_in: int  # whole seconds until the window ends (at least 1)

    @property
    def allowed(self) -> bool:
        return self.used <= self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)


class RequestCounter(abc.ABC):
    @abc.abstractmethod
    def hit(self, subject: str, limit: int) -> Window:
        """Count one request of `subject` in its current window (atomic across processes)."""
