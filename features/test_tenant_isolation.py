"""Steps for tenant_isolation.feature: raw SQL against the session's migrated PostgreSQL.

The database is shared by the whole test session, so organizations get unique slugs and every
assertion is about the rows of the organizations made here, never about whole tables.
"""

from __future__ import annotations

import uuid

import pytest
from attrs import define, field
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from adapters.postgres.conventions import check_conventions
from adapters.postgres.tables import GLOBAL_TABLES
from application.members import AddMember
from application.organizations import CreateOrganization
from features.conftest import rows_to_dicts

scenarios("tenant_isolation.feature")

TENANT_CONTEXT_MISSING = "tenant context missing"
INVITED_BY_FK = "fk_members_org_id_invited_by_members"


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


def _sqlstate(error: DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None)


def _run(engine_or_conn: Engine | Connection, statements: list[str], *, org_id=None,
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


def _engine(who: str, app_engine: Engine, owner_engine: Engine) -> Engine:
    return owner_engine if who.startswith("the schema owner") else app_engine


def _member_count(owner_engine: Engine, org: Org) -> int:
    with owner_engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM members WHERE org_id = :o"),
                            {"o": org.id}).scalar_one()


def _audit_trail(owner_engine: Engine, org: Org) -> list[tuple]:
    with owner_engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(
            "SELECT id, seq, action, details, prev_hash, hash FROM audit_entries "
            "WHERE org_id = :o ORDER BY seq"), {"o": org.id})]


# --- Given ---------------------------------------------------------------------------------


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


@given(parsers.parse('the application has finished a transaction bound to organization "{label}"'))
def finished_bound_transaction(app_connection, orgs, label):
    seen = _run(app_connection, ["SELECT org_id FROM members"], org_id=orgs[label].id)
    assert seen.error is None, seen.error
    assert {row.org_id for row in seen.rows} == {orgs[label].id}


@given(parsers.parse('organization "{label}" has an audit trail'), target_fixture="audit_before")
def has_audit_trail(owner_engine, orgs, label):
    trail = _audit_trail(owner_engine, orgs[label])
    assert [entry[2] for entry in trail[:2]] == ["org.created", "member.added"]
    return trail


@given(parsers.parse('a new table "{table}" with an id and timestamps but no org_id '
                     'and no row-level security'))
def careless_table(owner_connection, table):
    owner_connection.exec_driver_sql(
        f'CREATE TABLE "{table}" (id uuid PRIMARY KEY, body text NOT NULL, '
        "created_at timestamptz NOT NULL DEFAULT now(), "
        "updated_at timestamptz NOT NULL DEFAULT now())")


# --- When ----------------------------------------------------------------------------------


@when(parsers.parse('the application reads every member in a transaction bound to organization "{label}"'),
      target_fixture="attempt")
def read_members_bound(app_engine, orgs, label):
    return _run(app_engine, ["SELECT org_id, id FROM members"], org_id=orgs[label].id)


@when(parsers.parse('the application, bound to organization "{bound}", asks for the members of '
                    'organization "{other}"'), target_fixture="attempt")
def read_other_orgs_members(app_engine, orgs, bound, other):
    return _run(app_engine, ["SELECT org_id, id FROM members WHERE org_id = :other"],
                org_id=orgs[bound].id, params={"other": orgs[other].id})


@when("the application reads every member in a new transaction on the same connection",
      target_fixture="attempt")
def read_members_again(app_connection):
    return _run(app_connection, ["SELECT org_id, id FROM members"])


@when(parsers.parse('the application reads every row of "{table}" without setting an organization'),
      target_fixture="attempt")
def read_without_org(app_engine, table):
    assert table not in GLOBAL_TABLES
    return _run(app_engine, [f'SELECT * FROM "{table}"'])


@when(parsers.parse('the application, bound to organization "{bound}", adds a member to '
                    'organization "{other}"'), target_fixture="attempt")
