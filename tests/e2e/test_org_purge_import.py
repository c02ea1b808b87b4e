"""A deleted org purged for good (export first, then every row and object, a certificate, the
slug freed) and brought back from that export with `org import`: the same rows per table, an
audit chain that verifies, its people signing in again. Both backends."""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from pathlib import Path

import pytest

from adapters.storage.export_folder import FolderExportFiles
from application.members import AddMember
from application.org_import import StoredExportFiles
from application.organizations import CreateOrganization, DeleteOrganization, GetOrganization
from application.ports.object_store import org_prefix
from application.ports.repositories import EXPORTED_TABLES
from domain.audit import Actor, ActorType
from domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.export import export_prefix
from entrypoints.cli.context import CliContext
from entrypoints.cli.main import cli
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD, set_password


@pytest.fixture
def deleted_org(any_container, operator, unique_slug):
    """An org with two owners, a pending invitation, two API keys and a busy audit log, deleted
    by its owner: (container, slug, org id, owner email)."""
    container = any_container
    slug = unique_slug("gone")
    owner, other = f"owner@{slug}.test", f"second@{slug}.test"
    created = container.application.organizations().create(CreateOrganization(
        name="Gone Ltd", slug=slug, owner_email=owner, actor=operator, plan="pro"))
    container.application.members().add(AddMember(slug=slug, email=other, role="owner",
                                                  actor=operator, full_name="Second Owner"))
    set_password(container, owner)
    client = create_app(container).test_client()
    token = client.post("/api/v1/auth/login",
                        json={"email": owner, "password": PASSWORD}).json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    for name in ("ci", "deploy"):
        assert client.post(f"/api/v1/orgs/{slug}/api-keys", headers=headers,
                           json={"name": name, "scopes": ["org:read"]}).status_code == 201
    assert client.post(f"/api/v1/orgs/{slug}/members", headers=headers,
                       json={"email": f"later@{slug}.test", "role": "member"}).status_code == 202
    assert client.patch(f"/api/v1/orgs/{slug}", headers=headers,
                        json={"name": "Gone Limited"}).status_code == 200
    assert client.delete(f"/api/v1/orgs/{slug}", headers=headers).status_code == 204
    return container, slug, created.id, owner


def _signs_in(container, email: str, slug: str) -> bool:
    client = create_app(container).test_client()
    answer = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD,
                                                     "org": slug})
    return answer.status_code == 200


def test_purge_then_import_brings_the_org_back_whole(deleted_org, operator):
    container, slug, org_id, owner = deleted_org
    store = container.adapters.object_store()
    certificate = container.application.org_purge().purge(slug, operator, before_grace_ends=True)

    exported = certificate.body["export"]["counts"]
    assert exported["members"] == 2 and exported["api_keys"] == 2
    assert exported["invitations"] == 1 and exported["audit_entries"] >= 6
    assert certificate.body["rows_deleted"]["audit_entries"] == exported["audit_entries"] + 1
    assert certificate.body["rows_deleted"]["org"] == 1
    assert store.list(org_prefix(org_id)) == []  # every object of the org is gone
    assert json.loads(b"".join(store.get(certificate.key)))["org_id"] == str(org_id)
    with pytest.raises(NotFound):
        container.application.organizations().get(GetOrganization(slug=slug, actor=operator))

    report = container.application.org_import().load(
        StoredExportFiles(store, certificate.export_manifest), operator)

    assert report.org_id == org_id and report.slug == slug and not report.rechained
    assert report.counts == exported
    assert report.accounts_created == 0  # the people kept their accounts
    (chain,) = container.application.audit_verifier().verify(slug)
    assert chain.intact and chain.entries == exported["audit_entries"] + 1  # + org.imported
    assert _signs_in(container, owner, slug)
    again = container.application.exports().create_now(slug, operator)
    assert {t: again.counts[t] for t in EXPORTED_TABLES if t != "audit_entries"} == {
        t: exported[t] for t in EXPORTED_TABLES if t != "audit_entries"}


def test_what_an_export_never_held_comes_back_unusable(deleted_org, operator):
    container, slug, org_id, _ = deleted_org
    certificate = container.application.org_purge().purge(slug, operator, before_grace_ends=True)
    container.application.org_import().load(
        StoredExportFiles(container.adapters.object_store(), certificate.export_manifest),
        operator)
    now = container.adapters.clock().now()
    with container.adapters.unit_of_work() as uow:
        uow.bind(org_id)
        keys = uow.api_keys.list(org_id)
        assert keys and all(not key.usable(now) for key in keys)
        pending = uow.invitations.open_page(org_id, now, after=None, limit=10)
        assert pending == []


