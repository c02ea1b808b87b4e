"""The permission table of SPEC.md, checked here and nowhere else."""

from __future__ import annotations

import enum

from domain.errors import Forbidden
from domain.member import Role


class Permission(enum.StrEnum):
    READ_ORG = "read_org"
    UPDATE_ORG = "update_org"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_ADMINS = "manage_admins"
    MANAGE_OWNERS = "manage_owners"
    DELETE_ORG = "delete_org"
    MANAGE_API_KEYS = "manage_api_keys"
    READ_AUDIT = "read_audit"

    @property
    def phrase(self) -> str:
        return self.value.replace("_", " ")


_ADMIN = {Permission.READ_ORG, Permission.UPDATE_ORG, Permission.MANAGE_MEMBERS,
          Permission.MANAGE_ADMINS, Permission.MANAGE_API_KEYS, Permission.READ_AUDIT}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ADMIN: frozenset(_ADMIN),
    Role.MEMBER: frozenset({Permission.READ_ORG}),
    Role.VIEWER: frozenset({Permission.READ_ORG}),
}


# What each API key scope allows, within what its creator's role allows at the time of use.
# Keys never grant, change or remove an admin or an owner (that takes a person), never manage
# keys, and never delete the org.
SCOPE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "org:read": frozenset({Permission.READ_ORG}),
    "org:write": frozenset({Permission.READ_ORG, Permission.UPDATE_ORG}),
    "members:write": frozenset({Permission.READ_ORG, Permission.MANAGE_MEMBERS}),
    "audit:read": frozenset({Permission.READ_AUDIT}),
}


def require_role(role: Role, permission: Permission) -> None:
    if permission not in ROLE_PERMISSIONS[role]:
        article = "an" if str(role)[0] in "aeiou" else "a"
        raise Forbidden(f"{article} {role} may not {permission.phrase}", code="forbidden")


def require_scope(scopes: frozenset[str], permission: Permission) -> None:
    if not any(permission in SCOPE_PERMISSIONS.get(scope, ()) for scope in scopes):
        raise Forbidden(f"this API key's scopes do not allow {permission.phrase}",
                        code="insufficient_scope")
