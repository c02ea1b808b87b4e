"""Email verification: when a person proved their address (users.email_verified_at), and the
single-use links that prove it (email_tokens, a global table: a reference table on Citus).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TIMESTAMP, UUID

from migrations import helpers

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("email_verified_at", TIMESTAMP(timezone=True), nullable=True))
    op.create_table(
        "email_tokens",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("user_id", UUID(as_uuid=True), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("expires_at", TIMESTAMP(timezone=True), nullable=False),
        sa.Column("used_at", TIMESTAMP(timezone=True), nullable=True),
        *helpers.timestamps(),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_email_tokens_user_id_users",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_email_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_email_tokens_token_hash"),
    )
    op.create_index("ix_email_tokens_user_id", "email_tokens", ["user_id"])
    helpers.updated_at_trigger("email_tokens")
    helpers.grant("email_tokens", "SELECT, INSERT, UPDATE")
    helpers.reference_table("email_tokens")


def downgrade() -> None:
    op.drop_table("email_tokens")
    op.drop_column("users", "email_verified_at")
