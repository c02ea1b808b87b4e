"""Invitations to join an org.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TIMESTAMP, UUID

from migrations import helpers

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("org_id", UUID(as_uuid=True), nullable=False),
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("invited_by", UUID(as_uuid=True), nullable=True),
        sa.Column("expires_at", TIMESTAMP(timezone=True), nullable=False),
        sa.Column("accepted_at", TIMESTAMP(timezone=True), nullable=True),
        *helpers.timestamps(),
        sa.CheckConstraint("role IN ('owner', 'admin', 'member', 'viewer')",
                           name=op.f("ck_invitations_role")),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name="fk_invitations_org_id_org",
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["invited_by"], ["users.id"], name="fk_invitations_invited_by_users",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("org_id", "id", name="pk_invitations"),
        sa.UniqueConstraint("org_id", "token_hash", name="uq_invitations_org_id_token_hash"),
    )
    helpers.updated_at_trigger("invitations")
    helpers.tenant_isolation("invitations")
    helpers.grant("invitations", "SELECT, INSERT, UPDATE")


def downgrade() -> None:
    op.drop_table("invitations")
