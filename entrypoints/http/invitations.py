"""Inviting people by email, and accepting an invitation."""

from __future__ import annotations

from flask.views import MethodView

from application.invitations import AcceptInvitation, Invite
from entrypoints.http.bearer import authenticated, use_case
from entrypoints.http.blueprint import Blueprint, documents
from entrypoints.http.tenant_schemas import (
    MAIL_FAILED,
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
    @documents(why={409: "Already a member",
                     429: "This address was invited a moment ago; see Retry-After",
                     503: MAIL_FAILED})
    @authenticated
    def post(self, body, slug, credential):
        """Invite a person by email with a role; the token goes by email only."""
        return use_case("invitations").invite(Invite(slug=slug, actor=credential, **body))


@blp.route("/invitations/accept")
class AcceptView(MethodView):
    @blp.arguments(AcceptInvitationSchema())
    @blp.response(201, MemberSchema)
    @documents(why={401: "Unknown, used or expired invitation"})
    def post(self, body):
        """Accept an invitation; a new account chooses its password here."""
        return use_case("invitations").accept(AcceptInvitation(**body))
