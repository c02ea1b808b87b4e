"""Platform operators: the `<database>_platform` role and the support grants.

The platform role holds no privilege on any table. It may only call `platform.org_report()`,
a SECURITY DEFINER function owned by the owner that returns one row of counts and times per
org (never a row of tenant data); the function visits each org under that org's own binding
(SET LOCAL app.org_id, the caller's put back when it returns), so row-level security still holds inside it.
The function lives in a schema of its own, `platform`, whose USAGE only the platform role has:
a copy restored without privileges (pg_restore --no-privileges) leaves it reachable by nobody
but the owner, rather than callable by PUBLIC. NOLOGIN unless PLATFORM_DB_PASSWORD is set; the
owner may SET ROLE to it (the CLI does).

`support_grants`: an operator's expiring, reasoned access to one org. A tenant table.

Revision ID: 0021_platform_operators
Revises: 0020_job_queue
Create Date: 2026-11-30
"""

import os

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TIMESTAMP, UUID

from migrations import helpers

revision = "0021_platform_operators"
down_revision = "0020_job_queue"
branch_labels = None
depends_on = None

REPORT = """
CREATE FUNCTION platform.org_report()
RETURNS TABLE (id uuid, slug text, plan text, status text, members bigint, api_keys bigint,
               max_members bigint, max_api_keys bigint, last_activity timestamptz,
               created_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  o record;
  caller_org text := COALESCE(current_setting('app.org_id', true), '');
BEGIN
  FOR o IN SELECT g.id, g.slug, g.plan, g.status, g.created_at,
                  p.limits || g.quota_overrides AS limits
           FROM org g JOIN plans p ON p.name = g.plan
           WHERE g.status <> 'deleted' ORDER BY g.slug
  LOOP
    EXECUTE format('SET LOCAL app.org_id = %L', o.id);
    id := o.id; slug := o.slug; plan := o.plan; status := o.status;
    created_at := o.created_at;
    max_members := (o.limits ->> 'members')::bigint;
    max_api_keys := (o.limits ->> 'api_keys')::bigint;
    members := (SELECT count(*) FROM members m WHERE m.org_id = o.id);
    api_keys := (SELECT count(*) FROM api_keys k WHERE k.org_id = o.id
                 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()));
    last_activity := (SELECT max(a.created_at) FROM audit_entries a WHERE a.org_id = o.id);
    RETURN NEXT;
  END LOOP;
  -- The caller's binding back (SET LOCAL is undone with the transaction, or the savepoint,
  -- should this fail half way).
  EXECUTE format('SET LOCAL app.org_id = %L', caller_org);
END $$
"""


def platform_role() -> str:
    return op.get_bind().execute(sa.text("SELECT current_database() || '_platform'")).scalar_one()


def upgrade() -> None:
    name = platform_role()
    role = helpers.quoted(name)
    password = os.environ.get("PLATFORM_DB_PASSWORD")
    op.execute(sa.text(f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {helpers._literal(name)}) THEN
            CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
          END IF;
        END $$"""))
    if password:
        op.execute(sa.text(f"ALTER ROLE {role} LOGIN PASSWORD {helpers._literal(password)}"))
    op.execute(sa.text(f"GRANT {role} TO CURRENT_USER WITH SET TRUE"))
    op.execute(sa.text("CREATE SCHEMA platform"))
    op.execute(sa.text(f"GRANT USAGE ON SCHEMA platform TO {role}"))
    op.execute(sa.text(REPORT))
    op.execute(sa.text("REVOKE ALL ON FUNCTION platform.org_report() FROM PUBLIC"))
    op.execute(sa.text(f"GRANT EXECUTE ON FUNCTION platform.org_report() TO {role}"))

    op.create_table(
        "support_grants",
        sa.Column("org_id", UUID(as_uuid=True), nullable=False),
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("operator", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("expires_at", TIMESTAMP(timezone=True), nullable=False),
        sa.Column("closed_at", TIMESTAMP(timezone=True), nullable=True),
        *helpers.timestamps(),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name="fk_support_grants_org_id_org",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("org_id", "id", name="pk_support_grants"),
    )
    helpers.updated_at_trigger("support_grants")
    helpers.tenant_isolation("support_grants")
    helpers.grant("support_grants", "SELECT, INSERT, UPDATE")
    helpers.distributed_table("support_grants")


def downgrade() -> None:
    op.drop_table("support_grants")
    role = helpers.quoted(platform_role())
    op.execute(sa.text("DROP SCHEMA platform CASCADE"))  # the report function with it
    op.execute(sa.text(f"DROP ROLE IF EXISTS {role}"))
