"""A signed-in person's own account: their organizations, a new one of their own, their
password, where they are signed in, and deleting it."""

from __future__ import annotations

import json

from flask import Response, jsonify
from flask.views import MethodView
from marshmallow import RAISE, Schema, fields

from application.account import ChangePassword
from application.erasure import EraseMyAccount
from application.signup import CreateOwnOrganization
from application.verification import ChangeEmail
from entrypoints.http.auth_schemas import AcceptedSchema, MembershipSchema, MeSchema
from entrypoints.http.bearer import signed_in, use_case
from entrypoints.http.blueprint import Blueprint, documents
from entrypoints.http.client import client
from entrypoints.http.fields import email, password, slug, text
from entrypoints.http.paging import next_page_headers
from entrypoints.http.tenant_schemas import NEXT_PAGE_HEADER, OrganizationSchema, PageQuerySchema
from entrypoints.http.two_factor import any_code
from entrypoints.plain import plain

blp = Blueprint("me", __name__, url_prefix="/api/v1", description="Your account")


class NewOrganizationSchema(Schema):
    name = text(required=True)
    slug = slug(required=True)


class ChangePasswordSchema(Schema):
    current_password = password(required=True)
    new_password = password(new=True, required=True)


class SessionsEndedSchema(Schema):
    sessions_ended = fields.Integer(required=True, metadata={"description": "How many ended"})


class SessionSchema(Schema):
    id = fields.UUID(required=True)
    org_slug = fields.String(required=True)
    org_name = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    last_used_at = fields.DateTime(required=True, metadata={
        "description": "Its sign-in or its refresh token's last use: within an access token's "
                       "lifetime of its last request"})
    expires_at = fields.DateTime(required=True)
    ip = fields.String(required=True, allow_none=True)
    user_agent = fields.String(required=True, allow_none=True)
    current = fields.Boolean(required=True, metadata={"description": "The session asking"})


@blp.route("/me/orgs")
class MyOrganizationsView(MethodView):
    @blp.arguments(PageQuerySchema(), location="query", unknown=RAISE)
    @blp.response(200, MembershipSchema(many=True), headers=NEXT_PAGE_HEADER)
    @documents(why={400: "A cursor that this server did not issue"})
    @signed_in
    def get(self, args, credential):
        """The active organizations you belong to, with your role in each, by slug; a
        `Link: <...>; rel="next"` header names the next page."""
        page = use_case("sessions").my_orgs(credential, **args)
        return (jsonify(MembershipSchema(many=True).dump(page.memberships)), 200,
                next_page_headers(page.next_cursor, args["limit"]))


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


class RenameSchema(Schema):
    full_name = text(required=True)


class NameSchema(Schema):
    full_name = fields.String(required=True)


class EraseAccountSchema(Schema):
    password = password(required=True)
    code = any_code(metadata={"description": "When two-factor sign-in is on: a code of your "
                                             "app, or a recovery code"})


@blp.route("/me")
class MeView(MethodView):
    @blp.response(200, MeSchema)
    @signed_in
    def get(self, credential):
        """Who you are, the org this credential is for, and all your memberships."""
        return use_case("sessions").me(credential)

    @blp.arguments(RenameSchema())
    @blp.response(200, NameSchema)
    @signed_in
    def patch(self, body, credential):
        """Change your name (your email changes with a confirmation, not here)."""
        return {"full_name": use_case("account").rename(credential, body["full_name"])}

    @blp.arguments(EraseAccountSchema())
    @blp.response(202, AcceptedSchema)
    @documents(why={409: "You are the only owner of the organizations in `orgs` (make "
                         "someone else an owner, or delete them, first), or your account is "
                         "being deleted already",
                    422: "The password or the code is not right, or a code is missing",
                    429: "Too many wrong passwords or codes; see Retry-After"})
    @signed_in
    def delete(self, body, credential):
        """Delete your account for good: your password (and a code, with two-factor sign-in
        on). At once, you are signed out everywhere and cannot sign in; your memberships, the
        API keys you made and your invitations end. Then, by the next maintenance run, your
        name and address are erased, from the audit logs too (their chains still verify). Not
        while an organization has no other owner."""
        use_case("erasure").erase_mine(EraseMyAccount(actor=credential, **body,
                                                      ip=client()["ip"]))
        return {"detail": "your account is closed; your name and address are erased by the "
                          "next maintenance run"}


