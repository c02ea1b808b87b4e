"""A signed-in person's own account: their organizations, a new one of their own."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema

from application.signup import CreateOwnOrganization
from entrypoints.http.auth_schemas import MembershipSchema
from entrypoints.http.bearer import signed_in, use_case
from entrypoints.http.blueprint import Blueprint, documents
from entrypoints.http.client import client
from entrypoints.http.fields import slug, text
from entrypoints.http.tenant_schemas import OrganizationSchema

blp = Blueprint("me", __name__, url_prefix="/api/v1", description="Your account")


class NewOrganizationSchema(Schema):
    name = text(required=True)
    slug = slug(required=True)


@blp.route("/me/orgs")
class MyOrganizationsView(MethodView):
    @blp.response(200, MembershipSchema(many=True))
    @signed_in
    def get(self, credential):
        """The active organizations you belong to, with your role in each, oldest first."""
        return use_case("sessions").me(credential).memberships


@blp.route("/orgs")
class NewOrganizationView(MethodView):
    @blp.arguments(NewOrganizationSchema())
    @blp.response(201, OrganizationSchema)
    @documents(why={403: "Self-service sign-up is turned off on this server",
                    409: "The slug is taken or reserved",
                    429: "Too many new organizations from you or this client; see Retry-After"})
    @signed_in
    def post(self, body, credential):
        """Create another organization and become its owner; `POST /auth/switch-org` moves
        your sign-in there."""
        return use_case("signup").create_org(CreateOwnOrganization(
            name=body["name"], slug=body["slug"], actor=credential, ip=client()["ip"]))
