"""The caller's organization and its members. Every route takes the tenant from the credential."""

from __future__ import annotations

from flask import jsonify, request
from flask.views import MethodView
from marshmallow import Schema, fields

from application.invitations import Invite
from application.members import (
    MAX_PAGE,
    ChangeRole,
    GetMember,
    LeaveOrganization,
    ListMembers,
    RemoveMember,
)
from application.organizations import (
    DeleteOrganization,
    GetOrganization,
    UpdateOrganization,
)
from domain.quota import Limit
from entrypoints.http.bearer import authenticated, signed_in_to_org, use_case
from entrypoints.http.blueprint import Blueprint, documents
from entrypoints.http.paging import next_page_headers
from entrypoints.http.tenant_schemas import (
    MEMBER_PAGE_PARAMETERS,
    NEXT_PAGE_HEADER,
    InvitationSchema,
    MemberSchema,
    NewMemberSchema,
    OrganizationPatchSchema,
    OrganizationSchema,
    RoleChangeSchema,
    member_json,
    member_page_query,
)

blp = Blueprint("orgs", __name__, url_prefix="/api/v1/orgs", description="Organizations and members")


@blp.route("/<slug>")
class OrganizationView(MethodView):
    @blp.response(200, OrganizationSchema)
    @documents(why={404: "No such organization for this credential"})
    @authenticated
    def get(self, slug, credential):
        """Read the organization the credential belongs to."""
        return use_case("organizations").get(GetOrganization(slug=slug, actor=credential))

    @blp.arguments(OrganizationPatchSchema())
    @blp.response(200, OrganizationSchema)
    @documents(why={403: "Your role may not change the organization"})
    @authenticated
    def patch(self, body, slug, credential):
        """Rename the organization or change settings (merged key by key, then validated)."""
        return use_case("organizations").update(UpdateOrganization(slug=slug, actor=credential, **body))

    @blp.response(204)
    @documents(why={409: "The organization still has data; the body lists it"})
    @authenticated
    def delete(self, slug, credential):
        """Delete the organization (owners only) once only its owners remain."""
        use_case("organizations").delete(DeleteOrganization(slug=slug, actor=credential))


@blp.route("/<slug>/members")
class MembersView(MethodView):
    @blp.response(200, MemberSchema(many=True), headers=NEXT_PAGE_HEADER)
    @documents(why={404: "No such organization for this credential",
                    400: "A cursor that this server did not issue"})
    @documents(422)
    @blp.doc(parameters=MEMBER_PAGE_PARAMETERS)
    @authenticated
    def get(self, slug, credential):
        """List the organization's members, oldest first; a `Link: <...>; rel="next"` header
        names the next page."""
        args = member_page_query(request.args)
        page = use_case("members").list(ListMembers(slug=slug, actor=credential, **args))
        return (jsonify([member_json(m) for m in page.members]), 200,
                next_page_headers(page.next_cursor, args.get("limit", MAX_PAGE)))

    @blp.arguments(NewMemberSchema())
    @blp.response(202, InvitationSchema)
    @documents(why={409: "Already a member, or the org's limit of pending invitations is reached "
                         "(`quota_exceeded`)",
                    429: "This address was invited a moment ago; see Retry-After"})
    @authenticated
    def post(self, body, slug, credential):
        """Ask a person to join with a role: they get an invitation by email and become a member
        when they accept it. Nobody is added without their consent, and the answer is the same
        whether or not the address has an account. Only owners invite owners."""
        return use_case("invitations").invite(Invite(slug=slug, actor=credential, **body))


@blp.route("/<slug>/members/me")
class MyMembershipView(MethodView):
    @blp.response(204)
    @documents(why={409: "The last owner cannot leave"})
    @signed_in_to_org
    def delete(self, slug, credential):
        """Leave the organization: your sessions there, your API keys and the invitations you
        sent in it end. The last owner must hand over first."""
        use_case("members").leave(LeaveOrganization(slug=slug, actor=credential))


@blp.route("/<slug>/members/<uuid:member_id>")
class MemberView(MethodView):
    @blp.response(200, MemberSchema)
    @authenticated
    def get(self, slug, member_id, credential):
        """Read one member."""
        return use_case("members").get(GetMember(slug=slug, member=str(member_id), actor=credential))

    @blp.arguments(RoleChangeSchema())
    @blp.response(200, MemberSchema)
    @documents(why={409: "The last owner keeps the role"})
    @authenticated
    def patch(self, body, slug, member_id, credential):
        """Change a member's role; an admin cannot touch an owner."""
        return use_case("members").change_role(ChangeRole(slug=slug, member=str(member_id), role=body["role"],
                                              actor=credential))

    @blp.response(204)
    @documents(why={409: "The last owner cannot be removed"})
    @authenticated
    def delete(self, slug, member_id, credential):
        """Remove a member; their sessions stop working at once."""
        use_case("members").remove(RemoveMember(slug=slug, member=str(member_id), actor=credential))


class LimitUseSchema(Schema):
    name = fields.String(required=True, metadata={
        "enum": [limit.value for limit in Limit
                 if limit not in (Limit.REQUESTS_PER_MINUTE, Limit.AUDIT_RETENTION_DAYS)]})
    limit = fields.Integer(required=True, allow_none=True, metadata={"description": "null: none"})
    used = fields.Integer(required=True)


class UsageSchema(Schema):
    plan = fields.String(required=True)
    limits = fields.List(fields.Nested(LimitUseSchema), required=True)


@blp.route("/<slug>/usage")
class UsageView(MethodView):
    @blp.response(200, UsageSchema)
    @documents(why={404: "No such organization for this credential"})
    @authenticated
    def get(self, slug, credential):
        """The org's plan, and each of its limits with what it uses now (members, live API
        keys, pending invitations, stored bytes)."""
        return use_case("quotas").usage(slug, credential)
