"""Tenant exports: one row per export an org asked for (its status, row counts, where its
manifest is in the object store). A tenant table: distributed by org_id on Citus.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP, UUID

from migrations import helpers

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exports",
        sa.Column("org_id", UUID(as_uuid=True), nullable=False),
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("status", sa.Text(), nullable=False, server_default=sa.text("'queued'")),
        sa.Column("requested_by", UUID(as_uuid=True), nullable=True),
        sa.Column("counts", JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("manifest_key", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("finished_at", TIMESTAMP(timezone=True), nullable=True),
        *helpers.timestamps(),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')",
                           name=op.f("ck_exports_status")),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name="fk_exports_org_id_org",
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["requested_by"], ["users.id"],
                                name="fk_exports_requested_by_users", ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("org_id", "id", name="pk_exports"),
    )
    helpers.updated_at_trigger("exports")
    helpers.tenant_isolation("exports")
    helpers.grant("exports", "SELECT, INSERT, UPDATE")
    helpers.distributed_table("exports")


def downgrade() -> None:
    op.drop_table("exports")
