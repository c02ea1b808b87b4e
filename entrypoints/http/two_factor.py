"""Two-factor sign-in: setting it up and turning it off (a signed-in person), and answering the
challenge that `POST /auth/login` gives a person who has it (or whose org requires it)."""

from __future__ import annotations

from flask import jsonify, make_response
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from application.auth import Challenge
from application.two_factor import SecondFactor, TurnOff
from entrypoints.http.auth_schemas import TokenPairSchema
from entrypoints.http.bearer import signed_in, use_case
from entrypoints.http.blueprint import Blueprint, documents
from entrypoints.http.client import client
from entrypoints.http.fields import password, token

blp = Blueprint("two_factor", __name__, url_prefix="/api/v1",
                description="Two-factor sign-in (TOTP)")

TOO_MANY_CODES = "Too many codes tried; see Retry-After"
APP_CODE = validate.Regexp(r"^[0-9]{6}$", error="must be the six digits your app shows")
# Six digits are the app's code; anything else of this shape is taken as a recovery code.
ANY_CODE = validate.Regexp(r"^(?:[0-9]{6}|[A-Za-z0-9]{6}-?[A-Za-z0-9]{6})$",
                           error="must be the six digits your app shows, or a recovery code")


def app_code(**kwargs) -> fields.String:
    return fields.String(load_only=True, validate=APP_CODE, metadata={
        "description": "The six-digit code your authenticator app shows now"}, **kwargs)


def any_code(**kwargs) -> fields.String:
    kwargs.setdefault("metadata", {"description": "The six-digit code your authenticator app "
                                                  "shows now, or one of your recovery codes "
                                                  "(each works once)"})
    return fields.String(load_only=True, validate=ANY_CODE, **kwargs)


class ChallengeSchema(Schema):
    challenge_token = fields.String(required=True, metadata={
        "description": "Answer it within `expires_in` seconds at POST /auth/two-factor"})
    challenge = fields.String(required=True, validate=validate.OneOf(
        ["totp", "enrol_totp", "create_org"]), metadata={
        "description": "`totp`: give a code of your app (or a recovery code) at POST "
                       "/auth/two-factor; `enrol_totp`: your organization requires two-factor "
                       "sign-in, set it up first at POST /auth/two-factor/enrolment; "
                       "`create_org`: you belong to no organization any more, start one at "
                       "POST /auth/first-org"})
    expires_in = fields.Integer(required=True)


class AnswerSchema(Schema):
    challenge_token = token(required=True, max_length=4096)
    code = any_code(required=True)


class ChallengeTokenSchema(Schema):
    challenge_token = token(required=True, max_length=4096)


class SignedInSchema(TokenPairSchema):
    recovery_codes = fields.List(fields.String(), metadata={
        "description": "When this sign-in also turned two-factor sign-in on: your recovery "
                       "codes, shown this once"})


class EnrolmentSchema(Schema):
    secret = fields.String(required=True, metadata={"description": "Base32, to type in by hand"})
    otpauth_uri = fields.String(required=True, metadata={"description": "For authenticator apps"})
    qr_svg = fields.String(required=True, metadata={"description": "The URI as a QR code (SVG)"})


class StatusSchema(Schema):
    enabled = fields.Boolean(required=True)
    confirmed_at = fields.DateTime(required=True, allow_none=True)
    recovery_codes_left = fields.Integer(required=True)


class CodeSchema(Schema):
    code = app_code(required=True)


class RecoveryCodesSchema(Schema):
    recovery_codes = fields.List(fields.String(), required=True, metadata={
        "description": "Shown this once: keep them somewhere safe; each works once"})


class PasswordSchema(Schema):
    password = password(required=True)


class TurnOffSchema(Schema):
    password = password(required=True)
    code = any_code(required=True)


def challenge_response(challenge: Challenge):
    """202: the password was right; a second factor is still to come."""
    return make_response(jsonify(ChallengeSchema().dump(challenge)), 202)