def write_into_other_org(app_engine, orgs, bound, other):
    return _run(app_engine, [
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
    return _run(_engine(who, app_engine, owner_engine), [
        "INSERT INTO users (id, email, full_name) VALUES (:user, :email, 'Newcomer')",
        "INSERT INTO members (org_id, id, user_id, role, invited_by) "
        "VALUES (:org, :member, :user, 'member', :inviter)",
    ], org_id=orgs[bound].id, params={
        "user": uuid.uuid4(), "email": f"newcomer-{uuid.uuid4().hex[:8]}@example.test",
        "org": orgs[target].id, "member": uuid.uuid4(), "inviter": inviter})


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
    return _run(app_engine, statements, org_id=orgs["A"].id)


@when("I look up the role the application connects as", target_fixture="role")
def application_role(app_engine):
    with app_engine.connect() as conn:
        return conn.execute(text(
            "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()


@when("the schema conventions are checked on the migrated database", target_fixture="violations")
def conventions_checked(owner_connection, app_role):
    return check_conventions(owner_connection, app_role)


@when(parsers.re(r'(?P<who>the application|the schema owner), bound to organization "(?P<label>\w+)", '
                 r'tries to (?P<change>update|delete|truncate) its audit entries'),
      target_fixture="attempt")
def tamper_with_audit(app_engine, owner_engine, orgs, who, label, change):
    statement = {
        "update": "UPDATE audit_entries SET action = 'tampered' WHERE org_id = :org",
        "delete": "DELETE FROM audit_entries WHERE org_id = :org",
        "truncate": "TRUNCATE audit_entries",
    }[change]
    return _run(_engine(who, app_engine, owner_engine), [statement], org_id=orgs[label].id,
                params={"org": orgs[label].id})


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
    assert _sqlstate(error) == "23503", error.orig  # foreign_key_violation
    assert INVITED_BY_FK in str(error.orig)


@then(parsers.parse('organization "{label}" still has {count:d} members'))
def still_has(owner_engine, orgs, label, count):
    assert _member_count(owner_engine, orgs[label]) == count


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
    assert _sqlstate(error) == "42501", error.orig  # insufficient_privilege
    assert reason in str(error.orig), error.orig


@then(parsers.parse('reading the members of organization "{label}" with no organization set still fails'))
def still_fails(app_engine, orgs, label):
    after = _run(app_engine, ["SELECT id FROM members WHERE org_id = :org"],
                 params={"org": orgs[label].id})
    assert TENANT_CONTEXT_MISSING in str(after.refused().orig)


@then("no convention is broken")
def no_violation(violations):
    assert violations == []


def _tenant_tables(conn: Connection) -> list[str]:
    tables = conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename <> 'alembic_version' ORDER BY tablename")).scalars()
    return [t for t in tables if t not in GLOBAL_TABLES]


SAFEGUARDS = {
    "an org_id column that is never empty": """
        SELECT EXISTS (SELECT 1 FROM information_schema.columns
                       WHERE table_schema = 'public' AND table_name = :t AND column_name = 'org_id'
                         AND data_type = 'uuid' AND is_nullable = 'NO')""",
    "row-level security, enabled and forced": """
        SELECT relrowsecurity AND relforcerowsecurity FROM pg_class
        WHERE oid = CAST(:t AS regclass)""",
    # Permissive policies are OR-ed together: besides the org's own, the only one allowed is a
    # signed-in user's read of their own rows (app.user_id); one like USING (true) would leak.
    "an isolation policy, and no other policy that lets rows of other organizations through": """
        SELECT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = :t
                       AND cmd = 'ALL' AND qual LIKE '%org_id = ( SELECT app_current_org()%'
                       AND with_check LIKE '%org_id = ( SELECT app_current_org()%')
           AND NOT EXISTS (
               SELECT 1 FROM pg_policies
               WHERE schemaname = 'public' AND tablename = :t AND permissive = 'PERMISSIVE'
                 AND (coalesce(qual, with_check) NOT SIMILAR TO '%(app_current_org|app_current_user)\\(\\)%'
                      OR with_check NOT SIMILAR TO '%(app_current_org|app_current_user)\\(\\)%'))""",
    "an index that leads with org_id": """
        SELECT EXISTS (SELECT 1 FROM pg_index i
                       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                       WHERE i.indrelid = CAST(:t AS regclass) AND a.attname = 'org_id')""",
    "a primary key of org_id and id": """
        SELECT EXISTS (SELECT 1 FROM pg_constraint
                       WHERE conrelid = CAST(:t AS regclass) AND contype = 'p'
                         AND pg_get_constraintdef(oid) = 'PRIMARY KEY (org_id, id)')""",
    "a foreign key to its organization": """
        SELECT EXISTS (SELECT 1 FROM pg_constraint
                       WHERE conrelid = CAST(:t AS regclass) AND contype = 'f'
                         AND confrelid = CAST('org' AS regclass) AND confdeltype = 'r'
                         AND pg_get_constraintdef(oid) LIKE 'FOREIGN KEY (org_id) REFERENCES org(id)%')""",
}


@then("every tenant table has:")
def every_tenant_table_has(owner_connection, datatable):
    tables = _tenant_tables(owner_connection)
    assert {"members", "audit_entries"} <= set(tables)
    missing = [(table, row["safeguard"]) for table in tables for row in rows_to_dicts(datatable)
               if not owner_connection.execute(text(SAFEGUARDS[row["safeguard"]]),
                                               {"t": table}).scalar_one()]
    assert missing == []


@then(parsers.parse('the check reports exactly these broken rules for "{table}":'))
def reports_for(violations, datatable, table):
    assert {v.table for v in violations} == {table}, violations
    reported = sorted(v.rule for v in violations)
    assert reported == sorted(row["rule"] for row in rows_to_dicts(datatable))


@then(parsers.parse('the audit trail of organization "{label}" is unchanged'))
def audit_unchanged(owner_engine, orgs, audit_before, label):
    assert _audit_trail(owner_engine, orgs[label]) == audit_before
