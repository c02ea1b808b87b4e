"""The user scope (no tenant bound, app.user_id set: sign-in, a password change, disabling a
person) may read its own sessions and end them, nothing else: it can no longer insert, delete,
or bring back a session, in any organization.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_MINE = "user_id = (SELECT app_current_user())"


def upgrade() -> None:
    op.execute("DROP POLICY session_self ON sessions")
    op.execute(f"CREATE POLICY session_self_read ON sessions FOR SELECT USING ({_MINE})")
    op.execute(f"CREATE POLICY session_self_end ON sessions FOR UPDATE USING ({_MINE}) "
               f"WITH CHECK ({_MINE} AND revoked_at IS NOT NULL)")


def downgrade() -> None:
    op.execute("DROP POLICY session_self_end ON sessions")
    op.execute("DROP POLICY session_self_read ON sessions")
    op.execute(f"CREATE POLICY session_self ON sessions USING ({_MINE}) WITH CHECK ({_MINE})")
