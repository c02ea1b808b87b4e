from __future__ import annotations

import abc
from collections.abc import Callable


class Deferred(abc.ABC):
    """Work a request starts but does not wait for (it answers first): a mail whose sending
    must not show in the answer's timing. Not durable: what is queued when the process stops is
    lost, so only work that the person can simply ask for again goes here."""

    @abc.abstractmethod
    def run(self, task: Callable[[], None], *, name: str) -> None:
        """Run `task` now or soon; its failure is logged under `name`, never raised here."""
