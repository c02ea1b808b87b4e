"""Inviting people by email, and accepting an invitation."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from application.invitations import AcceptInvitation, Invite
from entrypoints.http.bearer import BEARER_SECURITY, authenticated, use_case
from entrypoints.http.tenant_schemas import (
    AcceptInvitationSchema,
    InvitationSchema,
    InviteSchema,
    MemberSchema,
)

blp = Blueprint("invitations", __name__, url_prefix="/api/v1", description="Invitations")


@blp.route("/orgs/<slug>/invitations")
class InvitationsView(MethodView):
    @blp.arguments(InviteSchema())
    @blp.response(201, InvitationSchema)
    @blp.alt_response(409, description="Already a member")
    @blp.doc(security=BEARER_SECURITY)
    @authenticated
    def post(self, body, slug, credential):
        """Invite a person by email with a role; the token goes by email only."""
        return use_case("invitations").invite(Invite(slug=slug, actor=credential, **body))


@blp.route("/invitations/accept")
class AcceptView(MethodView):
    @blp.arguments(AcceptInvitationSchema())
    @blp.response(201, MemberSchema)
    @blp.alt_response(401, description="Unknown, used or expired invitation")
    def post(self, body):
        """Accept an invitation; a new account chooses its password here."""
        return use_case("invitations").accept(AcceptInvitation(**body))
