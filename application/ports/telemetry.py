"""What a unit of work reports as it runs, for the operator's metrics. This base reports nothing
(the CLI, tests); the server's reports to Prometheus (entrypoints/metrics.py)."""

from __future__ import annotations


class Telemetry:
    def audit_appended(self, action: str) -> None:
        """An audit entry of `action` was appended by a transaction that has now committed."""

    def connection_waited(self, seconds: float) -> None:
        """A unit of work took `seconds` to get its connection (from the pool, waiting for one,
        or opening one)."""


UNREPORTED = Telemetry()
