"""Tenancy core: extensions, the app role, org, users, members, audit_entries, RLS.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from migrations import helpers

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None



FUNCTIONS = """
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;

CREATE FUNCTION app_current_org() RETURNS uuid LANGUAGE plpgsql STABLE AS $$
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

CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
"""


def upgrade() -> None:
    helpers.require_extensions(op.get_bind())
    helpers.ensure_extensions()
    helpers.create_app_role()
    op.execute(FUNCTIONS)

    op.create_table(
        "org",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("plan", sa.Text(), server_default=sa.text("'free'"), nullable=False),
        sa.Column("settings", JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'active'"), nullable=False),
        *helpers.timestamps(),
        sa.CheckConstraint("status IN ('active', 'suspended', 'deleted')", name=op.f("ck_org_status")),
        sa.CheckConstraint("plan IN ('free', 'pro', 'enterprise')", name=op.f("ck_org_plan")),
        sa.CheckConstraint("slug = lower(slug)", name=op.f("ck_org_slug_lowercase")),
        sa.PrimaryKeyConstraint("id", name="pk_org"),
    )
    op.create_index("ux_org_lower_slug", "org", [sa.text("lower(slug)")], unique=True)
    op.create_index("ix_org_settings", "org", ["settings"], postgresql_using="gin")

    op.create_table(
        "users",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default=sa.text("'active'"), nullable=False),
        *helpers.timestamps(),
        sa.CheckConstraint("status IN ('active', 'disabled')", name=op.f("ck_users_status")),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
    )
    op.create_index("ux_users_lower_email", "users", [sa.text("lower(email)")], unique=True)

    op.create_table(
        "members",
        sa.Column("org_id", UUID(as_uuid=True), nullable=False),
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("user_id", UUID(as_uuid=True), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("invited_by", UUID(as_uuid=True), nullable=True),
        *helpers.timestamps(),
        sa.CheckConstraint("role IN ('owner', 'admin', 'member', 'viewer')",
                           name=op.f("ck_members_role")),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name="fk_members_org_id_org",
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_members_user_id_users",
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["org_id", "invited_by"], ["members.org_id", "members.id"],
                                name="fk_members_org_id_invited_by_members", ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("org_id", "id", name="pk_members"),
        sa.UniqueConstraint("org_id", "user_id", name="uq_members_org_id_user_id"),
    )
    op.create_index("ix_members_org_id_role", "members", ["org_id", "role"])
    op.create_index("ix_members_org_id_invited_by", "members", ["org_id", "invited_by"])

    op.create_table(
        "audit_entries",
        sa.Column("org_id", UUID(as_uuid=True), nullable=False),
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("actor_type", sa.Text(), nullable=False),
        sa.Column("actor_id", UUID(as_uuid=True), nullable=True),
        sa.Column("actor_label", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("resource_type", sa.Text(), nullable=False),
        sa.Column("resource_id", sa.Text(), nullable=False),
        sa.Column("details", JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("ip", sa.Text(), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.Text(), nullable=False),
        sa.Column("hash", sa.Text(), nullable=False),
        *helpers.timestamps(),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name="fk_audit_entries_org_id_org",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("org_id", "id", name="pk_audit_entries"),
        sa.UniqueConstraint("org_id", "seq", name="uq_audit_entries_org_id_seq"),
    )
    op.create_index("ix_audit_entries_org_id_created_at", "audit_entries",
                    ["org_id", "created_at"])
    op.create_index("ix_audit_entries_org_id_action", "audit_entries", ["org_id", "action"])

    for table in ("org", "users", "members"):
        helpers.updated_at_trigger(table)
    op.execute("CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries "
               "FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()")
    op.execute("CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries "
               "FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()")
    for table in ("members", "audit_entries"):
        helpers.tenant_isolation(table)

    helpers.grant("org", "SELECT, INSERT, UPDATE")
    helpers.grant("users", "SELECT, INSERT, UPDATE")
    helpers.grant("members", "SELECT, INSERT, UPDATE, DELETE")
    helpers.grant("audit_entries", "SELECT, INSERT")


def downgrade() -> None:
    op.drop_table("audit_entries")
    op.drop_table("members")
    op.drop_table("users")
    op.drop_table("org")
    op.execute("DROP FUNCTION audit_entries_append_only()")
    op.execute("DROP FUNCTION app_current_org()")
    op.execute("DROP FUNCTION set_updated_at()")
    helpers.drop_app_role()
    helpers.drop_own_extensions()
