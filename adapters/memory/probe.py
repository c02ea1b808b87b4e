from __future__ import annotations

from application.ports.health import DependencyProbe, ProbeResult


class MemoryProbe(DependencyProbe):
    def check(self) -> ProbeResult:
        return ProbeResult("database", True, 0.0)
