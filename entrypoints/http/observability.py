"""Per request: its id, one log line, its metrics and its error-tracking tags; and GET /metrics."""

from __future__ import annotations

import re
import time
import uuid

import sentry_sdk
import structlog
from flask import Flask, Response, current_app, g, json, request

from entrypoints import metrics
from entrypoints.http.problems import PROBLEM_JSON, problem

_log = structlog.get_logger("groundwork.http")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")  # a client's id is echoed only if it is tame
LOGIN_ROUTE = "/api/v1/auth/login"


def install(app: Flask, container) -> None:
    settings = container.settings()
    engine = container.adapters.engine if settings.backend == "postgres" else None

    @app.before_request
    def start() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.fullmatch(given) else str(uuid.uuid4())
        g.started = time.perf_counter()
        # Every log line of the request carries it, and the jobs it defers (adapters/postgres/jobs.py).
        structlog.contextvars.bind_contextvars(request_id=g.request_id)
        sentry_sdk.set_tag("request_id", g.request_id)

    @app.after_request
    def finish(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("Cache-Control", "no-store")  # tokens and tenant data
        route = request.url_rule.rule if request.url_rule else "unmatched"
        seconds = time.perf_counter() - g.get("started", time.perf_counter())
        _log.info("request", request_id=g.get("request_id"), method=request.method, route=route,
                  status=response.status_code, duration_ms=round(seconds * 1000, 2),
                  **g.get("caller", {}))
        _count(route, response, seconds)
        if engine is not None:
            metrics.observe_pool(engine())
        return response

    @app.teardown_request
    def forget_request_id(_error) -> None:
        structlog.contextvars.unbind_contextvars("request_id")

    if settings.metrics_port is None:  # else served on its own port by `groundwork serve`
        app.add_url_rule("/metrics", "metrics", _scrape)


def _count(route: str, response: Response, seconds: float) -> None:
    labels = (route, request.method, str(response.status_code))
    metrics.REQUESTS.labels(*labels).inc()
    metrics.LATENCY.labels(*labels).observe(seconds)
    if response.status_code == 429:
        metrics.THROTTLED.labels(route).inc()
    if route == LOGIN_ROUTE and request.method == "POST":
        metrics.LOGINS.labels(metrics.LOGIN_OUTCOMES.get(response.status_code, "error")).inc()
    if response.status_code == 409 and response.mimetype == PROBLEM_JSON:
        body = json.loads(response.get_data())
        if body.get("code") == "quota_exceeded":
            metrics.QUOTA_REFUSALS.labels(str(body.get("limit"))).inc()


def scrape_time_collector(container) -> metrics.ScrapeTimeCollector:
    adapters = container.adapters
    queue = adapters.job_queue() if container.settings().backend == "postgres" else None
    return metrics.ScrapeTimeCollector(adapters.database_probe(), queue)


def _scrape():
    container = current_app.container
    if not metrics.token_matches(container.settings().metrics_token,
                                 request.headers.get("Authorization", "")):
        answer = problem(401, "Authentication failed", "this scrape needs the metrics token",
                         code="metrics_token_required")
        answer.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return answer
    collector = current_app.extensions.get("groundwork.scrape_time")
    if collector is None:
        collector = current_app.extensions["groundwork.scrape_time"] = \
            scrape_time_collector(container)
    return Response(metrics.exposition(collector), mimetype=None,
                    headers={"Content-Type": metrics.CONTENT_TYPE})
