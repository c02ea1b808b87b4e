"""Metrics under `groundwork serve`: a directory of this instance's own where every worker writes
its values (a scrape of any worker sums them), and METRICS_PORT served by this process.

prometheus_client decides where values live when it is first imported: nothing here imports it
before PROMETHEUS_MULTIPROC_DIR is set, so the workers, forked later, import it with it set.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import click
from attrs import define
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from entrypoints.config import Settings
from entrypoints.container import build_container

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


@define(frozen=True)
class MetricsDirectory:
    path: Path
    owner_pid: int

    def remove(self) -> None:
        """By the process that made it only: a gunicorn worker, forked from it, leaves through
        the same `finally` when it exits, and must not take the directory from the others."""
        if os.getpid() != self.owner_pid:
            return
        shutil.rmtree(self.path, ignore_errors=True)
        os.environ.pop(MULTIPROC_VARIABLE, None)


def metrics_directory() -> MetricsDirectory:
    """A fresh, empty directory for this instance (never one another server writes to)."""
    directory = Path(tempfile.mkdtemp(prefix="groundwork-metrics-"))
    os.environ[MULTIPROC_VARIABLE] = str(directory)
    return MetricsDirectory(directory, os.getpid())


def child_exit(_server, worker) -> None:
    """gunicorn's hook: a worker that has exited no longer counts in the live gauges."""
    from entrypoints.metrics import mark_process_dead

    mark_process_dead(worker.pid)


class _Quiet(WSGIRequestHandler):
    def log_message(self, *_args) -> None:
        """Scrapes every few seconds would drown the server's own log."""


def metrics_app(settings: Settings, collector):
    from entrypoints.metrics import CONTENT_TYPE, exposition, token_matches

    def answer(environ, start_response):
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        if not token_matches(settings.metrics_token, environ.get("HTTP_AUTHORIZATION", "")):
            start_response("401 Unauthorized", [("Content-Type", "application/problem+json"),
                                                ("WWW-Authenticate", 'Bearer realm="metrics"')])
            return [b'{"type": "https://groundwork.dev/problems/metrics_token_required", '
                    b'"title": "Authentication failed", "status": 401, '
                    b'"code": "metrics_token_required"}']
        start_response("200 OK", [("Content-Type", CONTENT_TYPE)])
        return [exposition(collector)]

    return answer


def serve_metrics_port(settings: Settings, host: str) -> WSGIServer:
    """METRICS_PORT, answered by a thread of this process. Its database reads open a connection
    per scrape and keep none, so no connection of this process is inherited by a worker."""
    from entrypoints.http.observability import scrape_time_collector

    container = build_container(Settings.from_env())
    if settings.backend == "postgres":
        container.adapters.engine.override(create_engine(
            container.adapters.database_urls().app_url, poolclass=NullPool,
            isolation_level="AUTOCOMMIT", hide_parameters=True))
    try:
        server = make_server(host, settings.metrics_port,
                             metrics_app(settings, scrape_time_collector(container)),
                             handler_class=_Quiet)
    except OSError as error:
        raise click.ClickException(f"cannot serve metrics on {host}:{settings.metrics_port}: "
                                   f"{error.strerror}") from None
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
