"""Units of work report to Prometheus (entrypoints/metrics.py). Imported on the first report, not
before: prometheus_client must first be imported after `groundwork serve` has said where its
workers write (entrypoints/cli/serve_metrics.py)."""

from __future__ import annotations

from application.ports.telemetry import Telemetry


class PrometheusTelemetry(Telemetry):
    def audit_appended(self, action: str) -> None:
        from entrypoints.metrics import AUDIT_APPENDS

        AUDIT_APPENDS.labels(action).inc()

    def connection_waited(self, seconds: float) -> None:
        from entrypoints.metrics import POOL_WAIT

        POOL_WAIT.observe(seconds)
