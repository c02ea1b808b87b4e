"""Liveness, readiness and what this server is."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from flask import current_app, jsonify
from flask.views import MethodView

from entrypoints.http.blueprint import Blueprint
from entrypoints.http.system_schemas import HealthSchema, ReadySchema, SystemInfoSchema

blp = Blueprint("system", __name__, description="Service health and identity")


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    def get(self):
        """Liveness: the process answers."""
        return {"status": "ok"}


@blp.route("/ready")
class Ready(MethodView):
    @blp.response(200, ReadySchema)
    @blp.alt_response(503, schema=ReadySchema, description="A dependency is down")
    def get(self):
        """Readiness: each dependency with its status and latency."""
        result = current_app.container.adapters.database_probe().check()
        body = {"status": "ok" if result.ok else "unavailable",
                "checks": {result.name: {"status": "ok" if result.ok else "down",
                                         "latency_ms": result.latency_ms}}}
        if not result.ok:
            return jsonify(ReadySchema().dump(body)), 503
        return body


@blp.route("/api/v1/system/info")
class SystemInfo(MethodView):
    @blp.response(200, SystemInfoSchema)
    def get(self):
        """The service's name and version."""
        try:
            current = version("groundwork")
        except PackageNotFoundError:
            current = "unknown"
        return {"name": "groundwork", "version": current, "api": "v1"}