@blp.route("/auth/two-factor")
class AnswerChallengeView(MethodView):
    @blp.arguments(AnswerSchema())
    @blp.response(200, SignedInSchema)
    @documents(why={401: "Invalid or expired challenge, or a wrong or used code",
                    409: "Two-factor sign-in is not set up yet",
                    429: TOO_MANY_CODES})
    def post(self, body):
        """Finish signing in: the challenge from `POST /auth/login` and a code from your app
        (or a recovery code). A code works once."""
        done = use_case("two_factor").complete(SecondFactor(**body, **client()))
        answer = TokenPairSchema().dump(done.tokens)
        if done.recovery_codes is not None:
            answer["recovery_codes"] = done.recovery_codes
        return answer


@blp.route("/auth/two-factor/enrolment")
class ChallengedEnrolmentView(MethodView):
    @blp.arguments(ChallengeTokenSchema())
    @blp.response(201, EnrolmentSchema)
    @documents(why={401: "Invalid or expired challenge",
                    409: "Two-factor sign-in is on already"})
    def post(self, body):
        """Set up two-factor sign-in when your organization requires it (the login answered
        `enrol_totp`): scan the secret, then `POST /auth/two-factor` with its first code."""
        return use_case("two_factor").enrol_challenged(body["challenge_token"])


@blp.route("/me/two-factor")
class MyTwoFactorView(MethodView):
    @blp.response(200, StatusSchema)
    @signed_in
    def get(self, credential):
        """Whether two-factor sign-in is on, and how many recovery codes are left."""
        return use_case("two_factor").status(credential)

    @blp.arguments(PasswordSchema())
    @blp.response(201, EnrolmentSchema)
    @documents(why={409: "Two-factor sign-in is on already",
                    422: "The password is not right",
                    429: "Too many wrong passwords or codes; see Retry-After"})
    @signed_in
    def post(self, body, credential):
        """Start setting up two-factor sign-in (your password first): scan the secret with an
        authenticator app, then confirm with its first code. Asking again replaces a secret not
        yet confirmed."""
        return use_case("two_factor").enrol(credential, body["password"], ip=client()["ip"])


@blp.route("/me/two-factor/confirm")
class ConfirmTwoFactorView(MethodView):
    @blp.arguments(CodeSchema())
    @blp.response(200, RecoveryCodesSchema)
    @documents(why={409: "Not set up, or on already", 422: "The code is not right",
                    429: TOO_MANY_CODES})
    @signed_in
    def post(self, body, credential):
        """Turn two-factor sign-in on with the app's first code; answers with ten recovery
        codes, shown this once. From then on, signing in needs a code, and your other sessions
        end."""
        codes = use_case("two_factor").confirm(credential, body["code"], ip=client()["ip"])
        return {"recovery_codes": codes}


@blp.route("/me/two-factor/recovery-codes")
class NewRecoveryCodesView(MethodView):
    @blp.arguments(CodeSchema())
    @blp.response(200, RecoveryCodesSchema)
    @documents(why={409: "Two-factor sign-in is not on", 422: "The code is not right",
                    429: TOO_MANY_CODES})
    @signed_in
    def post(self, body, credential):
        """Replace all your recovery codes with ten new ones (the old ones stop working)."""
        codes = use_case("two_factor").new_recovery_codes(credential, body["code"],
                                                          ip=client()["ip"])
        return {"recovery_codes": codes}


@blp.route("/me/two-factor/disable")
class DisableTwoFactorView(MethodView):
    @blp.arguments(TurnOffSchema())
    @blp.response(204)
    @documents(why={409: "Two-factor sign-in is not on",
                    422: "The password or the code is not right",
                    429: TOO_MANY_CODES})
    @signed_in
    def post(self, body, credential):
        """Turn two-factor sign-in off: your password and a code (or a recovery code)."""
        use_case("two_factor").turn_off(TurnOff(actor=credential, **body, ip=client()["ip"]))
