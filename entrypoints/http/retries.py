"""A request whose transaction PostgreSQL rolled back as a deadlock's victim (or a serialization
failure) is run once more: nothing of it committed, so the retry is safe, and two requests that
crossed each other (two org switches in opposite directions, say) both succeed. A second such
failure answers 503 with Retry-After (entrypoints/http/problems.py), never 500."""

from __future__ import annotations

import functools
import random
import time

import structlog
from flask import Flask

from adapters.postgres.outages import transient_conflict

_log = structlog.get_logger("groundwork.http")


def retry_transient_conflicts(app: Flask) -> None:
    for endpoint, view in list(app.view_functions.items()):
        app.view_functions[endpoint] = _once_more_on_conflict(view)


def _once_more_on_conflict(view):
    @functools.wraps(view)
    def run(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except Exception as error:
            if not transient_conflict(error):
                raise
            _log.info("transient_conflict_retried", error_type=type(error).__name__)
            time.sleep(random.uniform(0.005, 0.05))  # noqa: S311 - jitter, not a secret
            return view(*args, **kwargs)
    return run
