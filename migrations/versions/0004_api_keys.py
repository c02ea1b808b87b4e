"""API keys (a tenant table) and the global prefix index that finds a key's org.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP, UUID

from migrations import helpers

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None



def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("org_id", UUID(as_uuid=True), nullable=False),
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("prefix", sa.Text(), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.Column("scopes", JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("created_by", UUID(as_uuid=True), nullable=True),
        sa.Column("expires_at", TIMESTAMP(timezone=True), nullable=True),
        sa.Column("last_used_at", TIMESTAMP(timezone=True), nullable=True),
        sa.Column("revoked_at", TIMESTAMP(timezone=True), nullable=True),
        *helpers.timestamps(),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name="fk_api_keys_org_id_org", ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name="fk_api_keys_created_by_users",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("org_id", "id", name="pk_api_keys"),
        sa.UniqueConstraint("org_id", "prefix", name="uq_api_keys_org_id_prefix"),
    )
    helpers.updated_at_trigger("api_keys")
    helpers.tenant_isolation("api_keys")
    helpers.grant("api_keys", "SELECT, INSERT, UPDATE")
    op.create_table(
        "api_key_prefixes",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("prefix", sa.Text(), nullable=False),
        sa.Column("org_id", UUID(as_uuid=True), nullable=False),
        *helpers.timestamps(),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name="fk_api_key_prefixes_org_id_org",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_api_key_prefixes"),
        sa.UniqueConstraint("prefix", name="uq_api_key_prefixes_prefix"),
    )
    helpers.grant("api_key_prefixes", "SELECT, INSERT")


def downgrade() -> None:
    op.drop_table("api_key_prefixes")
    op.drop_table("api_keys")
