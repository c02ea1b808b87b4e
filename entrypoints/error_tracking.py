"""Sentry, when SENTRY_DSN is set: errors with the request id and org id as tags, and nothing
in an event that could be a secret or a person's data (no headers of credentials, no bodies)."""

from __future__ import annotations

import sentry_sdk
from sentry_sdk.integrations.flask import FlaskIntegration

_DROPPED_HEADERS = ("authorization", "cookie", "x-api-key", "proxy-authorization")


def scrub(event: dict, _hint: dict | None = None) -> dict:
    """before_send: the request keeps its method, URL and harmless headers, nothing else."""
    found = event.get("request")
    if found:
        found.pop("data", None)
        found.pop("cookies", None)
        found.pop("query_string", None)  # a download link's token travels in the path, not here
        found["headers"] = {name: value for name, value in (found.get("headers") or {}).items()
                            if name.lower() not in _DROPPED_HEADERS}
    event.pop("user", None)
    return event


def start(dsn: str, **options) -> None:
    sentry_sdk.init(dsn=dsn, integrations=[FlaskIntegration()], send_default_pii=False,
                    before_send=scrub, max_request_body_size="never",
                    include_local_variables=False,  # a frame's locals may hold a token
                    **options)
