"""Plain SQL on the session's migrated PostgreSQL, as the application or as the schema owner,
and the organizations every scenario starts from (the Background).

The database is shared by the whole test session, so organizations get unique slugs and every
assertion is about the rows of the organizations made here, never about whole tables.
"""

from __future__ import annotations

import uuid

import pytest
from attrs import define, field
from pytest_bdd import given, parsers
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from application.members import AddMember
from application.organizations import CreateOrganization

TENANT_CONTEXT_MISSING = "tenant context missing"


@define
class Org:
    id: uuid.UUID
    slug: str
    member_ids: set[uuid.UUID] = field(factory=set)


@define
class Attempt:
    """The rows a statement returned, or the database error that refused it."""

    rows: list | None = None
    error: DBAPIError | None = None

    def refused(self) -> DBAPIError:
        assert self.error is not None, f"the database allowed it and returned {self.rows!r}"
        return self.error


def sqlstate(error: DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None)


def run_statements(engine_or_conn: Engine | Connection, statements: list[str], *, org_id=None,
                   params: dict | None = None) -> Attempt:
    """Run the statements in one transaction; the last one's rows are the result."""
    conn = engine_or_conn.connect() if isinstance(engine_or_conn, Engine) else engine_or_conn
    try:
        with conn.begin():
            if org_id is not None:
                conn.exec_driver_sql(f"SET LOCAL app.org_id = '{uuid.UUID(str(org_id))}'")
            result = None
            for statement in statements:
                result = conn.execute(text(statement), params or {})
            rows = list(result) if result is not None and result.returns_rows else []
        return Attempt(rows=rows)
    except DBAPIError as error:
        return Attempt(error=error)
    finally:
        if isinstance(engine_or_conn, Engine):
            conn.close()


def engine_for(who: str, app_engine: Engine, owner_engine: Engine) -> Engine:
    return owner_engine if who.startswith("the schema owner") else app_engine


@pytest.fixture
def container(pg_container):
    return pg_container


@pytest.fixture
def orgs() -> dict[str, Org]:
    return {}


@pytest.fixture
def app_role(pg_urls) -> str:
    return pg_urls.app_url.username


@pytest.fixture
def app_connection(app_engine):
    """One connection of the application role, kept across steps."""
    conn = app_engine.connect()
    yield conn
    conn.close()


@pytest.fixture
def owner_connection(owner_engine):
    """One owner connection in one transaction, rolled back at the end: DDL here leaves no trace."""
    conn = owner_engine.connect()
    tx = conn.begin()
    yield conn
    tx.rollback()
    conn.close()


@given(parsers.parse('organization "{label}" with {count:d} member besides its owner'))
@given(parsers.parse('organization "{label}" with {count:d} members besides its owner'))
def org_with_members(container, operator, unique_slug, orgs, label, count):
    slug = unique_slug(f"tenant-{label.lower()}")
    view = container.application.organizations().create(CreateOrganization(
        name=f"Organization {label}", slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
    for n in range(count):
        container.application.members().add(AddMember(
            slug=slug, email=f"member{n}@{slug}.test", role="member", actor=operator))
    members = container.application.members().every(slug, operator)
    assert len(members) == count + 1
    orgs[label] = Org(id=view.id, slug=slug, member_ids={m.id for m in members})
