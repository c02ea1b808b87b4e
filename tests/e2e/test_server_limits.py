"""What gunicorn refuses before the app sees it (a request line or headers over its limits, a
malformed request line) is a problem+json answer too, not an HTML page."""

import json
import socket
from urllib.parse import urlsplit

import pytest

from tests.e2e.live_server import live_server


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    env = {"GROUNDWORK_BACKEND": "memory", "SECRET_KEY": "", "DATABASE_URL": "",
           "APP_DATABASE_URL": "", "GROUNDWORK_HOME": str(tmp_path_factory.mktemp("limits"))}
    with live_server(env, workers=1) as (url, _):
        yield url


def _raw(base: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.mark.parametrize(("request_bytes", "status"), [
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(
        f"X-Filler-{n}: {n}\r\n".encode() for n in range(150)) + b"\r\n", 431),
    (b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 10000 + b"\r\n\r\n", 431),
    (b"\x16\x03\x01 not http at all\r\n\r\n", 400),
    (b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
     b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", 400),
])
def test_requests_over_the_servers_limits_get_a_problem_document(base, request_bytes, status):
    answered, headers, body = _raw(base, request_bytes)
    assert answered == status
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == status and problem["title"]
    assert b"<html" not in body
