"""Attempt counters in the database: sign-in and sign-up caps that hold across every server
process when no Redis is configured (one count, not one per worker).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TIMESTAMP, UUID

from migrations import helpers

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attempt_counters",
        sa.Column("id", UUID(as_uuid=True), nullable=False, server_default=sa.text("gen_random_uuid()")),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", TIMESTAMP(timezone=True), nullable=False),
        *helpers.timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_attempt_counters"),
        sa.UniqueConstraint("key", name="uq_attempt_counters_key"),
    )
    op.create_index("ix_attempt_counters_expires_at", "attempt_counters", ["expires_at"])
    helpers.updated_at_trigger("attempt_counters")
    helpers.grant("attempt_counters", "SELECT, INSERT, UPDATE, DELETE")


def downgrade() -> None:
    op.drop_table("attempt_counters")
