"""The schema as SQLAlchemy Core tables. Alembic compares `metadata` with the live database.

Global tables: org, users, plans, password_tokens, email_tokens, totp_factors, recovery_codes,
api_key_prefixes, sign_in_failures, attempt_counters.
Every other table is a tenant table keyed on (org_id, id).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP, UUID

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

GLOBAL_TABLES = frozenset({"org", "users", "plans", "password_tokens", "email_tokens", "totp_factors",
                           "recovery_codes", "api_key_prefixes", "sign_in_failures",
                           "attempt_counters"})


def _timestamps() -> list[Column]:
    return [
        Column("created_at", TIMESTAMP(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", TIMESTAMP(timezone=True), nullable=False, server_default=func.now()),
    ]


org = Table(
    "org",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("slug", Text, nullable=False),
    Column("plan", Text, nullable=False, server_default=text("'free'")),
    Column("settings", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("status", Text, nullable=False, server_default=text("'active'")),
    *_timestamps(),
    Column("quota_overrides", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    CheckConstraint("status IN ('active', 'suspended', 'deleted')", name="status"),
    CheckConstraint("plan IN ('free', 'pro', 'enterprise')", name="plan"),
    CheckConstraint("slug = lower(slug)", name="slug_lowercase"),
)
Index("ux_org_lower_slug", func.lower(org.c.slug), unique=True)
Index("ix_org_settings", org.c.settings, postgresql_using="gin")

users = Table(
    "users",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("email", Text, nullable=False),
    Column("full_name", Text, nullable=False),
    Column("password_hash", Text, nullable=True),
    Column("status", Text, nullable=False, server_default=text("'active'")),
    *_timestamps(),
    Column("email_verified_at", TIMESTAMP(timezone=True), nullable=True),
    CheckConstraint("status IN ('active', 'disabled', 'erased')", name="status"),
)
Index("ux_users_lower_email", func.lower(users.c.email), unique=True)

members = Table(
    "members",
    metadata,
    Column("org_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("user_id", UUID(as_uuid=True), nullable=False),
    Column("role", Text, nullable=False),
    Column("invited_by", UUID(as_uuid=True), nullable=True),
    *_timestamps(),
    Column("last_sign_in_at", TIMESTAMP(timezone=True), nullable=True),
    PrimaryKeyConstraint("org_id", "id"),
    ForeignKeyConstraint(["org_id"], ["org.id"], ondelete="RESTRICT"),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="RESTRICT"),
    ForeignKeyConstraint(["org_id", "invited_by"], ["members.org_id", "members.id"],
                         ondelete="RESTRICT"),
    UniqueConstraint("org_id", "user_id"),
    CheckConstraint("role IN ('owner', 'admin', 'member', 'viewer')", name="role"),
)
Index("ix_members_org_id_role", members.c.org_id, members.c.role)
Index("ix_members_org_id_invited_by", members.c.org_id, members.c.invited_by)
Index("ix_members_org_id_created_at_id", members.c.org_id, members.c.created_at, members.c.id)
# Not tenant-led on purpose: a person's memberships across orgs, read in the user scope.
Index("ix_members_user_id", members.c.user_id)

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("org_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("actor_type", Text, nullable=False),
    Column("actor_id", UUID(as_uuid=True), nullable=True),
    Column("actor_label", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("resource_type", Text, nullable=False),
    Column("resource_id", Text, nullable=False),
    Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("ip", Text, nullable=True),
    Column("user_agent", Text, nullable=True),
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
    *_timestamps(),
    Column("hash_version", Integer, nullable=False, server_default=text("1")),
    Column("pii_salts", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("erased", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    # An entry that is no JSON object where one belongs would stop every reader of the chain.
    CheckConstraint("jsonb_typeof(details) = 'object' AND jsonb_typeof(pii_salts) = 'object' "
                    "AND jsonb_typeof(erased) = 'object'", name="json_objects"),
    PrimaryKeyConstraint("org_id", "id"),
    ForeignKeyConstraint(["org_id"], ["org.id"], ondelete="RESTRICT"),
    UniqueConstraint("org_id", "seq"),
)
Index("ix_audit_entries_org_id_created_at", audit_entries.c.org_id, audit_entries.c.created_at)
Index("ix_audit_entries_org_id_action", audit_entries.c.org_id, audit_entries.c.action)

# Where retention cut an org's chain (written by the owner's maintenance path only).
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("org_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", Text, nullable=False),
    Column("removed", BigInteger, nullable=False),
    Column("signature", Text, nullable=False),
    *_timestamps(),
    PrimaryKeyConstraint("org_id", "id"),
    ForeignKeyConstraint(["org_id"], ["org.id"], ondelete="RESTRICT"),
    UniqueConstraint("org_id", "seq"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("org_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("user_id", UUID(as_uuid=True), nullable=False),
    Column("refresh_token_id", Text, nullable=False),
    Column("expires_at", TIMESTAMP(timezone=True), nullable=False),
    Column("revoked_at", TIMESTAMP(timezone=True), nullable=True),
    Column("revoked_reason", Text, nullable=True),
    Column("ip", Text, nullable=True),
    Column("user_agent", Text, nullable=True),
    *_timestamps(),
    PrimaryKeyConstraint("org_id", "id"),
    ForeignKeyConstraint(["org_id"], ["org.id"], ondelete="RESTRICT"),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="RESTRICT"),
)
Index("ix_sessions_org_id_user_id", sessions.c.org_id, sessions.c.user_id)

password_tokens = Table(
    "password_tokens",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("user_id", UUID(as_uuid=True), nullable=False),
    Column("token_hash", Text, nullable=False),
    Column("expires_at", TIMESTAMP(timezone=True), nullable=False),
    Column("used_at", TIMESTAMP(timezone=True), nullable=True),
    *_timestamps(),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="RESTRICT"),
    UniqueConstraint("token_hash"),
)
Index("ix_password_tokens_user_id", password_tokens.c.user_id)

email_tokens = Table(
    "email_tokens",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("user_id", UUID(as_uuid=True), nullable=False),
    Column("email", Text, nullable=False),
    Column("token_hash", Text, nullable=False),
    Column("expires_at", TIMESTAMP(timezone=True), nullable=False),
    Column("used_at", TIMESTAMP(timezone=True), nullable=True),
    *_timestamps(),
    Column("purpose", Text, nullable=False, server_default=text("'verify'")),
    CheckConstraint("purpose IN ('verify', 'change')", name="purpose"),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="RESTRICT"),
    UniqueConstraint("token_hash"),
)
Index("ix_email_tokens_user_id", email_tokens.c.user_id)

plans = Table(
    "plans",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("limits", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    *_timestamps(),
    UniqueConstraint("name"),
)

totp_factors = Table(
    "totp_factors",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("user_id", UUID(as_uuid=True), nullable=False),
    Column("sealed_secret", Text, nullable=False),
    Column("confirmed_at", TIMESTAMP(timezone=True), nullable=True),
    Column("last_step", BigInteger, nullable=False, server_default=text("0")),
    *_timestamps(),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="RESTRICT"),
    UniqueConstraint("user_id"),
)

recovery_codes = Table(
    "recovery_codes",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("user_id", UUID(as_uuid=True), nullable=False),
    Column("code_digest", Text, nullable=False),
    Column("used_at", TIMESTAMP(timezone=True), nullable=True),
    *_timestamps(),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="RESTRICT"),
    UniqueConstraint("user_id", "code_digest"),
)

sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("email_digest", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("user_id", UUID(as_uuid=True), nullable=True),
    Column("ip", Text, nullable=True),
    Column("user_agent", Text, nullable=True),
    *_timestamps(),
)
Index("ix_sign_in_failures_created_at", sign_in_failures.c.created_at)

attempt_counters = Table(
    "attempt_counters",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=func.gen_random_uuid()),
    Column("key", Text, nullable=False),
    Column("hits", Integer, nullable=False),
    Column("expires_at", TIMESTAMP(timezone=True), nullable=False),
    *_timestamps(),
    UniqueConstraint("key", name="uq_attempt_counters_key"),
)
Index("ix_attempt_counters_expires_at", attempt_counters.c.expires_at)

api_keys = Table(
    "api_keys",
    metadata,
    Column("org_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("name", Text, nullable=False),
    Column("prefix", Text, nullable=False),
    Column("secret_hash", Text, nullable=False),
    Column("scopes", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("created_by", UUID(as_uuid=True), nullable=True),
    Column("expires_at", TIMESTAMP(timezone=True), nullable=True),
    Column("last_used_at", TIMESTAMP(timezone=True), nullable=True),
    Column("revoked_at", TIMESTAMP(timezone=True), nullable=True),
    *_timestamps(),
    PrimaryKeyConstraint("org_id", "id"),
    ForeignKeyConstraint(["org_id"], ["org.id"], ondelete="RESTRICT"),
    ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="RESTRICT"),
    UniqueConstraint("org_id", "prefix"),
)

invitations = Table(
    "invitations",
    metadata,
    Column("org_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("email", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("token_hash", Text, nullable=False),
    Column("invited_by", UUID(as_uuid=True), nullable=True),
    Column("expires_at", TIMESTAMP(timezone=True), nullable=False),
    Column("accepted_at", TIMESTAMP(timezone=True), nullable=True),
    *_timestamps(),
    PrimaryKeyConstraint("org_id", "id"),
    ForeignKeyConstraint(["org_id"], ["org.id"], ondelete="RESTRICT"),
    ForeignKeyConstraint(["invited_by"], ["users.id"], ondelete="RESTRICT"),
    UniqueConstraint("org_id", "token_hash"),
    CheckConstraint("role IN ('owner', 'admin', 'member', 'viewer')", name="role"),
)

# Global: finds the org of a presented key before any tenant is known. Holds no secret.
api_key_prefixes = Table(
    "api_key_prefixes",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("prefix", Text, nullable=False),
    Column("org_id", UUID(as_uuid=True), nullable=False),
    *_timestamps(),
    ForeignKeyConstraint(["org_id"], ["org.id"], ondelete="RESTRICT"),
    UniqueConstraint("prefix"),
)

TENANT_TABLES = tuple(t.name for t in metadata.sorted_tables if t.name not in GLOBAL_TABLES)

exports = Table(
    "exports",
    metadata,
    Column("org_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("status", Text, nullable=False, server_default=text("'queued'")),
    Column("requested_by", UUID(as_uuid=True), nullable=True),
    Column("counts", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("manifest_key", Text, nullable=True),
    Column("error", Text, nullable=True),
    Column("finished_at", TIMESTAMP(timezone=True), nullable=True),
    *_timestamps(),
    CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'expired')",
                    name="status"),
    PrimaryKeyConstraint("org_id", "id"),
    ForeignKeyConstraint(["org_id"], ["org.id"], ondelete="RESTRICT"),
    ForeignKeyConstraint(["requested_by"], ["users.id"], ondelete="RESTRICT"),
)

support_grants = Table(
    "support_grants",
    metadata,
    Column("org_id", UUID(as_uuid=True), nullable=False),
    Column("id", UUID(as_uuid=True), nullable=False),
    Column("operator", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("expires_at", TIMESTAMP(timezone=True), nullable=False),
    Column("closed_at", TIMESTAMP(timezone=True), nullable=True),
    *_timestamps(),
    PrimaryKeyConstraint("org_id", "id"),
    ForeignKeyConstraint(["org_id"], ["org.id"], ondelete="RESTRICT"),
)
