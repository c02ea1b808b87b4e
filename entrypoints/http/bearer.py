"""The HTTP edge of authentication: what a bearer token is, checked without the database.

`Authorization: Bearer gw_<prefix>_<secret>` is an API key; any other bearer is an access JWT,
whose signature and expiry are checked here. Whether the session, the key, the member and the
org are still live is checked by the use case, in its own transaction (application.principals).
"""

from __future__ import annotations

import functools

from flask import after_this_request, current_app, request

from application.errors import RateLimited, Unauthenticated
from application.ports.rate_limits import Window
from application.principals import CREDENTIAL_INVALID, ApiKeyCredential
from entrypoints.http.blueprint import documents
from entrypoints.http.caller import note_caller
from entrypoints.http.rate_limits import RATE_LIMITED, rate_limit_headers

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
    organization's (404 for any other, 403 when the role or the key's scopes fall short).
    Each such request counts against the org's (or the key's) requests per minute first."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        credential = _noted(use_case("credentials").read(bearer_token()))
        _count(credential)
        return view(*args, credential=credential, **kwargs)

    return _secured(_counted(wrapper), TENANT_SECURITY, 401, 403, 404)


def signed_in_to_org(view):
    """A person's session only, on a route of their organization: counted like `authenticated`."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        credential = _noted(use_case("credentials").session(bearer_token()))
        _count(credential)
        return view(*args, credential=credential, **kwargs)

    return _secured(_counted(wrapper), SESSION_SECURITY, 401, 403)


def _counted(view):
    view = documents(why={429: RATE_LIMITED})(view)
    view._apidoc["rate_limited"] = True  # Blueprint documents the RateLimit-* headers
    return view


def _count(credential) -> None:
    """The org is known from the credential alone (a signed token; a key's prefix, whose org
    the process remembers): one counter hit, before the use case opens its transaction."""
    try:
        window = use_case("request_limits").admit(credential)
    except RateLimited as refused:
        _send(refused.window)
        raise
    if window is not None:
        _send(window)


def _send(window: Window) -> None:
    @after_this_request
    def headers(response):
        response.headers.update(rate_limit_headers(window))
        return response


def signed_in(view):
    """A person's session only: for routes about the session or the person."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        credential = _noted(use_case("credentials").session(bearer_token()))
        return view(*args, credential=credential, **kwargs)

    return _secured(wrapper, SESSION_SECURITY, 401, 403)


def maybe_signed_in(view):
    """A public route that a person may also call with their session (which it then uses)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        credential = (_noted(use_case("credentials").session(bearer_token()))
                      if "Authorization" in request.headers else None)
        return view(*args, credential=credential, **kwargs)

    return _secured(wrapper, [{}, *SESSION_SECURITY], 401, 403)


def _noted(credential):
    if isinstance(credential, ApiKeyCredential):
        note_caller(key_id=credential.prefix)  # the key's public part, never its secret
    else:
        note_caller(org_id=str(credential.org_id), user_id=str(credential.user_id))
    return credential


def _secured(view, security: list[dict], *statuses: int):
    view = documents(*statuses, why={401: "No credential, or one that is invalid, expired or "
                                          "revoked"})(view)
    view._apidoc.setdefault("manual_doc", {})["security"] = security
    return view
