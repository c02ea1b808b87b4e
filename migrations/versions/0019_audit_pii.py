"""Erasure and retention: audit entries hash salted digests of personal fields (hash version 2:
`pii_salts`, and `erased` for the digests of erased values); `audit_checkpoints`, where
retention cut a chain (a tenant table, written only on the owner's maintenance path); a person's
status may be `erased`; plans get an `audit_retention_days` limit.

Entries written before this revision keep hash version 1 (their hash covers the values): they
verify as before and cannot be erased. The downgrade refuses while version 2 entries exist: the
older code would report each of them as tampered with.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29
"""

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from migrations import helpers

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

RETENTION = "audit_retention_days"
RETENTION_DAYS = {"free": 365, "pro": 730, "enterprise": None}  # None: kept for ever
USER_STATUSES = "status IN ('active', 'disabled', 'erased')"
OLD_USER_STATUSES = "status IN ('active', 'disabled')"
JSON_OBJECTS = ("jsonb_typeof(details) = 'object' AND jsonb_typeof(pii_salts) = 'object' "
                "AND jsonb_typeof(erased) = 'object'")


def upgrade() -> None:
    op.add_column("audit_entries", sa.Column("hash_version", sa.Integer(), nullable=False,
                                             server_default=sa.text("1")))
    for column in ("pii_salts", "erased"):
        op.add_column("audit_entries", sa.Column(column, JSONB(), nullable=False,
                                                 server_default=sa.text("'{}'::jsonb")))
    # An entry that is no JSON object where one belongs would stop every reader of the chain.
    op.create_check_constraint(op.f("ck_audit_entries_json_objects"), "audit_entries",
                               JSON_OBJECTS)
    op.create_table(
        "audit_checkpoints",
        sa.Column("org_id", UUID(as_uuid=True), nullable=False),
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.Text(), nullable=False),
        sa.Column("removed", sa.BigInteger(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        *helpers.timestamps(),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name="fk_audit_checkpoints_org_id_org",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("org_id", "id", name="pk_audit_checkpoints"),
        sa.UniqueConstraint("org_id", "seq", name="uq_audit_checkpoints_org_id_seq"),
    )
    helpers.tenant_isolation("audit_checkpoints")
    # `audit verify` reads; retention (the owner) writes, and an import puts an org's back. A
    # checkpoint is signed with the server's key: one the app role made up fails verify.
    helpers.grant("audit_checkpoints", "SELECT, INSERT")
    helpers.distributed_table("audit_checkpoints")
    op.drop_constraint(op.f("ck_users_status"), "users", type_="check")
    op.create_check_constraint(op.f("ck_users_status"), "users", USER_STATUSES)
    for plan, days in RETENTION_DAYS.items():  # a plan that has its own value keeps it
        op.execute(sa.text("UPDATE plans SET limits = limits || CAST(:limit AS jsonb) "
                           "WHERE name = :plan AND limits -> :k IS NULL")
                   .bindparams(limit=json.dumps({RETENTION: days}), plan=plan, k=RETENTION))


def downgrade() -> None:
    # Every org's entries, as the owner: RLS is lifted for this statement's sake only.
    op.execute("ALTER TABLE audit_entries NO FORCE ROW LEVEL SECURITY")
    digested = op.get_bind().execute(sa.text(
        "SELECT count(*) FROM audit_entries WHERE hash_version > 1")).scalar_one()
    op.execute("ALTER TABLE audit_entries FORCE ROW LEVEL SECURITY")
    if digested:
        raise RuntimeError(f"{digested} audit entries hash digests of their personal fields "
                           "(hash version 2): the schema before 0019 cannot verify them, and "
                           "would report each one as tampered with. Not downgraded.")
    op.execute(sa.text("UPDATE plans SET limits = limits - :k").bindparams(k=RETENTION))
    op.execute(sa.text("UPDATE org SET quota_overrides = quota_overrides - :k")
               .bindparams(k=RETENTION))
    op.execute("UPDATE users SET status = 'disabled' WHERE status = 'erased'")
    op.drop_constraint(op.f("ck_users_status"), "users", type_="check")
    op.create_check_constraint(op.f("ck_users_status"), "users", OLD_USER_STATUSES)
    op.drop_table("audit_checkpoints")
    op.drop_constraint(op.f("ck_audit_entries_json_objects"), "audit_entries", type_="check")
    for column in ("erased", "pii_salts", "hash_version"):
        op.drop_column("audit_entries", column)
