"""Bearer-token authentication for views: the tenant comes from the credential only."""

from __future__ import annotations

import functools

from dependency_injector.wiring import Provide, inject
from flask import request

from application.auth import AuthService
from domain.errors import Unauthenticated

BEARER_SECURITY = [{"bearerAuth": []}]


def bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("invalid or expired credentials")
    return token.strip()


def authenticated(view):
    """Resolve the caller from `Authorization: Bearer …` and pass it as `principal`."""

    @functools.wraps(view)
    @inject
    def wrapper(*args, auth: AuthService = Provide["application.auth"], **kwargs):
        return view(*args, principal=auth.authenticate(bearer_token()), **kwargs)

    return wrapper
