"""Scale-out on Citus. On every engine: policies without a subquery around app_current_org() and
app_current_user() (Citus refuses subqueries in the policies of distributed tables). On a
database with the citus extension: every global table a reference table, every tenant table
distributed by org_id in one co-location group, and SET LOCAL forwarded to the shards (the
tenant binding depends on it).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from alembic import op
from sqlalchemy import text

from migrations import helpers

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

GLOBAL_TABLES = ("org", "users", "password_tokens", "api_key_prefixes", "sign_in_failures",
                 "attempt_counters")
TENANT_TABLES = ("members", "audit_entries", "sessions", "api_keys", "invitations")
_OLD_USER = "user_id = (SELECT app_current_user())"
# (table, policy, command, USING, WITH CHECK) in the new form; the old one wraps the calls.
POLICIES = [
    *((table, "tenant_isolation", "ALL", helpers.TENANT_ROWS, helpers.TENANT_ROWS)
      for table in TENANT_TABLES),
    ("members", "member_self_read", "SELECT", helpers.USER_ROWS, None),
    ("sessions", "session_self_read", "SELECT", helpers.USER_ROWS, None),
    ("sessions", "session_self_end", "UPDATE", helpers.USER_ROWS,
     f"{helpers.USER_ROWS} AND revoked_at IS NOT NULL"),
]


def _old(expression: str | None) -> str | None:
    """The user-scope policies as 0002 and 0007 made them; tenant_isolation as the helper makes
    it for 0001-0005 now (a database made before this revision had the subquery there too)."""
    return expression.replace(helpers.USER_ROWS, _OLD_USER) if expression else None


def _recreate(form) -> None:
    for table, policy, command, using, check in POLICIES:
        op.execute(text(f"DROP POLICY {policy} ON {table}"))
        clause = f" WITH CHECK ({form(check)})" if check else ""
        op.execute(text(f"CREATE POLICY {policy} ON {table} FOR {command} "
                        f"USING ({form(using)}){clause}"))


def upgrade() -> None:
    _recreate(lambda expression: expression)
    if helpers.citus():
        database = helpers.quoted(op.get_bind().execute(text("SELECT current_database()")).scalar_one())
        op.execute(text(f"ALTER DATABASE {database} SET citus.propagate_set_commands TO 'local'"))
        for table in TENANT_TABLES:  # Citus checks their foreign keys to the new reference
            op.execute(text(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY"))  # tables
        for table in GLOBAL_TABLES:
            helpers.reference_table(table)
        for table in TENANT_TABLES:
            helpers.distributed_table(table)


def downgrade() -> None:
    if helpers.citus():
        helpers.undistribute(TENANT_TABLES, GLOBAL_TABLES)
    _recreate(_old)
