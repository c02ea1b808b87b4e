"""A unique violation is a 409, whatever the engine: PostgreSQL names the constraint in its
diagnostics; Citus leaves that empty and names the shard's index in the message
(`ux_org_lower_slug_102008`), so the name is read from either and the shard suffix stripped."""

from __future__ import annotations

import re

import psycopg

from domain.errors import Conflict

CODES = {
    "ux_org_lower_slug": ("that slug is already taken", "slug_taken"),
    "ux_users_lower_email": ("a user with that email exists", "email_taken"),
    "uq_members_org_id_user_id": ("the user is already a member", "already_member"),
}
_NAMED = re.compile(r'unique constraint "([^"]+)"')
_SHARD = re.compile(r"_\d{5,}$")  # Citus shard ids: 102008 and up


def constraint_of(error: psycopg.errors.UniqueViolation) -> str:
    """The constraint's name as the schema has it (no shard suffix); '' when none is given."""
    name = error.diag.constraint_name or ""
    if not name:
        found = _NAMED.search(error.diag.message_primary or str(error))
        name = found.group(1) if found else ""
    return _SHARD.sub("", name)


def conflict(error: psycopg.errors.UniqueViolation) -> Conflict:
    message, code = CODES.get(constraint_of(error), ("that already exists", "conflict"))
    return Conflict(message, code=code)
