"""Rows: a transaction bound to an organization reads and writes that organization's rows only."""

from __future__ import annotations

import uuid

from pytest_bdd import given, parsers, then, when
from sqlalchemy import Engine, text

from adapters.postgres.tables import GLOBAL_TABLES
from features.tenant_isolation_steps.database import (
    TENANT_CONTEXT_MISSING,
    Org,
    engine_for,
    run_statements,
    sqlstate,
)

INVITED_BY_FK = "fk_members_org_id_invited_by_members"


def _member_count(admin_engine: Engine, org: Org) -> int:
    """Counted by a superuser: no tenant bound."""
    with admin_engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM members WHERE org_id = :o"),
                            {"o": org.id}).scalar_one()


# --- Given ---------------------------------------------------------------------------------


@given(parsers.parse('the application has finished a transaction bound to organization "{label}"'))
def finished_bound_transaction(app_connection, orgs, label):
    seen = run_statements(app_connection, ["SELECT org_id FROM members"], org_id=orgs[label].id)
    assert seen.error is None, seen.error
    assert {row.org_id for row in seen.rows} == {orgs[label].id}


# --- When ----------------------------------------------------------------------------------


@when(parsers.parse('the application reads every member in a transaction bound to organization "{label}"'),
      target_fixture="attempt")
def read_members_bound(app_engine, orgs, label):
    return run_statements(app_engine, ["SELECT org_id, id FROM members"], org_id=orgs[label].id)


@when(parsers.parse('the application, bound to organization "{bound}", asks for the members of '
                    'organization "{other}"'), target_fixture="attempt")
def read_other_orgs_members(app_engine, orgs, bound, other):
    return run_statements(app_engine, ["SELECT org_id, id FROM members WHERE org_id = :other"],
                          org_id=orgs[bound].id, params={"other": orgs[other].id})


@when("the application reads every member in a new transaction on the same connection",
      target_fixture="attempt")
def read_members_again(app_connection):
    return run_statements(app_connection, ["SELECT org_id, id FROM members"])


@when(parsers.parse('the application reads every row of "{table}" without setting an organization'),
      target_fixture="attempt")
def read_without_org(app_engine, table):
    assert table not in GLOBAL_TABLES
    return run_statements(app_engine, [f'SELECT * FROM "{table}"'])


@when(parsers.parse('the application, bound to organization "{bound}", adds a member to '
                    'organization "{other}"'), target_fixture="attempt")
def write_into_other_org(app_engine, orgs, bound, other):
    return run_statements(app_engine, [
        "INSERT INTO users (id, email, full_name) VALUES (:user, :email, 'Intruder')",
        "INSERT INTO members (org_id, id, user_id, role) VALUES (:org, :member, :user, 'member')",
    ], org_id=orgs[bound].id, params={
        "user": uuid.uuid4(), "email": f"intruder-{uuid.uuid4().hex[:8]}@example.test",
        "org": orgs[other].id, "member": uuid.uuid4()})


@when(parsers.re(r'(?P<who>the application|the schema owner)(?:, [^,]+)?, bound to organization '
                 r'"(?P<bound>\w+)", adds a member of "(?P<target>\w+)" invited by a member of '
                 r'"(?P<other>\w+)"'), target_fixture="attempt")
def cross_tenant_reference(app_engine, owner_engine, orgs, who, bound, target, other):
    assert bound == target
    inviter = next(iter(orgs[other].member_ids))
    return run_statements(engine_for(who, app_engine, owner_engine), [
        "INSERT INTO users (id, email, full_name) VALUES (:user, :email, 'Newcomer')",
        "INSERT INTO members (org_id, id, user_id, role, invited_by) "
        "VALUES (:org, :member, :user, 'member', :inviter)",
    ], org_id=orgs[bound].id, params={
        "user": uuid.uuid4(), "email": f"newcomer-{uuid.uuid4().hex[:8]}@example.test",
        "org": orgs[target].id, "member": uuid.uuid4(), "inviter": inviter})


# --- Then ----------------------------------------------------------------------------------


@then(parsers.parse('it sees exactly the {count:d} members of organization "{label}"'))
def sees_exactly(attempt, orgs, count, label):
    assert attempt.error is None, attempt.error
    assert len(attempt.rows) == count
    assert {row.id for row in attempt.rows} == orgs[label].member_ids


@then(parsers.parse('none of them belongs to organization "{label}"'))
def none_of(attempt, orgs, label):
    assert attempt.rows
    assert all(row.org_id != orgs[label].id for row in attempt.rows)
    assert not {row.id for row in attempt.rows} & orgs[label].member_ids


@then("it gets no rows")
def no_rows(attempt):
    assert attempt.error is None, attempt.error
    assert attempt.rows == []


@then("the query fails with an error saying the tenant context is missing")
def tenant_context_missing(attempt):
    error = attempt.refused()
    assert TENANT_CONTEXT_MISSING in str(error.orig)
    assert "SET LOCAL app.org_id" in str(error.orig)


@then("the database refuses it because of the row-level security policy")
def refused_by_policy(attempt):
    error = attempt.refused()
    assert "row-level security policy" in str(error.orig), error.orig


@then(parsers.parse('the database refuses it because the inviting member is not in organization "{label}"'))
def refused_by_composite_fk(attempt, label):
    error = attempt.refused()
    assert sqlstate(error) == "23503", error.orig  # foreign_key_violation
    assert INVITED_BY_FK in str(error.orig)


@then(parsers.parse('organization "{label}" still has {count:d} members'))
def still_has(admin_engine, orgs, label, count):
    assert _member_count(admin_engine, orgs[label]) == count
