"""What requests leave in the queue, on a server whose jobs wait for a worker: the answer comes
first, each job names ids and addresses and never a secret (a link's token is made by the job),
and a worker then does the work (mail with links that work, an export read under its org)."""

from __future__ import annotations

import json

import pytest

from entrypoints.http.app import create_app
from tests.fixtures.jobs import drain, migrated_database, queued_jobs, queuing_container
from tests.fixtures.mail import token_in

pytestmark = pytest.mark.postgres
PASSPHRASE = "a long and private passphrase"
# Everything a job may carry: ids, addresses, where a request came from, and its request id.
ARGUMENTS = {"org_id", "export_id", "user_id", "email", "new_email", "to", "new_address", "ip",
             "user_agent", "invitation_id", "inviter", "_request_id"}


@pytest.fixture(scope="module")
def urls(fresh_database):
    return migrated_database(fresh_database)


@pytest.fixture
def server(urls):
    container = queuing_container(urls)
    yield create_app(container).test_client(), container
    container.adapters.engine().dispose()


def _jobs_now(urls) -> dict[str, dict]:
    jobs = {job.task: dict(job.args) for job in queued_jobs(urls)}
    for args in jobs.values():
        assert set(args) <= ARGUMENTS, args
    return jobs


def test_the_jobs_requests_queue_carry_no_secret_and_a_worker_does_their_work(urls, server):
    client, container = server
    founder = {"org_name": "Jobs", "slug": "jobs", "email": "ada@jobs.test",
               "password": PASSPHRASE, "full_name": "Ada"}
    assert client.post("/api/v1/signup", json=founder).status_code == 202
    assert client.post("/api/v1/signup", json=founder | {"slug": "again"}).status_code == 202
    token = client.post("/api/v1/auth/login", json={"email": "ada@jobs.test",
                                                    "password": PASSPHRASE}).json["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/auth/forgot-password",
                       json={"email": "ada@jobs.test"}).status_code == 202
    assert client.post("/api/v1/me/email", headers=bearer,
                       json={"new_email": "ada@new.test", "password": PASSPHRASE}).status_code == 202
    export = client.post("/api/v1/orgs/jobs/exports", headers=bearer).json
    assert export["status"] == "queued"
    queued = _jobs_now(urls)
    assert set(queued) == {"mail.email_verification", "mail.signup_notice", "mail.password_link",
                           "mail.email_change", "export.run"}
    assert container.adapters.mailer().sent == []  # every answer came before any mail

    drain(container)
    mails = {mail.subject: mail for mail in container.adapters.mailer().sent}
    assert len(mails) == 4 and queued_jobs(urls) == []
    tokens = [token_in(mail.text) for mail in mails.values() if '"token"' in mail.text]
    assert len(tokens) == 3 and not any(t in json.dumps(queued) for t in tokens)
    done = client.get(f"/api/v1/orgs/jobs/exports/{export['id']}", headers=bearer).json
    assert done["status"] == "done" and done["counts"]["members"] == 1

    change = next(m for m in mails.values() if m.to == "ada@new.test")
    assert client.post("/api/v1/auth/confirm-email-change", headers={"X-Request-ID": "trace-42"},
                       json={"token": token_in(change.text)}).status_code == 204
    assert _jobs_now(urls) == {"mail.email_changed_notice": {
        "to": "ada@jobs.test", "new_address": "ada@new.test", "_request_id": "trace-42"}}
    drain(container)
    assert container.adapters.mailer().sent[-1].to == "ada@jobs.test"


def test_an_invitation_taken_back_before_its_mail_went_is_never_mailed(urls, server):
    client, container = server
    founder = {"org_name": "Takeback", "slug": "takeback", "email": "ada@takeback.test",
               "password": PASSPHRASE, "full_name": "Ada"}
    assert client.post("/api/v1/signup", json=founder).status_code == 202
    drain(container)  # the address confirmed, so that Ada may invite
    confirm = next(m for m in container.adapters.mailer().sent if m.to == "ada@takeback.test")
    assert client.post("/api/v1/auth/verify-email",
                       json={"token": token_in(confirm.text)}).status_code == 204
    token = client.post("/api/v1/auth/login", json={"email": "ada@takeback.test",
                                                    "password": PASSPHRASE}).json["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    invited = client.post("/api/v1/orgs/takeback/invitations", headers=bearer,
                          json={"email": "cy@takeback.test", "role": "member"})
    assert invited.status_code == 201
    assert _jobs_now(urls)["mail.invitation"]["invitation_id"] == invited.json["id"]
    assert client.delete(f"/api/v1/orgs/takeback/invitations/{invited.json['id']}",
                         headers=bearer).status_code in (200, 204)
    drain(container)
    assert [m for m in container.adapters.mailer().sent if m.to == "cy@takeback.test"] == []
    assert queued_jobs(urls) == []  # done: nothing to send, nothing to retry
