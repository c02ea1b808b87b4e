"""A request whose transaction PostgreSQL rolled back as a deadlock's victim runs once more;
a second such failure answers 503 with Retry-After, never 500."""

from __future__ import annotations

import psycopg.errors
from flask import Flask
from sqlalchemy.exc import OperationalError

from entrypoints.http.problems import register_problem_handlers
from entrypoints.http.retries import retry_transient_conflicts


def _app(failures: list[Exception]) -> tuple[Flask, list[int]]:
    app, runs = Flask(__name__), []

    @app.post("/thing")
    def thing():
        runs.append(1)
        if failures:
            raise failures.pop(0)
        return {"done": True}

    register_problem_handlers(app)
    retry_transient_conflicts(app)
    return app, runs


def _deadlock() -> OperationalError:
    return OperationalError("UPDATE ...", {}, psycopg.errors.DeadlockDetected("deadlock"))


def test_a_deadlock_victim_runs_once_more_and_succeeds():
    app, runs = _app([_deadlock()])
    answer = app.test_client().post("/thing")
    assert answer.status_code == 200 and answer.json == {"done": True} and len(runs) == 2


def test_two_in_a_row_answer_503_with_retry_after():
    app, runs = _app([_deadlock(), psycopg.errors.SerializationFailure("again")])
    answer = app.test_client().post("/thing")
    assert answer.status_code == 503 and answer.json["code"] == "database_unavailable"
    assert answer.headers["Retry-After"] and len(runs) == 2


def test_any_other_error_is_not_run_again():
    app, runs = _app([psycopg.errors.UniqueViolation("dup")])
    assert app.test_client().post("/thing").status_code == 500 and len(runs) == 1
