"""The caller's organization and its members. Every route takes the tenant from the credential."""

from __future__ import annotations

from dependency_injector.wiring import Provide, inject
from flask.views import MethodView
from flask_smorest import Blueprint

from application.members import AddMember, ChangeRole, GetMember, ListMembers, MemberService, RemoveMember
from application.organizations import (
    DeleteOrganization,
    GetOrganization,
    OrganizationService,
    UpdateOrganization,
)
from entrypoints.http.bearer import BEARER_SECURITY, authenticated
from entrypoints.http.tenant_schemas import (
    MemberSchema,
    NewMemberSchema,
    OrganizationPatchSchema,
    OrganizationSchema,
    RoleChangeSchema,
)

blp = Blueprint("orgs", __name__, url_prefix="/api/v1/orgs", description="Organizations and members")
ORGS = Provide["application.organizations"]
MEMBERS = Provide["application.members"]


@blp.route("/<slug>")
class OrganizationView(MethodView):
    @blp.response(200, OrganizationSchema)
    @blp.alt_response(404, description="No such organization for this credential")
    @blp.doc(security=BEARER_SECURITY)
    @authenticated
    @inject
    def get(self, slug, principal, organizations: OrganizationService = ORGS):
        """Read the organization the credential belongs to."""
        return organizations.get(GetOrganization(slug=slug, actor=principal.actor))

    @blp.arguments(OrganizationPatchSchema)
    @blp.response(200, OrganizationSchema)
    @blp.alt_response(403, description="Your role may not change the organization")
    @blp.doc(security=BEARER_SECURITY)
    @authenticated
    @inject
    def patch(self, body, slug, principal, organizations: OrganizationService = ORGS):
        """Rename the organization or change settings (merged key by key, then validated)."""
        return organizations.update(UpdateOrganization(slug=slug, actor=principal.actor, **body))

    @blp.response(204)
    @blp.alt_response(409, description="The organization still has data; the body lists it")
    @blp.doc(security=BEARER_SECURITY)
    @authenticated
    @inject
    def delete(self, slug, principal, organizations: OrganizationService = ORGS):
        """Delete the organization (owners only) once only its owners remain."""
        organizations.delete(DeleteOrganization(slug=slug, actor=principal.actor))


@blp.route("/<slug>/members")
class MembersView(MethodView):
    @blp.response(200, MemberSchema(many=True))
    @blp.alt_response(404, description="No such organization for this credential")
    @blp.doc(security=BEARER_SECURITY)
    @authenticated
    @inject
    def get(self, slug, principal, members: MemberService = MEMBERS):
        """List the organization's members."""
        return members.list(ListMembers(slug=slug, actor=principal.actor))

    @blp.arguments(NewMemberSchema)
    @blp.response(201, MemberSchema)
    @blp.alt_response(409, description="Already a member")
    @blp.doc(security=BEARER_SECURITY)
    @authenticated
    @inject
    def post(self, body, slug, principal, members: MemberService = MEMBERS):
        """Add a person (created if new) with a role; only owners add owners."""
        return members.add(AddMember(slug=slug, actor=principal.actor, **body))


@blp.route("/<slug>/members/<uuid:member_id>")
class MemberView(MethodView):
    @blp.response(200, MemberSchema)
    @blp.doc(security=BEARER_SECURITY)
    @authenticated
    @inject
    def get(self, slug, member_id, principal, members: MemberService = MEMBERS):
        """Read one member."""
        return members.get(GetMember(slug=slug, member=str(member_id), actor=principal.actor))

    @blp.arguments(RoleChangeSchema)
    @blp.response(200, MemberSchema)
    @blp.alt_response(409, description="The last owner keeps the role")
    @blp.doc(security=BEARER_SECURITY)
    @authenticated
    @inject
    def patch(self, body, slug, member_id, principal, members: MemberService = MEMBERS):
        """Change a member's role; an admin cannot touch an owner."""
        return members.change_role(ChangeRole(slug=slug, member=str(member_id), role=body["role"],
                                              actor=principal.actor))

    @blp.response(204)
    @blp.alt_response(409, description="The last owner cannot be removed")
    @blp.doc(security=BEARER_SECURITY)
    @authenticated
    @inject
    def delete(self, slug, member_id, principal, members: MemberService = MEMBERS):
        """Remove a member; their sessions stop working at once."""
        members.remove(RemoveMember(slug=slug, member=str(member_id), actor=principal.actor))
