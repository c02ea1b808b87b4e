"""Errors that gunicorn answers itself, before the app sees the request (a request line or
headers over its limits, a malformed request): problem+json like every other error, not
gunicorn's HTML page.

gunicorn writes those answers with `gunicorn.util.write_error`, which its workers look up on the
module each time; `groundwork serve` puts this writer there before the workers start.
"""

from __future__ import annotations

import json

from gunicorn import util

TITLES = {400: "The request is malformed", 403: "Forbidden", 414: "The request line is too long",
          417: "Expectation failed", 431: "The request's headers are too large",
          500: "Internal server error", 501: "Not implemented"}


def problem_bytes(status: int, reason: str) -> bytes:
    """The whole HTTP answer; it names no detail of what the client sent."""
    body = json.dumps({"type": f"https://groundwork.dev/problems/{status}",
                       "title": TITLES.get(status, reason), "status": status}).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/problem+json\r\nContent-Length: {len(body)}\r\n"
            "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\r\n")
    return head.encode("latin-1") + body


def write_problem(sock, status_int: int, reason: str, mesg: str) -> None:
    util.write_nonblock(sock, problem_bytes(int(status_int), reason))


def install() -> None:
    util.write_error = write_problem
