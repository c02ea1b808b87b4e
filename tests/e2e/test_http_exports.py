"""Exports over HTTP: asked by an owner, made in the background, every table's rows in JSON
Lines with a manifest whose checksums and counts hold; no credential in any file; another
org's export out of reach; members without the right refused."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from dependency_injector import providers

from application.members import AddMember
from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password


@pytest.fixture
def world(any_container, operator, unique_slug):
    slugs = {}
    for name in ("a", "b"):
        slug = unique_slug(f"exp{name}")
        any_container.application.organizations().create(CreateOrganization(
            name=name.upper(), slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
        _set_password(any_container, f"owner@{slug}.test")
        slugs[name] = slug
    any_container.application.members().add(AddMember(
        slug=slugs["a"], email=f"viewer@{slugs['a']}.test", role="viewer", actor=operator))
    _set_password(any_container, f"viewer@{slugs['a']}.test")
    client = create_app(any_container).test_client()

    def bearer(email):
        token = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        return {"Authorization": f"Bearer {token.json['access_token']}"}

    return client, slugs, bearer, any_container


def _download(client, url: str) -> bytes:
    answer = client.get(url.split("127.0.0.1:8000", 1)[1])
    assert answer.status_code == 200
    return answer.data


def test_an_owner_exports_every_table_with_a_manifest_that_holds(world):
    client, slugs, bearer, container = world
    owner = bearer(f"owner@{slugs['a']}.test")
    client.post(f"/api/v1/orgs/{slugs['a']}/api-keys", headers=owner,
                json={"name": "ci", "scopes": ["org:read"]})
    asked = client.post(f"/api/v1/orgs/{slugs['a']}/exports", headers=owner)
    assert asked.status_code == 202, asked.json
    export = client.get(f"/api/v1/orgs/{slugs['a']}/exports/{asked.json['id']}", headers=owner).json
    assert export["status"] == "done", export  # the job ran after the answer (inline here)
    assert export["counts"]["members"] == 2 and export["counts"]["api_keys"] == 1
    manifest = json.loads(_download(client, export["manifest_url"]))
    assert manifest["org_id"] and manifest["schema_revision"]
    for table, file in manifest["files"].items():
        data = _download(client, export["files"][table])
        assert hashlib.sha256(data).hexdigest() == file["sha256"], table
        rows = [json.loads(line) for line in data.splitlines()]
        assert len(rows) == file["rows"] == export["counts"][table]
        for row in rows:
            assert not {"password_hash", "secret_hash", "token_hash"} & row.keys(), table
            assert row.get("org_id", row.get("id")) is not None
    audit = [json.loads(line) for line in _download(client, export["files"]["audit_entries"]).splitlines()]
    assert manifest["audit_head"] == {"seq": audit[-1]["seq"], "hash": audit[-1]["hash"]}
    assert [e["seq"] for e in audit] == list(range(1, len(audit) + 1))
    assert all(r["org_id"] == manifest["org_id"] for r in audit)
    listed = client.get(f"/api/v1/orgs/{slugs['a']}/exports", headers=owner)
    assert [e["id"] for e in listed.json] == [export["id"]]


def test_another_org_and_a_viewer_cannot_reach_an_export(world):
    client, slugs, bearer, _ = world
    owner_a = bearer(f"owner@{slugs['a']}.test")
    export_id = client.post(f"/api/v1/orgs/{slugs['a']}/exports", headers=owner_a).json["id"]
    owner_b = bearer(f"owner@{slugs['b']}.test")
    assert client.get(f"/api/v1/orgs/{slugs['b']}/exports/{export_id}",
                      headers=owner_b).status_code == 404
    assert client.get(f"/api/v1/orgs/{slugs['a']}/exports/{export_id}",
                      headers=owner_b).status_code == 404
    viewer = bearer(f"viewer@{slugs['a']}.test")
    assert client.post(f"/api/v1/orgs/{slugs['a']}/exports", headers=viewer).status_code == 403
    assert client.get(f"/api/v1/orgs/{slugs['a']}/exports/{export_id}",
                      headers=viewer).status_code == 403


def test_an_export_that_cannot_be_written_fails_with_its_reason(world):
    client, slugs, bearer, container = world

    class Broken:
        def put(self, *args, **kwargs):
            raise OSError("disk full")

        def list(self, prefix):
            return []

        def download_url(self, *args, **kwargs):
            return "http://127.0.0.1:8000/x"

    container.adapters.object_store.override(Broken())
    owner = bearer(f"owner@{slugs['a']}.test")
    try:
        asked = client.post(f"/api/v1/orgs/{slugs['a']}/exports", headers=owner)
        export = client.get(f"/api/v1/orgs/{slugs['a']}/exports/{asked.json['id']}",
                            headers=owner).json
    finally:
        container.adapters.object_store.reset_last_overriding()
    assert export["status"] == "failed" and "OSError" in export["error"]
    assert "disk full" not in export["error"]  # the reason's details stay in the log
    assert export["manifest_url"] is None and export["files"] == {}


def test_one_export_at_a_time_and_none_past_the_storage_limit(world, operator):
    client, slugs, bearer, container = world
    owner = bearer(f"owner@{slugs['a']}.test")
    store = container.adapters.object_store()

    class Later:  # the job waits: the export stays queued
        def defer(self, task, **args):
            self.job = (task, args)

    later = Later()
    container.adapters.jobs_in.override(providers.Object(lambda scope: later))
    try:
        first = client.post(f"/api/v1/orgs/{slugs['a']}/exports", headers=owner)
        again = client.post(f"/api/v1/orgs/{slugs['a']}/exports", headers=owner)
        assert first.status_code == 202
        assert again.status_code == 409 and again.json["code"] == "export_in_progress"
        container.adapters.inline_jobs().run(*later.job)
    finally:
        container.adapters.jobs_in.reset_last_overriding()
    client = create_app(container).test_client()  # its services made with the inline runner
    assert client.post(f"/api/v1/orgs/{slugs['a']}/exports", headers=owner).status_code == 202
    assert store.list("orgs/")  # the exports' files are there: they count as stored bytes
    container.application.quotas().override(slugs["a"], "storage_bytes", 10, operator)
    full = client.post(f"/api/v1/orgs/{slugs['a']}/exports", headers=owner)
    assert full.status_code == 409 and full.json["code"] == "quota_exceeded"
    assert full.json["limit"] == "storage_bytes"


def test_an_export_cut_short_by_a_restart_does_not_block_the_next(world, monkeypatch):
    client, slugs, bearer, container = world
    owner = bearer(f"owner@{slugs['a']}.test")

    class Lost:  # the process died before the job ran
        def defer(self, task, **args):
            return None

    container.adapters.jobs_in.override(providers.Object(lambda scope: Lost()))
    try:
        stuck = client.post(f"/api/v1/orgs/{slugs['a']}/exports", headers=owner).json
    finally:
        container.adapters.jobs_in.reset_last_overriding()
    client = create_app(container).test_client()
    assert client.post(f"/api/v1/orgs/{slugs['a']}/exports", headers=owner).status_code == 409
    monkeypatch.setattr("application.exports.STALE_AFTER", timedelta(0))  # as if hours passed
    again = client.post(f"/api/v1/orgs/{slugs['a']}/exports", headers=owner)
    assert again.status_code == 202
    old = client.get(f"/api/v1/orgs/{slugs['a']}/exports/{stuck['id']}", headers=owner).json
    assert old["status"] == "failed" and "interrupted" in old["error"]


def test_the_newest_exports_keep_their_files_and_older_ones_expire(world, monkeypatch):
    client, slugs, bearer, container = world
    monkeypatch.setattr("application.exports.KEPT", 2)
    owner = bearer(f"owner@{slugs['a']}.test")
    ids = [client.post(f"/api/v1/orgs/{slugs['a']}/exports", headers=owner).json["id"]
           for _ in range(3)]
    listed = {e["id"]: e for e in client.get(f"/api/v1/orgs/{slugs['a']}/exports",
                                             headers=owner).json}
    assert [listed[i]["status"] for i in ids] == ["expired", "done", "done"]
    assert listed[ids[0]]["manifest_url"] is None and listed[ids[0]]["files"] == {}
    store = container.adapters.object_store()
    org_id = json.loads(_download(client, listed[ids[1]]["manifest_url"]))["org_id"]
    assert not store.list(f"orgs/{org_id}/exports/{ids[0]}/")
    assert store.list(f"orgs/{org_id}/exports/{ids[2]}/")


def test_a_job_run_again_leaves_an_export_that_has_ended_alone(world):
    client, slugs, bearer, container = world
    owner = bearer(f"owner@{slugs['a']}.test")
    deferred = []

    class Recorded:  # keeps the job, to run it by hand
        def defer(self, task, **args):
            deferred.append((task, args))

    container.adapters.jobs_in.override(providers.Object(lambda scope: Recorded()))
    try:
        asked = client.post(f"/api/v1/orgs/{slugs['a']}/exports", headers=owner).json
    finally:
        container.adapters.jobs_in.reset_last_overriding()
    [(task, args)] = deferred
    container.adapters.inline_jobs().run(task, args)
    done = client.get(f"/api/v1/orgs/{slugs['a']}/exports/{asked['id']}", headers=owner).json
    container.adapters.inline_jobs().run(task, args)  # a retry after the export was done
    again = client.get(f"/api/v1/orgs/{slugs['a']}/exports/{asked['id']}", headers=owner).json
    assert done["status"] == again["status"] == "done"
    assert again["finished_at"] == done["finished_at"]
    audit = client.get(f"/api/v1/orgs/{slugs['a']}/audit/export", headers=owner).get_data(as_text=True)
    assert audit.count("export.completed") == 1
