"""Where data migrations that walk every tenant keep their progress: `maintenance.tenant_backfills`.

A schema migration runs in one transaction, which is right for DDL and wrong for rewriting the
rows of 10,000 orgs: one failure would undo all of it, and a restart would begin again. So a
revision that needs its data rewritten registers a backfill here (migrations/backfills.py holds
what each one runs), and `groundwork db upgrade` then walks the orgs in batches, one transaction
per batch, each org under its own binding (adapters/postgres/tenant_backfills.py), recording
after every batch the last org it finished: a second run resumes there.

The owner may SET ROLE to the application role: a backfill's statements run as it, with the
app's privileges and under row-level security, which the owner (a superuser on some servers)
might bypass. So a backfill that forgets its org still touches only the org it is bound to.

A platform table, no tenant's: in a schema of its own, outside the public schema that `db check`
holds to the tenant conventions; on Citus a plain table on the coordinator. Only the owner, who
migrates, reads or writes it.

Revision ID: 0022_tenant_backfills
Revises: 0021_platform_operators
Create Date: 2026-11-30
"""

from alembic import op

from migrations import helpers

revision = "0022_tenant_backfills"
down_revision = "0021_platform_operators"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA maintenance")
    op.execute("""
        CREATE TABLE maintenance.tenant_backfills (
            name text PRIMARY KEY,
            last_org_id uuid,
            orgs_done bigint NOT NULL DEFAULT 0,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            finished_at timestamptz
        )""")
    op.execute(f"GRANT {helpers.quoted(helpers.app_role())} TO CURRENT_USER WITH SET TRUE")


def downgrade() -> None:
    op.execute(f"REVOKE {helpers.quoted(helpers.app_role())} FROM CURRENT_USER")
    op.execute("DROP SCHEMA maintenance CASCADE")
