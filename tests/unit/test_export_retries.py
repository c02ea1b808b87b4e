"""An object store that cannot be reached: an export is still accepted, its job fails (the
export says why) and raises, so that the worker tries it again, and a later try makes it; a
failed export that a newer one replaced is left alone. Elsewhere the outage is a 503, never a
500. The worker's retries wait powers of JOB_RETRY_WAIT_SECONDS."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from dependency_injector import providers
from sqlalchemy import make_url

from adapters.postgres.server import DatabaseUrls
from application.exports import ExportNotWritten
from application.organizations import CreateOrganization
from application.ports.object_store import ObjectStoreUnavailable
from entrypoints.config import Settings
from entrypoints.container import build_container
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD, memory_container, set_password


class Outage:
    """The store, or while `down` a refusal of every call, as S3ObjectStore gives one."""

    def __init__(self, store) -> None:
        self.store, self.down = store, False

    def __getattr__(self, name):
        if not self.down:
            return getattr(self.store, name)

        def refuse(*args, **kwargs):
            raise ObjectStoreUnavailable("the object store (bucket 'b' at x) cannot be reached")
        return refuse


class Later:
    """Jobs kept for the test to run, as a worker would."""

    def __init__(self) -> None:
        self.jobs = []

    def defer(self, task, **args) -> None:
        self.jobs.append(args)


@pytest.fixture
def acme(operator):
    container = memory_container()
    store = Outage(container.adapters.object_store())
    container.adapters.object_store.override(providers.Object(store))
    later = Later()
    container.adapters.jobs_in.override(providers.Object(lambda scope: later))
    container.application.organizations().create(CreateOrganization(
        name="Acme", slug="acme", owner_email="ada@acme.test", actor=operator))
    return container, store, later


def _export(container, operator, later):
    asked = container.application.exports().request("acme", operator)
    return asked, later.jobs[-1]


def test_an_export_asked_for_while_the_store_is_down_is_made_on_a_later_try(acme, operator):
    container, store, later = acme
    exports = container.application.exports()
    store.down = True
    asked, job = _export(container, operator, later)
    assert asked.status == "queued"  # accepted: its job waits for the store
    with pytest.raises(ExportNotWritten, match="ObjectStoreUnavailable"):
        _run(exports, job)
    failed = exports.get("acme", operator, asked.id)
    assert failed.status == "failed" and "(ObjectStoreUnavailable)" in failed.error
    store.down = False
    _run(exports, job)  # the worker's retry
    done = exports.get("acme", operator, asked.id)
    assert (done.status, done.error, done.counts["members"]) == ("done", None, 1)
    _run(exports, job)  # once more: done stays done
    assert exports.get("acme", operator, asked.id).finished_at == done.finished_at


def test_a_failed_export_that_a_newer_one_replaced_is_not_tried_again(acme, operator):
    container, store, later = acme
    exports = container.application.exports()
    store.down = True
    first, first_job = _export(container, operator, later)
    with pytest.raises(ExportNotWritten):
        _run(exports, first_job)
    store.down = False
    second, _ = _export(container, operator, later)  # a failed export does not block a new one
    _run(exports, first_job)  # the old job's retry
    assert exports.get("acme", operator, first.id).status == "failed"
    assert exports.get("acme", operator, second.id).status == "queued"


def test_the_store_out_of_reach_is_a_503_naming_it(acme):
    container, store, _ = acme
    set_password(container, "ada@acme.test")
    client = create_app(container).test_client()
    token = client.post("/api/v1/auth/login", json={"email": "ada@acme.test",
                                                    "password": PASSWORD}).json["access_token"]
    store.down = True
    usage = client.get("/api/v1/orgs/acme/usage", headers={"Authorization": f"Bearer {token}"})
    assert usage.status_code == 503 and usage.mimetype == "application/problem+json"
    assert usage.json["code"] == "object_store_unavailable" and usage.headers["Retry-After"]


@pytest.mark.parametrize(("env", "first_retry", "poll"), [({}, 4, 4),
                                                          ({"JOB_RETRY_WAIT_SECONDS": "1"}, 1, 1)])
def test_job_retries_wait_powers_of_the_setting(env, first_retry, poll):
    container = build_container(Settings.from_env({"SECRET_KEY": "k" * 40, **env}))
    url = make_url("postgresql+psycopg://owner@127.0.0.1/db")
    container.adapters.database_urls.override(DatabaseUrls(owner_url=url, app_url=url))
    worker = container.adapters.job_worker()
    strategy = worker.app(periodic=False).tasks["export.run"].retry_strategy
    waits = [strategy.get_retry_decision(exception=OSError(), job=_Job(n)).retry_at
             for n in range(3)]
    now = datetime.now(UTC)
    assert [round((at - now).total_seconds()) for at in waits] == [
        first_retry, first_retry ** 2, first_retry ** 3]
    assert strategy.get_retry_decision(exception=OSError(), job=_Job(5)) is None
    assert worker._poll_seconds == poll  # a retry that is due is looked for that often


def test_the_retry_wait_must_be_positive():
    with pytest.raises(ValueError, match="JOB_RETRY_WAIT_SECONDS"):
        Settings.from_env({"JOB_RETRY_WAIT_SECONDS": "0"})


class _Job:
    def __init__(self, attempts: int) -> None:
        self.attempts = attempts


def _run(exports, job: dict) -> None:
    """The job, as the worker runs it."""
    exports.run_job(uuid.UUID(job["org_id"]), uuid.UUID(job["export_id"]))
