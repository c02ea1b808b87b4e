"""Lists answer a page as a JSON array, and name the next page in a `Link` header."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request


def next_page_headers(next_cursor: str | None, limit: int, **query) -> dict[str, str]:
    if next_cursor is None:
        return {}
    link = urlencode({**query, "limit": limit, "cursor": next_cursor})
    # Relative (RFC 8288 allows it): never built from a Host header the client sent.
    return {"Link": f'<{request.path}?{link}>; rel="next"'}
