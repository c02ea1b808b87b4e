"""Audit entries stay append-only for the application; the owner may change them on purpose.

Purging an org, erasing a person's PII and applying audit retention must delete or rewrite
entries. They do it as the database owner, inside a transaction that says so with
`SET LOCAL groundwork.audit_maintenance = 'on'`. The application's role is refused even when it
sets that flag: only a connection with the owner's credentials has this path.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$"""

MAINTAINED = """
CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The app role is named after the database (`<db>_app`): read at each call, so that a copy
  -- restored under another name (`backup restore --database`) keeps the rule for its own role.
  IF current_setting('groundwork.audit_maintenance', true) = 'on'
     AND current_user <> current_database() || '_app' THEN
    IF TG_LEVEL = 'STATEMENT' THEN RETURN NULL; END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$"""


def upgrade() -> None:
    op.execute(MAINTAINED)


def downgrade() -> None:
    op.execute(APPEND_ONLY)
