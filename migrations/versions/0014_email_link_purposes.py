"""An email link's purpose: confirming the address a person has (`verify`), or moving their
account to a new address (`change`). A link for one never serves the other.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("email_tokens", sa.Column("purpose", sa.Text(), nullable=False,
                                            server_default=sa.text("'verify'")))
    op.create_check_constraint(op.f("ck_email_tokens_purpose"), "email_tokens",
                               "purpose IN ('verify', 'change')")


def downgrade() -> None:
    op.execute("DELETE FROM email_tokens WHERE purpose <> 'verify'")
    op.drop_column("email_tokens", "purpose")
