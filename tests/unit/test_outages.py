"""Which failures are an outage (503, try again) and which are bugs (500)."""

import psycopg
import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from adapters.postgres.outages import database_unavailable
from entrypoints.http.problems import register_problem_handlers


@pytest.mark.parametrize(("error", "out_of_reach"), [
    (PoolTimeout("QueuePool limit reached"), True),
    (OperationalError("connect", {}, psycopg.OperationalError("connection refused")), True),
    (psycopg.OperationalError("server closed the connection unexpectedly"), True),
    (psycopg.errors.AdminShutdown("terminating connection"), True),
    (psycopg.errors.TooManyConnections("too many clients"), True),
    (psycopg.errors.QueryCanceled("statement timeout"), True),
    (psycopg.InterfaceError("the connection is closed"), True),
    (psycopg.DatabaseError("server closed the connection unexpectedly"), True),
    (psycopg.ProgrammingError("the query has 2 placeholders but 1 parameters were passed"),
     False),
    (psycopg.errors.LockNotAvailable("lock not available"), False),
    (ProgrammingError("select", {}, psycopg.errors.UndefinedTable("no table")), False),
    (ValueError("a bug"), False),
])
def test_an_outage_is_told_apart_from_a_bug(error, out_of_reach):
    assert database_unavailable(error) is out_of_reach


def _app(error: Exception) -> Flask:
    app = Flask(__name__)
    register_problem_handlers(app)

    @app.get("/")
    def fail():
        raise error

    return app


def test_a_database_out_of_reach_is_a_503_to_try_again():
    failure = OperationalError("connect", {}, psycopg.OperationalError("connection refused"))
    response = _app(failure).test_client().get("/")
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "database_unavailable"


def test_a_bug_stays_a_500():
    response = _app(ValueError("a bug")).test_client().get("/")
    assert response.status_code == 500 and "Retry-After" not in response.headers
