"""app_current_org() as a SQL function the planner inlines: the tenant read straight from the
setting, or else app_tenant_missing(), which answers NULL in a user scope and raises where
neither a tenant nor a user is set. Where a table's two permissive policies are OR-ed (members,
sessions), the policy is evaluated per row: the plpgsql function cost about 1 µs a row there,
the inlined expression costs what reading a setting costs (bench/README.md, "RLS policies").

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

RAISE_MISSING = """RAISE EXCEPTION 'tenant context missing: run SET LOCAL app.org_id = ''<org uuid>'' '
                  'in this transaction before touching tenant tables'
    USING ERRCODE = 'insufficient_privilege';"""

# It takes both settings and decides alone, rather than raising unconditionally in the last
# arm of a CASE: Citus evaluates each function call of a modification's policies on the
# coordinator one by one, whatever arm it stands in. STABLE, never IMMUTABLE: the planner must
# not fold it into a constant.
TENANT_MISSING = f"""
CREATE FUNCTION app_tenant_missing(tenant text, person text) RETURNS uuid
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF NULLIF(tenant, '') IS NULL AND NULLIF(person, '') IS NULL THEN
    {RAISE_MISSING}
  END IF;
  RETURN NULL;  -- a user scope (app_current_user(), migration 0002): no tenant row matches
END $$
"""

INLINABLE_CURRENT_ORG = """
CREATE OR REPLACE FUNCTION app_current_org() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT COALESCE(NULLIF(current_setting('app.org_id', true), '')::uuid,
                  app_tenant_missing(current_setting('app.org_id', true),
                                     current_setting('app.user_id', true)))
$$
"""

# As migration 0002 made it (a migration keeps its own copy: 0002 must not change under it).
PLPGSQL_CURRENT_ORG = f"""
CREATE OR REPLACE FUNCTION app_current_org() RETURNS uuid LANGUAGE plpgsql STABLE AS $$
DECLARE
  tenant text := current_setting('app.org_id', true);
BEGIN
  IF tenant IS NULL OR tenant = '' THEN
    IF app_current_user() IS NOT NULL THEN
      RETURN NULL;
    END IF;
    {RAISE_MISSING}
  END IF;
  RETURN tenant::uuid;
END $$
"""


def upgrade() -> None:
    op.execute(TENANT_MISSING)
    op.execute(INLINABLE_CURRENT_ORG)


def downgrade() -> None:
    op.execute(PLPGSQL_CURRENT_ORG)
    op.execute("DROP FUNCTION app_tenant_missing(text, text)")