@blp.route("/me/password")
class MyPasswordView(MethodView):
    @blp.arguments(ChangePasswordSchema())
    @blp.response(200, SessionsEndedSchema)
    @documents(why={422: "The current password is not right, or the new one breaks the policy",
                    429: "Too many wrong current passwords; see Retry-After"})
    @signed_in
    def post(self, body, credential):
        """Change your password: the current one is needed, and every other session of yours
        ends, in every organization."""
        ended = use_case("account").change_password(ChangePassword(
            actor=credential, **body, **client()))
        return {"sessions_ended": ended}


@blp.route("/me/sessions")
class MySessionsView(MethodView):
    @blp.arguments(PageQuerySchema(), location="query", unknown=RAISE)
    @blp.response(200, SessionSchema(many=True), headers=NEXT_PAGE_HEADER)
    @documents(why={400: "A cursor that this server did not issue"})
    @signed_in
    def get(self, args, credential):
        """Where you are signed in, in every organization, newest first (of the newest 100);
        the session asking is marked `current`. A `Link: <...>; rel="next"` header names the
        next page."""
        page = use_case("account").sessions(credential, **args)
        return (jsonify(SessionSchema(many=True).dump(page.sessions)), 200,
                next_page_headers(page.next_cursor, args["limit"]))


@blp.route("/me/sessions/<uuid:session_id>")
class MySessionView(MethodView):
    @blp.response(204)
    @documents(why={404: "No live session of yours has this id"})
    @signed_in
    def delete(self, session_id, credential):
        """End one of your sessions, in whichever organization (this one signs you out)."""
        use_case("account").end_session(credential, session_id)


@blp.route("/me/sessions/end-others")
class MyOtherSessionsView(MethodView):
    @blp.response(200, SessionsEndedSchema)
    @signed_in
    def post(self, credential):
        """End every session of yours but this one."""
        return {"sessions_ended": use_case("account").end_other_sessions(credential)}


class ChangeEmailSchema(Schema):
    new_email = email(required=True)
    password = password(required=True)


@blp.route("/me/email")
class MyEmailView(MethodView):
    @blp.arguments(ChangeEmailSchema())
    @blp.response(202, AcceptedSchema)
    @documents(why={422: "The password is not right, or the address is yours already",
                    429: "Too many changes asked for; see Retry-After"})
    @signed_in
    def post(self, body, credential):
        """Move your account to another address: a link goes to the new address, and the move
        happens when it is used (then the old address is told). The answer is the same whether
        or not the new address has an account."""
        use_case("verification").request_change(ChangeEmail(
            actor=credential, **body, ip=client()["ip"]))
        return {"detail": "a link to confirm the new address is on its way to it"}


@blp.route("/me/email/verification")
class MyEmailVerificationView(MethodView):
    @blp.response(202, AcceptedSchema)
    @documents(why={409: "Your address is confirmed already",
                    429: "Too many confirmation mails asked for; see Retry-After"})
    @signed_in
    def post(self, credential):
        """Send the link that confirms your email address again (the older ones stop
        working); a few times an hour."""
        use_case("verification").resend(credential, ip=client()["ip"])
        return {"detail": "a link to confirm your address is on its way"}


@blp.route("/me/export")
class MyExportView(MethodView):
    @blp.response(200, content_type="application/json")
    @signed_in
    def get(self, credential):
        """Your own data, as one JSON document: your profile, your memberships, where you are
        signed in, and the audit entries about you in each of your organizations (at most
        10,000 each; fields erased read `[erased]`, and the log's own salts and digests of
        personal fields are left out). Never a credential. Audited in each organization."""
        body = use_case("personal_export").export(credential)
        return Response(json.dumps(plain(body), indent=2), mimetype="application/json",
                        headers={"Content-Disposition": 'attachment; filename="my-data.json"',
                                 "Cache-Control": "no-store"})
