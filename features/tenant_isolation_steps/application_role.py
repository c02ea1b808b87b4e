"""The application's role: no superuser, no BYPASSRLS, no table of its own, no way out of row-level
security. `refused_because` also serves the audit trail's scenario: a refusal for lack of privilege.
"""

from __future__ import annotations

from pytest_bdd import parsers, then, when
from sqlalchemy import text

from features.tenant_isolation_steps.database import TENANT_CONTEXT_MISSING, run_statements, sqlstate

# --- When ----------------------------------------------------------------------------------


ESCAPES = {
    "turn row security off for its session": ["SET LOCAL row_security = off",
                                              "SELECT count(*) FROM members"],
    "disable row-level security on the members table":
        ["ALTER TABLE members DISABLE ROW LEVEL SECURITY"],
    "drop the isolation policy of the members table": ["DROP POLICY tenant_isolation ON members"],
    "create a policy that lets it see every row": ["CREATE POLICY see_all ON members USING (true)"],
    "become the schema owner": ['SET ROLE "{owner}"'],
    "give itself the BYPASSRLS attribute": ['ALTER ROLE "{app}" BYPASSRLS'],
}


@when(parsers.parse("the application tries to {escape}"), target_fixture="attempt")
def try_to_escape(app_engine, pg_urls, app_role, orgs, escape):
    statements = [s.format(owner=pg_urls.owner_url.username, app=app_role) for s in ESCAPES[escape]]
    return run_statements(app_engine, statements, org_id=orgs["A"].id)


@when("I look up the role the application connects as", target_fixture="role")
def application_role(app_engine):
    with app_engine.connect() as conn:
        return conn.execute(text(
            "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()


# --- Then ----------------------------------------------------------------------------------


@then("the application role is not a superuser")
def not_superuser(role, app_role):
    assert role.rolname == app_role
    assert role.rolsuper is False


@then("the application role does not have the BYPASSRLS attribute")
def no_bypassrls(role):
    assert role.rolbypassrls is False


@then("the application role owns no table")
def owns_nothing(owner_engine, app_role):
    with owner_engine.connect() as conn:
        owned = conn.execute(text(
            "SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "WHERE r.rolname = :role"), {"role": app_role}).scalars().all()
    assert owned == []


@then(parsers.parse('the attempt is refused because "{reason}"'))
@then(parsers.parse('the database refuses it because "{reason}"'))
def refused_because(attempt, reason):
    error = attempt.refused()
    assert sqlstate(error) == "42501", error.orig  # insufficient_privilege
    assert reason in str(error.orig), error.orig


@then(parsers.parse('reading the members of organization "{label}" with no organization set still fails'))
def still_fails(app_engine, orgs, label):
    after = run_statements(app_engine, ["SELECT id FROM members WHERE org_id = :org"],
                           params={"org": orgs[label].id})
    assert TENANT_CONTEXT_MISSING in str(after.refused().orig)
