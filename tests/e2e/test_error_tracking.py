"""Sentry (SENTRY_DSN): an error's event carries the request id and org id as tags, and no
credential, cookie or body; checked through a transport that keeps events instead of sending."""

from __future__ import annotations

import json
import uuid

import attrs
import pytest
import sentry_sdk
import structlog
from sentry_sdk.transport import Transport

from application.organizations import CreateOrganization
from entrypoints import error_tracking
from entrypoints.http.app import create_app
from entrypoints.http.bearer import authenticated
from tests.fixtures.app import PASSWORD, memory_container, set_password

DSN = "https://public@sentry.example.test/1"


class KeptEvents(Transport):
    def __init__(self, options=None) -> None:
        super().__init__(options)
        self.events: list[dict] = []

    def capture_envelope(self, envelope) -> None:
        event = envelope.get_event()
        if event is not None:
            self.events.append(event)


@pytest.fixture
def kept(monkeypatch):
    """create_app starts Sentry (SENTRY_DSN is set) with this transport."""
    transport = KeptEvents()
    start = error_tracking.start
    monkeypatch.setattr(error_tracking, "start", lambda dsn: start(dsn, transport=transport))
    yield transport
    sentry_sdk.init()  # no DSN: off again for the tests that follow


def test_an_error_event_has_the_tags_and_no_secret(kept, operator, unique_slug):
    container = memory_container()
    container.settings.override(attrs.evolve(container.settings(), sentry_dsn=DSN))
    slug = unique_slug()
    container.application.organizations().create(CreateOrganization(
        name=slug, slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
    set_password(container, f"owner@{slug}.test")
    app = create_app(container)

    @app.route("/boom", methods=["POST"])
    @authenticated
    def boom(credential):
        raise RuntimeError("it broke")

    client = app.test_client()
    token = client.post("/api/v1/auth/login", json={"email": f"owner@{slug}.test",
                                                    "password": PASSWORD}).json["access_token"]
    cookie, body = f"c-{uuid.uuid4().hex}", f"b-{uuid.uuid4().hex}"  # not in the source lines
    client.set_cookie("session", cookie)
    with structlog.testing.capture_logs() as logs:
        response = client.post("/boom", json={"password": body},
                               headers={"Authorization": f"Bearer {token}",
                                        "X-Request-ID": "req-77"})
    assert response.status_code == 500
    sentry_sdk.flush()
    [event] = [e for e in kept.events if e.get("exception")]
    assert event["tags"]["request_id"] == "req-77"
    assert event["tags"]["org_id"] == logs[-1]["org_id"]  # the token's org, as logged
    sent = json.dumps(event)
    for secret in (token, cookie, body, PASSWORD):
        assert secret not in sent
    assert "it broke" in sent


def test_scrub_drops_credentials_cookies_bodies_and_the_user():
    event = {"request": {"url": "https://x.test/a", "method": "POST", "data": {"password": "p"},
                         "cookies": {"session": "c"}, "query_string": "token=t",
                         "headers": {"Authorization": "Bearer t", "Cookie": "c",
                                     "User-Agent": "ua"}},
             "user": {"email": "a@b.test"}}
    scrubbed = error_tracking.scrub(event)
    assert scrubbed["request"] == {"url": "https://x.test/a", "method": "POST",
                                   "headers": {"User-Agent": "ua"}}
    assert "user" not in scrubbed
    assert error_tracking.scrub({"message": "no request"}) == {"message": "no request"}
