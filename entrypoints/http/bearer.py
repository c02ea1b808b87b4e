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
from entrypoints.http.blueprint import documents

SESSION_SECURITY = [{"bearerAuth": []}]
TENANT_SECURITY = [{"bearerAuth": []}, {"apiKeyAuth": []}]


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
    """A person's session or an API key, passed to the view as `credential`; the route is one
    organization's (404 for any other, 403 when the role or the key's scopes fall short)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        credential = use_case("credentials").read(bearer_token())
        return view(*args, credential=credential, **kwargs)

    return _secured(wrapper, TENANT_SECURITY, 401, 403, 404)


def signed_in(view):
    """A person's session only: for routes about the session or the person."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        credential = use_case("credentials").session(bearer_token())
        return view(*args, credential=credential, **kwargs)

    return _secured(wrapper, SESSION_SECURITY, 401, 403)


def maybe_signed_in(view):
    """A public route that a person may also call with their session (which it then uses)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        credential = (use_case("credentials").session(bearer_token())
                      if "Authorization" in request.headers else None)
        return view(*args, credential=credential, **kwargs)

    return _secured(wrapper, [{}, *SESSION_SECURITY], 401, 403)


def _secured(view, security: list[dict], *statuses: int):
    view = documents(*statuses, why={401: "No credential, or one that is invalid, expired or "
                                          "revoked"})(view)
    view._apidoc.setdefault("manual_doc", {})["security"] = security
    return view