def test_a_copy_under_a_new_slug_gets_its_own_id_and_chain(any_container, operator, unique_slug):
    container = any_container
    slug, copy = unique_slug("live"), unique_slug("copy")
    container.application.organizations().create(CreateOrganization(
        name="Live", slug=slug, owner_email=f"o@{slug}.test", actor=operator))
    export = container.application.exports().create_now(slug, operator)
    live = container.application.organizations().get(GetOrganization(slug=slug, actor=operator))
    files = StoredExportFiles(container.adapters.object_store(), export_prefix(live.id, export.id))

    report = container.application.org_import().load(files, operator, slug=copy)

    assert report.rechained and report.slug == copy and report.org_id != report.source_org_id
    reports = {r.slug: r for r in container.application.audit_verifier().verify()}
    assert reports[slug].intact and reports[copy].intact
    with pytest.raises(Conflict) as taken:
        container.application.org_import().load(files, operator, slug=copy)
    assert taken.value.code == "slug_taken"


def test_a_changed_export_is_refused_before_anything_is_written(deleted_org, operator):
    container, slug, _, _ = deleted_org
    store = container.adapters.object_store()
    certificate = container.application.org_purge().purge(slug, operator, before_grace_ends=True)
    prefix = certificate.export_manifest.removesuffix("manifest.json")
    members = b"".join(store.get(prefix + "members.jsonl")).replace(b"owner", b"member")
    store.put(prefix + "members.jsonl", [members])

    with pytest.raises(InvalidInput) as refused:
        container.application.org_import().load(StoredExportFiles(store, prefix), operator)

    assert refused.value.code == "export_corrupt"
    with pytest.raises(NotFound):
        container.application.organizations().get(GetOrganization(slug=slug, actor=operator))


def test_an_export_of_another_schema_revision_is_refused(deleted_org, operator):
    container, slug, _, _ = deleted_org
    store = container.adapters.object_store()
    certificate = container.application.org_purge().purge(slug, operator, before_grace_ends=True)
    manifest = json.loads(b"".join(store.get(certificate.export_manifest)))
    store.put(certificate.export_manifest,
              [json.dumps(manifest | {"schema_revision": "0001"}).encode()])
    with pytest.raises(InvalidInput) as unsigned:  # changed: no longer this server's
        container.application.org_import().load(
            StoredExportFiles(store, certificate.export_manifest), operator)
    assert unsigned.value.code == "export_unsigned"
    with pytest.raises(Conflict) as refused:
        container.application.org_import().load(
            StoredExportFiles(store, certificate.export_manifest), operator, accept_unsigned=True)
    assert refused.value.code == "export_schema_mismatch"


def test_only_a_deleted_org_past_its_grace_is_purged_by_an_operator(
        any_container, operator, unique_slug):
    container = any_container
    slug = unique_slug("keep")
    container.application.organizations().create(CreateOrganization(
        name="Keep", slug=slug, owner_email=f"o@{slug}.test", actor=operator))
    purge = container.application.org_purge()
    with pytest.raises(Conflict) as live:
        purge.purge(slug, operator, before_grace_ends=True)
    assert live.value.code == "org_status"
    container.application.organizations().delete(DeleteOrganization(slug=slug, actor=operator))
    with pytest.raises(Conflict) as early:
        purge.purge(slug, operator)
    assert early.value.code == "grace_period_running"
    with pytest.raises(Forbidden):
        purge.purge(slug, Actor(type=ActorType.SYSTEM, label="job"), before_grace_ends=True)
    with pytest.raises(NotFound):
        purge.purge("no-such-org", operator, before_grace_ends=True)
    with pytest.raises(Forbidden):
        container.application.org_import().load(
            FolderExportFiles(Path("/nonexistent")), Actor(type=ActorType.SYSTEM, label="job"))


