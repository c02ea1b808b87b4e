"""`members.last_sign_in_at`: when the person last signed in to the org, for the member list.

New sign-ins write it (the membership is locked by that write, as it was by FOR SHARE). The
sign-ins before this revision are in each org's audit log (`auth.login`): the backfill
`0023_member_last_sign_in` (migrations/backfills.py) copies the latest one of each member, org
by org under the org's binding, after the schema change has committed. Until it reaches an org,
its members show no last sign-in, which the API already allows (null: never, or not yet known).

Revision ID: 0023_member_last_sign_in
Revises: 0022_tenant_backfills
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TIMESTAMP

from migrations import helpers

revision = "0023_member_last_sign_in"
down_revision = "0022_tenant_backfills"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("members", sa.Column("last_sign_in_at", TIMESTAMP(timezone=True), nullable=True))
    helpers.register_backfill(revision)


def downgrade() -> None:
    helpers.forget_backfill(revision)
    op.drop_column("members", "last_sign_in_at")
