"""The permission table of SPEC.md, checked here and nowhere else."""

from __future__ import annotations

import enum

from application.ports.unit_of_work import UnitOfWork
from domain.audit import Actor, ActorType
from domain.errors import Forbidden, NotFound
from domain.member import Member, Role
from domain.organization import Organization


class Permission(enum.StrEnum):
    READ_ORG = "read_org"
    UPDATE_ORG = "update_org"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_OWNERS = "manage_owners"
    DELETE_ORG = "delete_org"
    MANAGE_API_KEYS = "manage_api_keys"
    READ_AUDIT = "read_audit"


_ADMIN = {Permission.READ_ORG, Permission.UPDATE_ORG, Permission.MANAGE_MEMBERS,
          Permission.MANAGE_API_KEYS, Permission.READ_AUDIT}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ADMIN: frozenset(_ADMIN),
    Role.MEMBER: frozenset({Permission.READ_ORG}),
    Role.VIEWER: frozenset({Permission.READ_ORG}),
}


# What each API key scope allows. Keys never manage owners, keys, or delete the org.
SCOPE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "org:read": frozenset({Permission.READ_ORG}),
    "org:write": frozenset({Permission.READ_ORG, Permission.UPDATE_ORG}),
    "members:write": frozenset({Permission.READ_ORG, Permission.MANAGE_MEMBERS}),
    "audit:read": frozenset({Permission.READ_AUDIT}),
}


def authorize(uow: UnitOfWork, org: Organization, actor: Actor,
              permission: Permission) -> Member | None:
    """Return the actor's membership if it may act; operators act on every org.

    A user who is not a member learns nothing about the org: NotFound, not Forbidden. The
    tenant comes from the credential: a token for org A never reaches org B, even for a
    user who belongs to both.
    """
    if actor.type is ActorType.OPERATOR:
        return None
    if actor.type is ActorType.API_KEY:
        if actor.org_id != org.id:
            raise NotFound(f"organization {org.slug!r} not found", code="org_not_found")
        if not any(permission in SCOPE_PERMISSIONS.get(scope, ()) for scope in actor.scopes):
            raise Forbidden(f"this API key's scopes do not allow {permission.value.replace('_', ' ')}",
                            code="insufficient_scope")
        return None
    bound_elsewhere = actor.org_id is not None and actor.org_id != org.id
    membership = None if bound_elsewhere or not actor.id else uow.members.get_by_user(org.id, actor.id)
    if membership is None:
        raise NotFound(f"organization {org.slug!r} not found", code="org_not_found")
    if permission not in ROLE_PERMISSIONS[membership.role]:
        raise Forbidden(f"a {membership.role} may not {permission.value.replace('_', ' ')}",
                        code="forbidden")
    return membership
