from __future__ import annotations

import abc

from attrs import define


@define(frozen=True)
class ProbeResult:
    name: str
    ok: bool
    latency_ms: float
    error: str | None = None


class DependencyProbe(abc.ABC):
    """Checks one dependency the service needs to answer requests."""

    @abc.abstractmethod
    def check(self) -> ProbeResult: ...
