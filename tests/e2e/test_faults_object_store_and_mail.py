"""Faults on the real server, beside the database: the object store (moto's S3, over HTTP) and the
mail server (aiosmtpd) stopped, then started again on the same port.

Store down: an export is accepted, its job fails and is tried again, /ready names the store, the
rest answers as usual; once the store is back the export is made on a retry and downloads. SMTP
down: the requests that mail answer as usual (the mail is queued), /ready names SMTP, the mail
jobs are tried again, and each mail arrives once when it is back. JOB_RETRY_WAIT_SECONDS=1 has
the worker try again each second rather than after 4 s, 16 s, 64 s..."""

from __future__ import annotations

import hashlib
import json
import time
import urllib.request

import pytest

from tests.e2e.live_server import NO_ATTEMPT_LIMITS, http, live_server, postgres_env
from tests.fixtures.jobs import queued_jobs
from tests.fixtures.mail import token_in
from tests.fixtures.outages import Mailbox, S3Endpoint, attempts, retrying, until

pytestmark = pytest.mark.postgres
PASSWORD = "a long and private passphrase"
FAST_RETRIES = {"JOB_RETRY_WAIT_SECONDS": "1", **NO_ATTEMPT_LIMITS}


class Api:
    """Calls to the live server, each answer's status kept (`seen`) for the never-a-500 check."""

    def __init__(self, base: str) -> None:
        self.base, self.token, self.seen = base, None, []

    def __call__(self, method: str, path: str, body: dict | None = None):
        headers = {"Content-Type": "application/json",
                   **({"Authorization": f"Bearer {self.token}"} if self.token else {})}
        status, raw = http(method, f"{self.base}{path}",
                           json.dumps(body).encode() if body is not None else None, headers)
        self.seen.append(status)
        return status, json.loads(raw or b"null")

    def sign_up(self, slug: str) -> str:
        owner = f"ada@{slug}.test"
        assert self("POST", "/api/v1/signup", {"org_name": slug.title(), "slug": slug,
                                               "email": owner, "full_name": "Ada",
                                               "password": PASSWORD})[0] == 202
        status, answer = self("POST", "/api/v1/auth/login", {"email": owner, "password": PASSWORD})
        assert status == 200
        self.token = answer["access_token"]
        return owner


@pytest.fixture
def s3():
    endpoint = S3Endpoint()
    yield endpoint
    endpoint.stop()


@pytest.fixture
def mailbox():
    box = Mailbox()  # not started: the mail server is down from the first
    yield box
    box.stop()


def test_object_store_down_exports_fail_and_retry_and_nothing_else_breaks(
        fresh_database, tmp_path, s3):
    urls = fresh_database()
    env = postgres_env(urls, tmp_path, S3_URL=s3.url, **FAST_RETRIES)
    with live_server(env, workers=1) as (base, web):
        api = Api(base)
        owner = api.sign_up("nostore")
        s3.stop()
        stopped = time.monotonic()
        status, ready = api("GET", "/ready")
        assert status == 503 and ready["failing"] == ["object_store"]
        assert ready["checks"]["object_store"]["error"] == "ObjectStoreUnavailable"

        status, export = api("POST", "/api/v1/orgs/nostore/exports")
        assert status == 202 and export["status"] == "queued"
        assert until(lambda: retrying(urls, "export.run", times=2)), queued_jobs(urls)
        status, failed = api("GET", f"/api/v1/orgs/nostore/exports/{export['id']}")
        assert status == 200 and failed["status"] in ("failed", "running")
        assert failed["status"] == "running" or "(ObjectStoreUnavailable)" in failed["error"]

        assert api("POST", "/api/v1/auth/login", {"email": owner, "password": PASSWORD})[0] == 200
        assert api("GET", "/api/v1/me")[0] == 200
        assert api("GET", "/api/v1/orgs/nostore/members")[0] == 200
        assert api("POST", "/api/v1/orgs/nostore/api-keys",
                   {"name": "ci", "scopes": ["org:read"]})[0] == 201
        assert api("POST", "/api/v1/orgs/nostore/invitations",
                   {"email": "bo@nostore.test", "role": "member"})[0] == 201
        status, audit = api("GET", "/api/v1/orgs/nostore/audit")
        assert status == 200 and {"api_key.created", "invitation.sent", "export.requested"} <= {
            entry["action"] for entry in audit["entries"]}
        assert api("GET", "/api/v1/orgs/nostore/exports")[0] == 200
        status, usage = api("GET", "/api/v1/orgs/nostore/usage")  # it counts the store's bytes
        assert status == 503 and usage["code"] == "object_store_unavailable"

        failures = attempts(urls, "export.run")
        s3.start()
        restarted = time.monotonic()

        def state():
            return api("GET", f"/api/v1/orgs/nostore/exports/{export['id']}")[1]
        assert until(lambda: state()["status"] == "done"), state()
        recovered, done = time.monotonic(), state()
        assert done["error"] is None and done["counts"]["api_keys"] == 1
        assert api("GET", "/ready")[0] == 200
        with urllib.request.urlopen(done["manifest_url"], timeout=10) as answer:  # noqa: S310
            manifest = json.loads(answer.read())
        with urllib.request.urlopen(done["files"]["members"], timeout=10) as answer:  # noqa: S310
            members = answer.read()
        assert hashlib.sha256(members).hexdigest() == manifest["files"]["members"]["sha256"]
        assert queued_jobs(urls) == []  # done, and gone from the queue
    print(f"\nobject store down {restarted - stopped:.1f} s: codes {sorted(set(api.seen))}; the "
          f"export's job failed {failures} times, then done {recovered - restarted:.1f} s after "
          f"the store was back")
    assert 500 not in api.seen and "status=500" not in web.output


