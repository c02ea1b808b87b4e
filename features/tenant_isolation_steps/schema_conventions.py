"""The multi-tenant conventions every tenant table follows, and the check that names what is broken."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from adapters.postgres.conventions import check_conventions, on_citus
from adapters.postgres.tables import GLOBAL_TABLES
from features.conftest import rows_to_dicts


@given(parsers.parse('a new table "{table}" with an id and timestamps but no org_id '
                     'and no row-level security'))
def careless_table(owner_connection, table):
    owner_connection.exec_driver_sql(
        f'CREATE TABLE "{table}" (id uuid PRIMARY KEY, body text NOT NULL, '
        "created_at timestamptz NOT NULL DEFAULT now(), "
        "updated_at timestamptz NOT NULL DEFAULT now())")


@given(parsers.parse('a new policy on "{table}" that wraps the tenant function in a subquery'),
       target_fixture="refusal")
def wrapped_policy(owner_connection, table):
    """On Citus the database refuses the policy itself: that refusal is the outcome then."""
    try:
        with owner_connection.begin_nested():
            owner_connection.exec_driver_sql(
                f'CREATE POLICY wrapped ON "{table}" FOR SELECT '
                "USING (org_id = (SELECT app_current_org()))")
    except DBAPIError as refused:
        return refused
    return None


@then("the policy is named as one that Citus refuses, or Citus has already refused it")
def named_or_refused(owner_connection, app_role, refusal):
    if on_citus(owner_connection):
        assert refusal is not None
        return
    found = [(v.table, v.rule) for v in check_conventions(owner_connection, app_role)]
    assert refusal is None and found == [("api_keys", "policy_subquery")]


@when("the schema conventions are checked on the migrated database", target_fixture="violations")
def conventions_checked(owner_connection, app_role):
    return check_conventions(owner_connection, app_role)


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
                       AND cmd = 'ALL' AND qual = '(org_id = app_current_org())'
                       AND with_check = '(org_id = app_current_org())')
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
def reports_for(violations, datatable, table, owner_connection):
    assert {v.table for v in violations} == {table}, violations
    reported = sorted(v.rule for v in violations)
    expected = [row["rule"] for row in rows_to_dicts(datatable)]
    if on_citus(owner_connection):  # there it is not distributed by org_id either
        expected.append("citus_distributed")
    assert reported == sorted(expected)
