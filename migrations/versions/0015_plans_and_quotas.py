"""Plans and quotas: a `plans` table (free, pro, enterprise: each limit a number or null for
none), editable by operators, and an org's own overrides over its plan (`org.quota_overrides`).
A reference table on Citus.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29
"""

import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from migrations import helpers

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# The limits plans start with (domain.quota.DEFAULT_PLAN_LIMITS as of this revision).
PLANS = {
    "free": {"members": 5, "api_keys": 3, "pending_invitations": 10,
             "storage_bytes": 1 * 1024**3, "requests_per_minute": 600},
    "pro": {"members": 50, "api_keys": 25, "pending_invitations": 100,
            "storage_bytes": 50 * 1024**3, "requests_per_minute": 6000},
    "enterprise": {"members": None, "api_keys": None, "pending_invitations": None,
                   "storage_bytes": None, "requests_per_minute": None},
}


def upgrade() -> None:
    plans = op.create_table(
        "plans",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("limits", JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        *helpers.timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_plans"),
        sa.UniqueConstraint("name", name="uq_plans_name"),
    )
    helpers.updated_at_trigger("plans")
    helpers.grant("plans", "SELECT, UPDATE")  # operators edit limits (`groundwork plan set`)
    op.bulk_insert(plans, [{"id": uuid.uuid5(uuid.NAMESPACE_URL, f"groundwork/plans/{name}"),
                            "name": name, "limits": limits} for name, limits in PLANS.items()])
    helpers.reference_table("plans")
    op.add_column("org", sa.Column("quota_overrides", JSONB(), nullable=False,
                                   server_default=sa.text("'{}'::jsonb")))


def downgrade() -> None:
    op.drop_column("org", "quota_overrides")
    op.drop_table("plans")
