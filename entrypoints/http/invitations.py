"""Inviting people by email, and accepting an invitation."""

from __future__ import annotations

from dependency_injector.wiring import Provide, inject
from flask.views import MethodView
from flask_smorest import Blueprint

from application.invitations import AcceptInvitation, InvitationService, Invite
from entrypoints.http.bearer import BEARER_SECURITY, authenticated
from entrypoints.http.tenant_schemas import (
    AcceptInvitationSchema,
    InvitationSchema,
    InviteSchema,
    MemberSchema,
)

blp = Blueprint("invitations", __name__, url_prefix="/api/v1", description="Invitations")
INVITATIONS = Provide["application.invitations"]


@blp.route("/orgs/<slug>/invitations")
class InvitationsView(MethodView):
    @blp.arguments(InviteSchema)
    @blp.response(201, InvitationSchema)
    @blp.alt_response(409, description="Already a member")
    @blp.doc(security=BEARER_SECURITY)
    @authenticated
    @inject
    def post(self, body, slug, principal, invitations: InvitationService = INVITATIONS):
        """Invite a person by email with a role; the token goes by email only."""
        return invitations.invite(Invite(slug=slug, actor=principal.actor, **body))


@blp.route("/invitations/accept")
class AcceptView(MethodView):
    @blp.arguments(AcceptInvitationSchema)
    @blp.response(201, MemberSchema)
    @blp.alt_response(401, description="Unknown, used or expired invitation")
    @inject
    def post(self, body, invitations: InvitationService = INVITATIONS):
        """Accept an invitation; a new account chooses its password here."""
        return invitations.accept(AcceptInvitation(**body))
