"""Sign-in endpoints: login, refresh, logout."""

from __future__ import annotations

from dependency_injector.wiring import Provide, inject
from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from application.auth import AuthService, Login
from entrypoints.http.auth_schemas import LoginSchema, RefreshSchema, TokenPairSchema
from entrypoints.http.bearer import BEARER_SECURITY, authenticated

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign in and out")


def _client() -> dict:
    return {"ip": request.remote_addr, "user_agent": (request.user_agent.string or "")[:512] or None}


@blp.route("/login")
class LoginView(MethodView):
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenPairSchema)
    @blp.alt_response(401, description="Invalid credentials")
    @inject
    def post(self, body, auth: AuthService = Provide["application.auth"]):
        """Exchange email and password for an access and a refresh token."""
        return auth.login(Login(**body, **_client()))


@blp.route("/refresh")
class RefreshView(MethodView):
    @blp.arguments(RefreshSchema)
    @blp.response(200, TokenPairSchema)
    @blp.alt_response(401, description="Invalid, used or revoked refresh token")
    @inject
    def post(self, body, auth: AuthService = Provide["application.auth"]):
        """Rotate a refresh token; presenting a used one ends the whole session."""
        return auth.refresh(body["refresh_token"], **_client())


@blp.route("/logout")
class LogoutView(MethodView):
    @blp.response(204)
    @blp.alt_response(401, description="Not signed in")
    @blp.doc(security=BEARER_SECURITY)
    @authenticated
    @inject
    def post(self, principal, auth: AuthService = Provide["application.auth"]):
        """End this session: its access and refresh tokens stop working at once."""
        auth.logout(principal)
