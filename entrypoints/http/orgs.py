"""The caller's organization and its members."""

from __future__ import annotations

from dependency_injector.wiring import Provide, inject
from flask.views import MethodView
from flask_smorest import Blueprint

from application.members import ListMembers, MemberService
from application.organizations import GetOrganization, OrganizationService
from entrypoints.http.auth_schemas import MemberSchema, OrganizationSchema
from entrypoints.http.bearer import BEARER_SECURITY, authenticated

blp = Blueprint("orgs", __name__, url_prefix="/api/v1/orgs", description="Organizations")


@blp.route("/<slug>")
class OrganizationView(MethodView):
    @blp.response(200, OrganizationSchema)
    @blp.alt_response(404, description="No such organization for this credential")
    @blp.doc(security=BEARER_SECURITY)
    @authenticated
    @inject
    def get(self, slug, principal,
            organizations: OrganizationService = Provide["application.organizations"]):
        """Read the organization the credential belongs to."""
        return organizations.get(GetOrganization(slug=slug, actor=principal.actor))


@blp.route("/<slug>/members")
class MembersView(MethodView):
    @blp.response(200, MemberSchema(many=True))
    @blp.alt_response(404, description="No such organization for this credential")
    @blp.doc(security=BEARER_SECURITY)
    @authenticated
    @inject
    def get(self, slug, principal, members: MemberService = Provide["application.members"]):
        """List the organization's members."""
        return members.list(ListMembers(slug=slug, actor=principal.actor))
