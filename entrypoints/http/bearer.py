"""The HTTP edge of authentication: what a bearer token is, checked without the database.

`Authorization: Bearer gw_<prefix>_<secret>` is an API key; any other bearer is an access JWT,
whose signature and expiry are checked here. Whether the session, the key, the member and the
org are still live is checked by the use case, in its own transaction (application.principals).
"""

from __future__ import annotations

import functools

from flask import current_app, request

from application.errors import Unauthenticated
from application.principals import CREDENTIAL_INVALID

BEARER_SECURITY = [{"bearerAuth": []}]


def bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(CREDENTIAL_INVALID)
    return token.strip()


def use_case(service: str):
    """A use-case service of the app's container, made on first use and kept by the app: the
    services hold no request state, and rebuilding one per request cost more than its work."""
    services = current_app.extensions.setdefault("groundwork.use_cases", {})
    found = services.get(service)
    if found is None:
        found = services[service] = getattr(current_app.container.application, service)()
    return found


def authenticated(view):
    """A person's session or an API key, passed to the view as `credential`."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        credential = use_case("credentials").read(bearer_token())
        return view(*args, credential=credential, **kwargs)

    return wrapper


def signed_in(view):
    """A person's session only: for routes about the session or the person."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        credential = use_case("credentials").session(bearer_token())
        return view(*args, credential=credential, **kwargs)

    return wrapper
