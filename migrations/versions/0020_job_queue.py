"""The job queue: procrastinate's tables and functions, in a schema of their own
(`procrastinate`). A worker runs exports and mail from it; jobs are rows, so they outlast a
restart. Platform tables, no tenant's: no org_id, no row-level security, outside the public
schema that `db check` holds to the tenant conventions; on Citus plain tables on the
coordinator, never distributed. The application role defers jobs, works them and reads them.

The SQL is procrastinate's own (procrastinate/sql/schema.sql), as of the pinned version: a
procrastinate that ships another schema is refused here rather than half-applied.

Revision ID: 0020_job_queue
Revises: 0019
Create Date: 2026-11-30
"""

import hashlib

from alembic import op
from procrastinate.schema import SchemaManager

from migrations import helpers

revision = "0020_job_queue"
down_revision = "0019"
branch_labels = None
depends_on = None

SCHEMA = "procrastinate"
SCHEMA_SHA256 = "c70ec4b400a60ad9592787653aae5ae77ae41bf801d56b5bd2712751a07f2009"  # 3.10.0

# Procrastinate's SQL names no schema: each function finds its tables in its own schema,
# whoever calls it (the app defers from a transaction whose search_path is public).
PIN_SEARCH_PATHS = f"""
    DO $$
    DECLARE f regprocedure;
    BEGIN
      FOR f IN SELECT oid::regprocedure FROM pg_proc WHERE pronamespace = '{SCHEMA}'::regnamespace
      LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = {SCHEMA}', f);
      END LOOP;
    END $$"""


def upgrade() -> None:
    sql = SchemaManager.get_schema()
    if hashlib.sha256(sql.encode()).hexdigest() != SCHEMA_SHA256:
        raise RuntimeError("the installed procrastinate ships another schema than the 3.10 one "
                           "this revision applies: install procrastinate 3.10.x "
                           "(pyproject.toml), or add a revision for the new version")
    op.execute(f"CREATE SCHEMA {SCHEMA}")
    # Straight to psycopg, on the migration's transaction: with no parameters its `%` and `$$`
    # go as written, and several statements may go at once.
    driver = op.get_bind().connection.driver_connection
    for statements in (f"SET LOCAL search_path TO {SCHEMA}", sql,
                       "SET LOCAL search_path TO DEFAULT", PIN_SEARCH_PATHS):
        driver.execute(statements)
    role = helpers.quoted(helpers.app_role())
    op.execute(f"GRANT USAGE ON SCHEMA {SCHEMA} TO {role}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {SCHEMA} TO {role}")
    op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {role}")


def downgrade() -> None:
    op.execute(f"DROP SCHEMA {SCHEMA} CASCADE")  # the queue goes, with any job still in it
