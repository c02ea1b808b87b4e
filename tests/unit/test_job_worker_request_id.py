"""A job runs under the id of the request that deferred it: its log lines carry it, and its
handler never sees it as an argument."""

from __future__ import annotations

import structlog

from adapters.postgres.jobs import REQUEST_ID
from adapters.postgres.worker import under_request_id


def _handler(**args):
    return args, structlog.contextvars.get_contextvars().get("request_id")


def test_the_request_id_is_taken_off_the_arguments_and_bound_while_the_job_runs():
    structlog.contextvars.clear_contextvars()
    assert under_request_id(_handler)(user_id="u1", **{REQUEST_ID: "trace-42"}) == (
        {"user_id": "u1"}, "trace-42")
    assert structlog.contextvars.get_contextvars() == {}  # not left behind for the next job


def test_a_job_deferred_outside_a_request_runs_as_it_was_given():
    structlog.contextvars.clear_contextvars()
    assert under_request_id(_handler)(user_id="u1") == ({"user_id": "u1"}, None)
