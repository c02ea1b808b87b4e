"""The RateLimit-* headers (IETF draft "RateLimit header fields for HTTP"), as sent and as
documented on every operation that counts against a request limit."""

from __future__ import annotations

from application.ports.rate_limits import Window

RATE_LIMITED = ("Too many requests this minute for the organization (or this API key); see "
                "Retry-After and the RateLimit-* headers")
_LOWER = RATE_LIMITED[0].lower() + RATE_LIMITED[1:]
RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": {"description": "Requests allowed in the current window of a minute "
                                       "(absent when the organization's plan has no limit)",
                        "schema": {"type": "integer", "minimum": 0}},
    "RateLimit-Remaining": {"description": "Requests left in the current window",
                            "schema": {"type": "integer", "minimum": 0}},
    "RateLimit-Reset": {"description": "Seconds until the current window ends",
                        "schema": {"type": "integer", "minimum": 1}},
}
RETRY_AFTER_HEADER = {"Retry-After": {"description": "Seconds to wait before trying again",
                                      "schema": {"type": "integer", "minimum": 1}}}


def rate_limit_headers(window: Window) -> dict[str, str]:
    return {"RateLimit-Limit": str(window.limit), "RateLimit-Remaining": str(window.remaining),
            "RateLimit-Reset": str(window.reset_in)}


def documented_rate_limit(responses: dict) -> None:
    """Add the headers to the success and the 429 responses of one operation's doc."""
    for status, variants in responses.items():
        if str(status).startswith("2") or str(status) == "429":
            extra = {**RATE_LIMIT_HEADERS, **(RETRY_AFTER_HEADER if str(status) == "429" else {})}
            for variant in variants:  # mappings: blp.response's, and `why`'s for the 429
                variant["headers"] = {**(variant.get("headers") or {}), **extra}
                if str(status) == "429" and "RateLimit" not in variant["description"]:
                    variant["description"] += "; or, as for every request, " + _LOWER
