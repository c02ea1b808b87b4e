"""Steps for background_jobs.feature: the HTTP API on a database of its own, whose jobs are
queued as on a server and run by procrastinate's worker when a step says so."""

from __future__ import annotations

import procrastinate
import pytest
from pytest_bdd import given, scenarios, then, when

from adapters.mail.outbox import MemoryMailer
from application.errors import MailNotSent
from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from features.api_world import ApiWorld
from tests.fixtures.app import set_password as _set_password
from tests.fixtures.jobs import drain, migrated_database, queued_jobs, queuing_container
from tests.fixtures.mail import token_in

scenarios("background_jobs.feature")


@pytest.fixture(scope="module")
def urls(fresh_database):
    return migrated_database(fresh_database)


@pytest.fixture
def world(urls, unique_slug):
    container = queuing_container(urls)
    world = ApiWorld(client=create_app(container).test_client(), container=container,
                     org=unique_slug("acme"))
    yield world
    world.container.adapters.engine().dispose()


class RefusesOnce(MemoryMailer):
    def __init__(self) -> None:
        super().__init__()
        self.tries = 0

    def send(self, email) -> None:
        self.tries += 1
        if self.tries == 1:
            raise MailNotSent("the mail server said no")
        super().send(email)


@given("Ada owns acme and is signed in, on a server whose jobs wait for a worker")
def acme(world, operator):
    world.container.application.organizations().create(CreateOrganization(
        name="Acme", slug=world.org, owner_email=world.email("Ada"), actor=operator))
    _set_password(world.container, world.email("Ada"))
    world.sign_in("Ada")


@when("Ada asks for an export of acme")
def ask_for_an_export(world):
    asked = world.call("Ada", "post", f"/orgs/{world.org}/exports")
    assert asked.status_code == 202, asked.json
    world.answers = [asked.json["id"]]


@when("the server stops before a worker takes the job")
def the_server_stops(world):
    world.container.adapters.engine().dispose()
    world.client = world.container = None


@then("the export is still queued, and its job waits in the queue")
def still_queued(world, urls):
    [job] = queued_jobs(urls)
    assert (job.task, job.status, job.args["export_id"]) == ("export.run", "todo", world.answers[0])
    container = queuing_container(urls)
    assert container.adapters.job_queue().pending().waiting == 1
    container.adapters.engine().dispose()


@when("the server starts again, with its worker")
def the_server_starts_again(world, urls):
    world.container = queuing_container(urls)
    world.client = create_app(world.container).test_client()
    drain(world.container)


@then("the export is done")
def export_done(world):
    export = world.call("Ada", "get", f"/orgs/{world.org}/exports/{world.answers[0]}").json
    assert export["status"] == "done" and export["counts"]["members"] == 1


@then("no job waits in the queue")
def queue_empty(world, urls):
    assert world.container.adapters.job_queue().pending().waiting == 0
    assert queued_jobs(urls) == []


@given("the mail server refuses the next message")
def mail_refused_once(world):
    world.container.adapters.mailer.override(RefusesOnce())


@when("someone asks for a link to set Ada's password")
def forgot(world):
    asked = world.client.post("/api/v1/auth/forgot-password", json={"email": world.email("Ada")})
    assert asked.status_code == 202


@when("the worker runs the queue")
def worker_runs(world):
    drain(world.container, retry=procrastinate.RetryStrategy(max_attempts=2))  # at once


@then("the link goes out on the second try, and it works")
def link_on_second_try(world):
    mailer = world.container.adapters.mailer()
    [mail] = mailer.sent
    assert mailer.tries == 2 and mail.to == world.email("Ada")
    used = world.client.post("/api/v1/auth/password", json={
        "token": token_in(mail.text), "password": "an entirely new passphrase"})
    assert used.status_code == 204
