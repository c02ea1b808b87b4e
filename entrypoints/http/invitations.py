"""Inviting people by email, seeing and taking back what was sent, and accepting."""

from __future__ import annotations

import attrs
from flask import jsonify
from flask.views import MethodView
from marshmallow import RAISE, fields

from application.auth import Challenge
from application.invitations import AcceptInvitation, Invite, ListInvitations, OneInvitation
from entrypoints.http.auth_schemas import TokenPairSchema
from entrypoints.http.bearer import authenticated, maybe_signed_in, use_case
from entrypoints.http.blueprint import Blueprint, documents
from entrypoints.http.client import client
from entrypoints.http.paging import next_page_headers
from entrypoints.http.tenant_schemas import (
    NEXT_PAGE_HEADER,
    AcceptInvitationSchema,
    InvitationSchema,
    InviteSchema,
    MemberSchema,
    PageQuerySchema,
)
from entrypoints.http.two_factor import ChallengeSchema

blp = Blueprint("invitations", __name__, url_prefix="/api/v1", description="Invitations")


class AcceptedInvitationSchema(MemberSchema):
    session = fields.Nested(TokenPairSchema, allow_none=True, required=True, metadata={
        "description": "Signed in to the org joined; null when a second factor is still to "
                       "come (see `challenge`)"})
    challenge = fields.Nested(ChallengeSchema, allow_none=True, required=True, metadata={
        "description": "When two-factor sign-in is on for you or required by the org: answer "
                       "it at POST /auth/two-factor to get the tokens"})


@blp.route("/orgs/<slug>/invitations")
class InvitationsView(MethodView):
    @blp.arguments(InviteSchema())
    @blp.response(201, InvitationSchema)
    @documents(why={409: "Already a member, or the org's limit of pending invitations is reached "
                         "(`quota_exceeded`)",
                     429: "This address was invited a moment ago; see Retry-After"})
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
        return (jsonify(InvitationSchema(many=True).dump(page.invitations)), 200,
                next_page_headers(page.next_cursor, args["limit"]))


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
                    429: "It was sent a moment ago; see Retry-After"})
    @authenticated
    def post(self, slug, invitation_id, credential):
        """Send the invitation again with a new link (the old one stops working) and a new
        expiry; at most once a minute."""
        return use_case("invitations").resend(OneInvitation(
            slug=slug, invitation_id=invitation_id, actor=credential))


@blp.route("/invitations/accept")
class AcceptView(MethodView):
    @blp.arguments(AcceptInvitationSchema())
    @blp.response(201, AcceptedInvitationSchema)
    @documents(why={401: "Unknown, used or expired invitation, or a wrong password",
                    403: "Signed in as someone else than the invited address, or an account "
                         "with two-factor sign-in on accepting without its session",
                    409: "Already a member, or the org's member limit is reached "
                         "(`quota_exceeded`)",
                    422: "A password is needed: a new account chooses one, an existing account "
                         "gives its own (or accepts while signed in)",
                    429: "Too many wrong passwords; see Retry-After"})
    @maybe_signed_in
    def post(self, body, credential):
        """Accept an invitation and sign in to the org joined. A new account chooses its
        password here; an existing account gives its password, or sends its access token."""
        accepted = use_case("invitations").accept(AcceptInvitation(
            **body, session=credential, **client()))
        signed_in = accepted.signed_in
        challenge = signed_in if isinstance(signed_in, Challenge) else None
        return {**attrs.asdict(accepted.member, recurse=False),
                "session": None if challenge else signed_in, "challenge": challenge}

