"""A platform log of failed sign-ins: every failure, known address or not, written the same way
(so both cost the same), and never into an organization that the caller names.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from migrations import helpers

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("email_digest", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("user_id", UUID(as_uuid=True), nullable=True),
        sa.Column("ip", sa.Text(), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        *helpers.timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_sign_in_failures"),
    )
    op.create_index("ix_sign_in_failures_created_at", "sign_in_failures", ["created_at"])
    helpers.updated_at_trigger("sign_in_failures")
    helpers.grant("sign_in_failures", "SELECT, INSERT")


def downgrade() -> None:
    op.drop_table("sign_in_failures")
