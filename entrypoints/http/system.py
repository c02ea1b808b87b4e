"""Liveness, readiness and what this server is."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from flask import current_app, jsonify
from flask.views import MethodView

from entrypoints.http.blueprint import Blueprint, documents
from entrypoints.http.system_schemas import HealthSchema, ReadySchema, SystemInfoSchema

blp = Blueprint("system", __name__, description="Service health and identity")
# These routes read no input: their client errors are the server's own, problems it answers
# before the app sees the request (entrypoints/http/server_errors.py).
OVER_THE_LIMITS = {414: "The request line is over the server's limit",
                   431: "The request's headers are over the server's limits"}


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @documents(why=OVER_THE_LIMITS)
    def get(self):
        """Liveness: the process answers."""
        return {"status": "ok"}


@blp.route("/ready")
class Ready(MethodView):
    @blp.response(200, ReadySchema)
    @blp.alt_response(503, schema=ReadySchema, description="A dependency is down: `failing` "
                      "names it")
    @documents(why=OVER_THE_LIMITS)
    def get(self):
        """Readiness: each configured dependency (database, object store, Redis, SMTP) with
        its status and latency; 503 naming those that are down."""
        results = [probe.check() for probe in current_app.container.adapters.readiness_probes()]
        failing = [result.name for result in results if not result.ok]
        body = {"status": "unavailable" if failing else "ok", "failing": failing,
                "checks": {result.name: {"status": "ok" if result.ok else "down",
                                         "latency_ms": result.latency_ms, "error": result.error}
                           for result in results}}
        if failing:
            return jsonify(ReadySchema().dump(body)), 503
        return body


@blp.route("/api/v1/system/info")
class SystemInfo(MethodView):
    @blp.response(200, SystemInfoSchema)
    @documents(why=OVER_THE_LIMITS)
    def get(self):
        """The service's name and version."""
        try:
            current = version("groundwork")
        except PackageNotFoundError:
            current = "unknown"
        return {"name": "groundwork", "version": current, "api": "v1"}
