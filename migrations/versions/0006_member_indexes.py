"""Indexes for the request path: a person's memberships (sign-in, /me) and the members list
in pages (by created_at, id within an org).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_members_user_id", "members", ["user_id"])
    op.create_index("ix_members_org_id_created_at_id", "members", ["org_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_members_org_id_created_at_id", table_name="members")
    op.drop_index("ix_members_user_id", table_name="members")
