"""Steps for faults.feature: the HTTP API on a database of its own, its jobs queued as on a server
and run by procrastinate's worker when a step says so (each retry after 1 s), its object store
a real S3 endpoint (moto) and its mail a real SMTP server (aiosmtpd), each stopped and started
again on its port."""

from __future__ import annotations

import hashlib
import json
import time
import urllib.request
from datetime import UTC, datetime

import attrs
import pytest
from dependency_injector import providers
from pytest_bdd import given, scenarios, then, when

from adapters.mail.smtp import SmtpMailer, SmtpServer
from adapters.postgres.worker import backoff
from adapters.storage.s3 import S3Location, S3ObjectStore
from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from features.api_world import ApiWorld
from tests.fixtures.app import set_password
from tests.fixtures.jobs import drain, migrated_database, queued_jobs, queuing_container
from tests.fixtures.mail import token_in
from tests.fixtures.outages import Mailbox, S3Endpoint, retrying

pytestmark = pytest.mark.postgres
scenarios("faults.feature")


@pytest.fixture(scope="module")
def urls(fresh_database):
    return migrated_database(fresh_database)


@pytest.fixture
def outside():
    """The object store and the mail server, both up."""
    s3, mailbox = S3Endpoint(), Mailbox()
    mailbox.start()
    yield s3, mailbox
    s3.stop()
    mailbox.stop()


@pytest.fixture
def world(urls, unique_slug, outside):
    s3, mailbox = outside
    container = queuing_container(urls)
    container.settings.override(attrs.evolve(container.settings(), s3_url=s3.url,
                                             smtp_url=mailbox.url))
    container.adapters.object_store.override(providers.Object(
        S3ObjectStore(S3Location.from_url(s3.url))))
    container.adapters.mailer.override(providers.Object(SmtpMailer(
        SmtpServer.from_url(mailbox.url), "Groundwork <gw@localhost>", timeout=5, retry_wait=0)))
    world = ApiWorld(client=create_app(container).test_client(), container=container,
                     org=unique_slug("acme"))
    yield world
    container.adapters.engine().dispose()


def _work(world) -> None:
    """The worker runs what is due, and stops: a job that fails waits a second to be retried."""
    drain(world.container, retry=backoff(1), poll_seconds=1)


@given("Ada owns acme and is signed in, on a server with an object store and a mail server")
def acme(world, operator):
    world.container.application.organizations().create(CreateOrganization(
        name="Acme", slug=world.org, owner_email=world.email("Ada"), actor=operator))
    set_password(world.container, world.email("Ada"))
    world.sign_in("Ada")


@given("the object store is down")
def store_down(outside):
    outside[0].stop()


@given("the mail server is down")
def mail_down(outside):
    outside[1].stop()


@when("Ada asks for an export of acme")
def ask_for_an_export(world):
    world.answers = [world.call("Ada", "post", f"/orgs/{world.org}/exports")]


@then("she is told it is under way")
def under_way(world):
    asked = world.answers[0]
    assert asked.status_code == 202 and asked.json["status"] == "queued", asked.json


@when("the worker tries to make it")
@when("the worker tries to send it")
def worker_tries(world):
    _work(world)


@then("the export has failed for now because the object store cannot be reached")
def failed_for_now(world):
    export = world.call("Ada", "get", f"/orgs/{world.org}/exports/{world.answers[0].json['id']}")
    assert export.json["status"] == "failed" and "ObjectStoreUnavailable" in export.json["error"]


@then("its job waits in the queue to be tried again")
def waits_for_a_retry(urls):
    [job] = [job for job in queued_jobs(urls) if job.status != "todo" or job.attempts]
    assert retrying(urls, job.task, times=1), job


@then("the readiness check names the object store as down")
def store_named(world):
    ready = world.client.get("/ready")
    assert ready.status_code == 503 and ready.json["failing"] == ["object_store"]


@then("the readiness check names the mail server as down")
def mail_named(world):
    ready = world.client.get("/ready")
    assert ready.status_code == 503 and ready.json["failing"] == ["smtp"]


@then("Ada can still sign in, list the members, create an API key, invite someone and read the "
      "audit log")
def the_rest_works(world):
    world.sign_in("Ada")
    org = f"/orgs/{world.org}"
    assert world.call("Ada", "get", f"{org}/members").status_code == 200
    assert world.call("Ada", "post", f"{org}/api-keys",
                      json={"name": "ci", "scopes": ["org:read"]}).status_code == 201
    assert world.call("Ada", "post", f"{org}/invitations",
                      json={"email": world.email("Bo"), "role": "member"}).status_code == 201
    actions = {e["action"] for e in world.call("Ada", "get", f"{org}/audit").json["entries"]}
    assert {"export.requested", "api_key.created", "invitation.sent"} <= actions


@when("the object store is back")
def store_back(outside):
    outside[0].start()


@when("the mail server is back")
def mail_back(outside):
    outside[1].start()


@when("the worker tries again")
def worker_tries_again(world, urls):
    due = max((job.scheduled_at for job in queued_jobs(urls) if job.scheduled_at),
              default=datetime.now(UTC))
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.05)
    _work(world)


@then("the export is done and its files can be downloaded")
def export_done(world):
    export = world.call("Ada", "get", f"/orgs/{world.org}/exports/{world.answers[0].json['id']}").json
    assert export["status"] == "done" and export["error"] is None, export
    with urllib.request.urlopen(export["manifest_url"], timeout=10) as answer:  # noqa: S310
        manifest = json.loads(answer.read())
    with urllib.request.urlopen(export["files"]["members"], timeout=10) as answer:  # noqa: S310
        assert hashlib.sha256(answer.read()).hexdigest() == manifest["files"]["members"]["sha256"]


@then("no job waits in the queue")
def queue_empty(urls):
    assert queued_jobs(urls) == []


@when("someone asks for a link to set Ada's password")
def forgot(world):
    world.answers = [world.client.post("/api/v1/auth/forgot-password",
                                       json={"email": world.email("Ada")})]


@then("they are told it is on its way")
def on_its_way(world):
    assert world.answers[0].status_code == 202


@then("Ada receives the link once, and it works")
def link_once(world, outside):
    [mail] = outside[1].to(world.email("Ada"))
    used = world.client.post("/api/v1/auth/password", json={
        "token": token_in(mail.get_body(("plain",)).get_content()),
        "password": "an entirely new passphrase"})
    assert used.status_code == 204


@when("Ada invites Bo to acme")
def invite_bo(world):
    world.answers = [world.call("Ada", "post", f"/orgs/{world.org}/invitations",
                                json={"email": world.email("Bo"), "role": "member"})]


@then("the invitation is kept, waiting for Bo's answer")
def invitation_kept(world):
    assert world.answers[0].status_code == 201, world.answers[0].json
    listed = world.call("Ada", "get", f"/orgs/{world.org}/invitations").json
    assert [i["email"] for i in listed] == [world.email("Bo")]


@then("Bo receives the invitation once, and its link lets him join acme")
def bo_joins(world, outside):
    [mail] = outside[1].to(world.email("Bo"))
    joined = world.client.post("/api/v1/invitations/accept", json={
        "token": token_in(mail.get_body(("plain",)).get_content()),
        "password": "bo has a passphrase too", "full_name": "Bo"})
    assert joined.status_code == 201 and joined.json["session"]["org"]["slug"] == world.org
