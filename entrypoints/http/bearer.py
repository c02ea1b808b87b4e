"""Bearer authentication for views: the tenant comes from the credential only.

`Authorization: Bearer gw_<prefix>_<secret>` is an API key; any other bearer is an access JWT.
"""

from __future__ import annotations

import functools

from dependency_injector.wiring import Provide, inject
from flask import request

from application.api_keys import ApiKeyService
from application.auth import AuthService
from domain.api_key import KEY_PREFIX
from domain.errors import Unauthenticated

BEARER_SECURITY = [{"bearerAuth": []}]


def bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("invalid or expired credentials")
    return token.strip()


def authenticated(view):
    """A person's session or an API key; passed to the view as `principal`."""

    @functools.wraps(view)
    @inject
    def wrapper(*args, auth: AuthService = Provide["application.auth"],
                keys: ApiKeyService = Provide["application.api_keys"], **kwargs):
        token = bearer_token()
        principal = keys.authenticate(token) if token.startswith(f"{KEY_PREFIX}_") \
            else auth.authenticate(token)
        return view(*args, principal=principal, **kwargs)

    return wrapper


def signed_in(view):
    """A person's session only: for routes about the session itself."""

    @functools.wraps(view)
    @inject
    def wrapper(*args, auth: AuthService = Provide["application.auth"], **kwargs):
        return view(*args, principal=auth.authenticate(bearer_token()), **kwargs)

    return wrapper