def test_the_cli_asks_before_purging_and_imports_from_a_folder(deleted_org, cli_runner, tmp_path):
    container, slug, org_id, owner = deleted_org
    context = CliContext(container.adapters.settings(), container)

    refused = cli_runner.invoke(cli, ["org", "purge", slug, "--now"], obj=context)
    assert refused.exit_code != 0 and "--yes" in refused.output
    assert "Traceback" not in refused.output

    purged = cli_runner.invoke(cli, ["org", "purge", slug, "--now", "--yes", "--json"],
                               obj=context)
    assert purged.exit_code == 0, purged.output
    manifest_key = json.loads(purged.stdout)["export"]
    store = container.adapters.object_store()
    folder = tmp_path / "export"
    folder.mkdir()
    prefix = manifest_key.removesuffix("manifest.json")
    for found in store.list(prefix):
        (folder / found.key.removeprefix(prefix)).write_bytes(b"".join(store.get(found.key)))

    imported = cli_runner.invoke(cli, ["org", "import", str(folder / "manifest.json"), "--json"],
                                 obj=context)
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["org_id"] == str(org_id)
    assert _signs_in(container, owner, slug)

    again = cli_runner.invoke(cli, ["org", "import", str(folder)], obj=context)
    assert again.exit_code == 1 and "taken" in again.output and "Traceback" not in again.output
    missing = cli_runner.invoke(cli, ["org", "import", "platform/purged/x/y/manifest.json"],
                                obj=context)
    assert missing.exit_code == 1 and "Traceback" not in missing.output
    shutil.rmtree(folder)


def test_hostile_rows_in_an_export_are_refused_cleanly(deleted_org, operator, tmp_path):
    container, slug, _, _ = deleted_org
    store = container.adapters.object_store()
    certificate = container.application.org_purge().purge(slug, operator, before_grace_ends=True)
    prefix = certificate.export_manifest.removesuffix("manifest.json")
    manifest = json.loads(b"".join(store.get(certificate.export_manifest)))
    for name in [*(f"{t}.jsonl" for t in EXPORTED_TABLES)]:
        (tmp_path / name).write_bytes(b"".join(store.get(prefix + name)))
    hostile = b'{"org_id": "\\u0000", "id": "not-a-uuid", "user_id": 12}\n'
    (tmp_path / "members.jsonl").write_bytes(hostile)
    manifest["files"]["members"] |= {"sha256": hashlib.sha256(hostile).hexdigest(), "rows": 1}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InvalidInput) as refused:
        container.application.org_import().load(FolderExportFiles(tmp_path), operator,
                                                accept_unsigned=True)
    assert refused.value.code == "export_corrupt"
    (tmp_path / "manifest.json").write_text("[1, 2")
    with pytest.raises(InvalidInput):
        container.application.org_import().load(FolderExportFiles(tmp_path), operator)
    assert uuid.UUID(certificate.body["org_id"])


def test_purging_and_importing_leave_every_other_org_as_it_was(deleted_org, operator,
                                                              unique_slug):
    container, slug, _, _ = deleted_org
    bystander = unique_slug("bystander")
    container.application.organizations().create(CreateOrganization(
        name="Bystander", slug=bystander, owner_email=f"o@{bystander}.test", actor=operator))
    container.application.members().add(AddMember(slug=bystander, email=f"m@{bystander}.test",
                                                  role="member", actor=operator))

    def rows_of_bystander() -> dict:
        org = container.application.organizations().get(
            GetOrganization(slug=bystander, actor=operator))
        with container.adapters.unit_of_work() as uow:
            uow.bind(org.id)
            return {t: len(list(uow.tenant_dump.rows(org.id, t))) for t in EXPORTED_TABLES}

    before = rows_of_bystander()
    certificate = container.application.org_purge().purge(slug, operator, before_grace_ends=True)
    container.application.org_import().load(
        StoredExportFiles(container.adapters.object_store(), certificate.export_manifest),
        operator, slug=unique_slug("back"))
    assert rows_of_bystander() == before
    assert all(r.intact for r in container.application.audit_verifier().verify(bystander))


def test_an_export_named_by_its_folder_in_the_store_or_a_missing_path(deleted_org, cli_runner,
                                                                     operator):
    container, slug, org_id, _ = deleted_org
    certificate = container.application.org_purge().purge(slug, operator, before_grace_ends=True)
    context = CliContext(container.adapters.settings(), container)
    missing = cli_runner.invoke(cli, ["org", "import", "/no/such/export"], obj=context)
    assert missing.exit_code == 2 and "no file or folder /no/such/export" in missing.output
    folder = certificate.export_manifest.removesuffix("/manifest.json")  # no trailing slash
    imported = cli_runner.invoke(cli, ["org", "import", folder, "--json"], obj=context)
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["org_id"] == str(org_id)
