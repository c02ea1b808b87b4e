"""Sign-in endpoints: login, refresh, logout."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema

from application.auth import Challenge, Login
from application.passwords import FORGOT_ANSWER, ForgotPassword, SetPassword
from application.signup import SIGNUP_ANSWER, FirstOrganization, Signup
from entrypoints.http.auth_schemas import (
    AcceptedSchema,
    ForgotPasswordSchema,
    LoginSchema,
    RefreshSchema,
    SetPasswordSchema,
    SignupSchema,
    SwitchOrgSchema,
    TokenPairSchema,
    VerifyEmailSchema,
)
from entrypoints.http.bearer import signed_in, use_case
from entrypoints.http.blueprint import Blueprint, documents
from entrypoints.http.client import client
from entrypoints.http.fields import slug, text, token
from entrypoints.http.two_factor import ChallengeSchema, any_code, challenge_response

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Sign in and out")


@blp.route("/auth/login")
class LoginView(MethodView):
    @blp.arguments(LoginSchema())
    @blp.response(200, TokenPairSchema)
    @blp.alt_response(202, schema=ChallengeSchema, description="The password is right; a "
                      "second factor is still to come (POST /auth/two-factor)")
    @documents(why={401: "Invalid credentials",
                    403: "The organization is suspended (`org_suspended`)",
                    429: "Too many attempts; see Retry-After"})
    def post(self, body):
        """Exchange email and password for an access and a refresh token, or (with two-factor
        sign-in on, or required by the org) for a challenge to answer with a code."""
        outcome = use_case("auth").login(Login(**body, **client()))
        if isinstance(outcome, Challenge):
            return challenge_response(outcome)
        return outcome


@blp.route("/auth/refresh")
class RefreshView(MethodView):
    @blp.arguments(RefreshSchema())
    @blp.response(200, TokenPairSchema)
    @documents(why={401: "Invalid, used or revoked refresh token"})
    def post(self, body):
        """Rotate a refresh token; presenting a used one ends the whole session."""
        return use_case("auth").refresh(body["refresh_token"], **client())


@blp.route("/auth/logout")
class LogoutView(MethodView):
    @blp.response(204)
    @documents(why={401: "Not signed in"})
    @signed_in
    def post(self, credential):
        """End this session: its access and refresh tokens stop working at once."""
        use_case("sessions").logout(credential)


@blp.route("/auth/switch-org")
class SwitchOrgView(MethodView):
    @blp.arguments(SwitchOrgSchema())
    @blp.response(200, TokenPairSchema)
    @documents(why={404: "Not a member of that organization"})
    @signed_in
    def post(self, body, credential):
        """Move this sign-in to another organization you belong to; this session ends."""
        return use_case("sessions").switch_org(credential, body["org"], **client())


@blp.route("/signup")
class SignupView(MethodView):
    @blp.arguments(SignupSchema())
    @blp.response(202, AcceptedSchema)
    @documents(why={
        403: "Sign-up is turned off on this server",
        409: "The slug is taken or reserved",
        422: "Invalid fields, or a password that breaks the policy",
        429: "Too many sign-ups from this client or for this address; see Retry-After",
    })
    def post(self, body):
        """Create an organization and become its owner, then sign in with `POST /auth/login`.
        The answer is the same whether or not the address has an account: a new one gets a
        link to confirm its address, one with an account a mail saying someone tried."""
        use_case("signup").signup(Signup(**body, **client()))
        return {"detail": SIGNUP_ANSWER}


class FirstOrganizationSchema(Schema):
    challenge_token = token(required=True, max_length=4096)
    name = text(required=True)
    slug = slug(required=True)
    code = any_code(metadata={"description": "When two-factor sign-in is on for you: a code "
                                             "of your app, or a recovery code"})


@blp.route("/auth/first-org")
class FirstOrganizationView(MethodView):
    @blp.arguments(FirstOrganizationSchema())
    @blp.response(201, TokenPairSchema)
    @documents(why={401: "Invalid or expired challenge, or a wrong or used code",
                    403: "Self-service sign-up is turned off on this server",
                    409: "The slug is taken or reserved, or you belong to an organization by now",
                    422: "Invalid fields, or a code is needed (two-factor sign-in is on)",
                    429: "Too many new organizations or codes; see Retry-After"})
    def post(self, body):
        """Start an organization when you belong to none any more (sign-in answered the
        challenge `create_org`): you own it, and this answer signs you in to it."""
        return use_case("signup").first_org(FirstOrganization(**body, **client()))


@blp.route("/auth/verify-email")
class VerifyEmailView(MethodView):
    @blp.arguments(VerifyEmailSchema())
    @blp.response(204)
    @documents(why={401: "Unknown, used, replaced or expired link, or one for an address that "
                         "is no longer yours"})
    def post(self, body):
        """Confirm your email address with the link mailed to it (once)."""
        use_case("verification").verify(body["token"])


@blp.route("/auth/confirm-email-change")
class ConfirmEmailChangeView(MethodView):
    @blp.arguments(VerifyEmailSchema())
    @blp.response(204)
    @documents(why={401: "Unknown, used, replaced or expired link",
                    409: "The new address has an account by now"})
    def post(self, body):
        """Move your account to the new address with the link mailed to it (once); the old
        address is told."""
        use_case("verification").confirm_change(body["token"])


@blp.route("/auth/forgot-password")
class ForgotPasswordView(MethodView):
    @blp.arguments(ForgotPasswordSchema())
    @blp.response(202, AcceptedSchema)
    @documents(why={429: "Too many links asked for this address or from this client; see "
                         "Retry-After"})
    def post(self, body):
        """Ask for a link to set your password, by email. The answer is the same whether or not
        the address has an account; a new link ends the older ones, and lives an hour."""
        use_case("passwords").forgot(ForgotPassword(email=body["email"], **client()))
        return {"detail": FORGOT_ANSWER}


@blp.route("/auth/password")
class SetPasswordView(MethodView):
    @blp.arguments(SetPasswordSchema())
    @blp.response(204)
    @documents(why={
        401: "The link is unknown, used or expired",
        422: "The password breaks the policy",
    })
    def post(self, body):
        """Set a password with a single-use link; every existing session of the user ends."""
        use_case("passwords").set_password(SetPassword(**body, **client()))
