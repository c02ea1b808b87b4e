"""An export's files are kept for the newest few of an org; an older one is `expired` (its
row stays, its files are gone).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint(op.f("ck_exports_status"), "exports", type_="check")
    op.create_check_constraint(op.f("ck_exports_status"), "exports",
                               "status IN ('queued', 'running', 'done', 'failed', 'expired')")


def downgrade() -> None:
    # Every org's rows, as the owner: RLS is lifted for this statement's sake only.
    op.execute("ALTER TABLE exports NO FORCE ROW LEVEL SECURITY")
    op.execute("UPDATE exports SET status = 'failed', error = 'expired' WHERE status = 'expired'")
    op.execute("ALTER TABLE exports FORCE ROW LEVEL SECURITY")
    op.drop_constraint(op.f("ck_exports_status"), "exports", type_="check")
    op.create_check_constraint(op.f("ck_exports_status"), "exports",
                               "status IN ('queued', 'running', 'done', 'failed')")
