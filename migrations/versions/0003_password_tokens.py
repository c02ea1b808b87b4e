"""Single-use password tokens, and a user scope that may end that user's own sessions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TIMESTAMP, UUID

from migrations import helpers

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "password_tokens",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("user_id", UUID(as_uuid=True), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("expires_at", TIMESTAMP(timezone=True), nullable=False),
        sa.Column("used_at", TIMESTAMP(timezone=True), nullable=True),
        *helpers.timestamps(),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_password_tokens_user_id_users",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_password_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_password_tokens_token_hash"),
    )
    op.create_index("ix_password_tokens_user_id", "password_tokens", ["user_id"])
    helpers.updated_at_trigger("password_tokens")
    helpers.grant("password_tokens", "SELECT, INSERT, UPDATE")
    op.execute("CREATE POLICY session_self ON sessions "
               "USING (user_id = (SELECT app_current_user())) "
               "WITH CHECK (user_id = (SELECT app_current_user()))")


def downgrade() -> None:
    op.execute("DROP POLICY session_self ON sessions")
    op.drop_table("password_tokens")
