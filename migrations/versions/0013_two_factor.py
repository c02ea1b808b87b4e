"""Two-factor sign-in: a person's TOTP factor (its secret sealed with a server key) and their
single-use recovery codes (keyed digests). Global tables, keyed by the person: reference tables
on Citus.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TIMESTAMP, UUID

from migrations import helpers

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "totp_factors",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("user_id", UUID(as_uuid=True), nullable=False),
        sa.Column("sealed_secret", sa.Text(), nullable=False),
        sa.Column("confirmed_at", TIMESTAMP(timezone=True), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
        *helpers.timestamps(),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_totp_factors_user_id_users",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_totp_factors"),
        sa.UniqueConstraint("user_id", name="uq_totp_factors_user_id"),
    )
    helpers.updated_at_trigger("totp_factors")
    helpers.grant("totp_factors", "SELECT, INSERT, UPDATE, DELETE")
    helpers.reference_table("totp_factors")
    op.create_table(
        "recovery_codes",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("user_id", UUID(as_uuid=True), nullable=False),
        sa.Column("code_digest", sa.Text(), nullable=False),
        sa.Column("used_at", TIMESTAMP(timezone=True), nullable=True),
        *helpers.timestamps(),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_recovery_codes_user_id_users",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_recovery_codes"),
        sa.UniqueConstraint("user_id", "code_digest", name="uq_recovery_codes_user_id_code_digest"),
    )
    helpers.updated_at_trigger("recovery_codes")
    helpers.grant("recovery_codes", "SELECT, INSERT, UPDATE, DELETE")
    helpers.reference_table("recovery_codes")


def downgrade() -> None:
    op.drop_table("recovery_codes")
    op.drop_table("totp_factors")
