"""Which database failures mean that PostgreSQL is out of reach (stopped, restarting, full, too
slow) rather than a bug: the HTTP edge answers those 503 with Retry-After, not 500."""

from __future__ import annotations

import psycopg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# SQLSTATEs of a server that cannot serve now: a connection exception (class 08), insufficient
# resources (53: too many connections, out of memory or disk), and an operator's intervention
# (57: admin or crash shutdown, starting up, a statement timeout).
_UNAVAILABLE_CLASSES = ("08", "53", "57")


# A deadlock, or a serialization failure: PostgreSQL rolled the transaction back, so running it
# again is safe, and is what it asks for.
_CONFLICT_STATES = ("40P01", "40001")


def transient_conflict(error: BaseException) -> bool:
    cause = error.orig if isinstance(error, DBAPIError) else error
    return isinstance(cause, psycopg.Error) and cause.sqlstate in _CONFLICT_STATES


def database_unavailable(error: BaseException) -> bool:
    if isinstance(error, PoolTimeout):  # every pooled connection busy past the connect timeout
        return True
    cause = error.orig if isinstance(error, DBAPIError) else error
    if isinstance(cause, psycopg.InterfaceError):  # a connection the server closed under us
        return True
    if type(cause) is psycopg.DatabaseError and cause.sqlstate is None:
        return True  # "server closed the connection unexpectedly", met on a statement
    # No SQLSTATE: the client could not connect, or lost the connection.
    return isinstance(cause, psycopg.OperationalError) and (
        cause.sqlstate is None or cause.sqlstate[:2] in _UNAVAILABLE_CLASSES)
