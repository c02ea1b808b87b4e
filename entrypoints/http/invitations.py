"""Inviting people by email, seeing and taking back what was sent, and accepting."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import jsonify, request
from flask.views import MethodView
from marshmallow import RAISE

from application.invitations import AcceptInvitation, Invite, ListInvitations, OneInvitation
from entrypoints.http.bearer import authenticated, use_case
from entrypoints.http.blueprint import Blueprint, documents
from entrypoints.http.tenant_schemas import (
    MAIL_FAILED,
    NEXT_PAGE_HEADER,
    AcceptInvitationSchema,
    InvitationSchema,
    InviteSchema,
    MemberSchema,
    PageQuerySchema,
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

    @blp.arguments(PageQuerySchema(), location="query", unknown=RAISE)
    @blp.response(200, InvitationSchema(many=True), headers=NEXT_PAGE_HEADER)
    @documents(why={400: "A cursor that this server did not issue",
                    403: "Your role may not manage members"})
    @authenticated
    def get(self, args, slug, credential):
        """The open invitations, oldest first; a `Link: <...>; rel="next"` header names the
        next page."""
        page = use_case("invitations").list(ListInvitations(slug=slug, actor=credential, **args))
        headers = {}
        if page.next_cursor is not None:
            query = urlencode({"limit": args["limit"], "cursor": page.next_cursor})
            headers["Link"] = f'<{request.path}?{query}>; rel="next"'
        return jsonify(InvitationSchema(many=True).dump(page.invitations)), 200, headers


@blp.route("/orgs/<slug>/invitations/<uuid:invitation_id>")
class InvitationView(MethodView):
    @blp.response(204)
    @documents(why={403: "Your role may not manage members, or not at this invitation's role",
                    404: "No open invitation has this id here"})
    @authenticated
    def delete(self, slug, invitation_id, credential):
        """Take an open invitation back: its link stops working at once."""
        use_case("invitations").revoke(OneInvitation(slug=slug, invitation_id=invitation_id,
                                                     actor=credential))


@blp.route("/orgs/<slug>/invitations/<uuid:invitation_id>/resend")
class ResendInvitationView(MethodView):
    @blp.response(201, InvitationSchema)
    @documents(why={404: "No invitation waiting for an answer has this id here",
                    429: "It was sent a moment ago; see Retry-After",
                    503: MAIL_FAILED})
    @authenticated
    def post(self, slug, invitation_id, credential):
        """Send the invitation again with a new link (the old one stops working) and a new
        expiry; at most once a minute."""
        return use_case("invitations").resend(OneInvitation(
            slug=slug, invitation_id=invitation_id, actor=credential))


@blp.route("/invitations/accept")
class AcceptView(MethodView):
    @blp.arguments(AcceptInvitationSchema())
    @blp.response(201, MemberSchema)
    @documents(why={401: "Unknown, used or expired invitation"})
    def post(self, body):
        """Accept an invitation; a new account chooses its password here."""
        return use_case("invitations").accept(AcceptInvitation(**body))