def test_smtp_down_mail_is_queued_retried_and_arrives_once(fresh_database, tmp_path, mailbox):
    urls = fresh_database()
    env = postgres_env(urls, tmp_path, SMTP_URL=mailbox.url, **FAST_RETRIES)
    with live_server(env, workers=1) as (base, web):
        api = Api(base)
        status, ready = api("GET", "/ready")
        assert status == 503 and ready["failing"] == ["smtp"]
        owner = api.sign_up("nomail")  # 202, and a mail to confirm the address, queued
        status, _ = api("POST", "/api/v1/auth/forgot-password", {"email": owner})
        assert status == 202
        for task in ("mail.email_verification", "mail.password_link"):
            assert until(lambda task=task: retrying(urls, task, times=2)), queued_jobs(urls)
        # An invitation too: kept and answered at once, its mail queued.
        status, _ = api("POST", "/api/v1/orgs/nomail/invitations",
                        {"email": "bo@nomail.test", "role": "member"})
        assert status == 201
        assert until(lambda: retrying(urls, "mail.invitation", times=1)), queued_jobs(urls)
        failures = {task: attempts(urls, task) for task in ("mail.email_verification",
                                                            "mail.password_link",
                                                            "mail.invitation")}

        mailbox.start()
        restarted = time.monotonic()
        assert until(lambda: len(mailbox.to(owner)) >= 2 and not queued_jobs(urls)), (
            mailbox.received, queued_jobs(urls))
        arrived = time.monotonic()
        time.sleep(1.5)  # a second copy would come within a retry's wait
        mails = {message["Subject"]: message.get_body(("plain",)).get_content()
                 for message in mailbox.to(owner)}
        assert len(mailbox.to(owner)) == 2 and set(mails) == {  # each once
            "Set your Groundwork password", "Confirm your email address for Groundwork"}
        assert api("GET", "/ready")[0] == 200
        assert api("POST", "/api/v1/auth/password", {
            "token": token_in(mails["Set your Groundwork password"]),
            "password": "an entirely new passphrase"})[0] == 204
        assert api("POST", "/api/v1/auth/verify-email", {
            "token": token_in(mails["Confirm your email address for Groundwork"])})[0] == 204
        [invited] = mailbox.to("bo@nomail.test")  # once, with a link that works
        api.token = None  # Ada's new password ended her sessions; Bo accepts as a newcomer
        accepted = api("POST", "/api/v1/invitations/accept", {
            "token": token_in(invited.get_body(("plain",)).get_content()),
            "password": "bo has a long passphrase", "full_name": "Bo"})
        assert accepted[0] == 201, (accepted, invited.get_body(("plain",)).get_content())
    print(f"\nSMTP down: codes {sorted(set(api.seen))}; failed tries before it was back "
          f"{failures}; the mails in {arrived - restarted:.1f} s after it was, once each")
    assert 500 not in api.seen and "status=500" not in web.output
