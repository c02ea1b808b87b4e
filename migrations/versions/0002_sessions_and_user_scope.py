"""Sign-in sessions, and a user scope that lets a signing-in user read only their own memberships.

app_current_org() now answers NULL (matching no tenant row) when the transaction carries
a user scope (SET LOCAL app.user_id) instead of a tenant; with neither it still raises.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TIMESTAMP, UUID

from migrations import helpers

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

USER_SCOPE_FUNCTIONS = """
CREATE OR REPLACE FUNCTION app_current_user() RETURNS uuid LANGUAGE sql STABLE AS $$
  -- A user scope exists only where no tenant is set, so the two never widen each other.
  SELECT CASE WHEN NULLIF(current_setting('app.org_id', true), '') IS NULL
              THEN NULLIF(current_setting('app.user_id', true), '')::uuid END
$$;

CREATE OR REPLACE FUNCTION app_current_org() RETURNS uuid LANGUAGE plpgsql STABLE AS $$
DECLARE
  tenant text := current_setting('app.org_id', true);
BEGIN
  IF tenant IS NULL OR tenant = '' THEN
    IF app_current_user() IS NOT NULL THEN
      RETURN NULL;
    END IF;
    RAISE EXCEPTION 'tenant context missing: run SET LOCAL app.org_id = ''<org uuid>'' '
                    'in this transaction before touching tenant tables'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN tenant::uuid;
END $$;
"""

TENANT_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION app_current_org() RETURNS uuid LANGUAGE plpgsql STABLE AS $$
DECLARE
  tenant text := current_setting('app.org_id', true);
BEGIN
  IF tenant IS NULL OR tenant = '' THEN
    RAISE EXCEPTION 'tenant context missing: run SET LOCAL app.org_id = ''<org uuid>'' '
                    'in this transaction before touching tenant tables'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN tenant::uuid;
END $$;
"""


def upgrade() -> None:
    op.execute(USER_SCOPE_FUNCTIONS)
    op.execute("CREATE POLICY member_self_read ON members FOR SELECT "
               "USING (user_id = (SELECT app_current_user()))")
    op.create_table(
        "sessions",
        sa.Column("org_id", UUID(as_uuid=True), nullable=False),
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("user_id", UUID(as_uuid=True), nullable=False),
        sa.Column("refresh_token_id", sa.Text(), nullable=False),
        sa.Column("expires_at", TIMESTAMP(timezone=True), nullable=False),
        sa.Column("revoked_at", TIMESTAMP(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.Column("ip", sa.Text(), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        *helpers.timestamps(),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name="fk_sessions_org_id_org",
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_sessions_user_id_users",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("org_id", "id", name="pk_sessions"),
    )
    op.create_index("ix_sessions_org_id_user_id", "sessions", ["org_id", "user_id"])
    helpers.updated_at_trigger("sessions")
    helpers.tenant_isolation("sessions")
    helpers.grant("sessions", "SELECT, INSERT, UPDATE")


def downgrade() -> None:
    op.drop_table("sessions")
    op.execute("DROP POLICY member_self_read ON members")
    op.execute(TENANT_ONLY_FUNCTION)
    op.execute("DROP FUNCTION app_current_user()")
