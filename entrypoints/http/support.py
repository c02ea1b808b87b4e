"""An org's support grants: who of the platform's operators had access, why, and until when."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from entrypoints.http.bearer import signed_in_to_org, use_case
from entrypoints.http.blueprint import Blueprint, documents

blp = Blueprint("support", __name__, url_prefix="/api/v1/orgs", description="Support access")


class SupportGrantSchema(Schema):
    id = fields.UUID(required=True)
    operator = fields.String(required=True)
    reason = fields.String(required=True)
    state = fields.String(required=True, metadata={"enum": ["open", "closed", "expired"]})
    expires_at = fields.DateTime(required=True)
    closed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(required=True)


@blp.route("/<slug>/support-grants")
class SupportGrantsView(MethodView):
    @blp.response(200, SupportGrantSchema(many=True))
    @documents(why={403: "Only owners and admins see support access", 404: "No such org"})
    @signed_in_to_org
    def get(self, slug, credential):
        """The operators' support access to the org, newest first; everything done under it
        is in the org's audit log with the grant's id."""
        return use_case("support").grants(slug, credential)
