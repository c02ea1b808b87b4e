"""What `org import` refuses from an export that is not as this server made it: a manifest it did
not sign, an audit log rewritten or cut short (even with every hash recomputed, when the manifest
is accepted unsigned), an org the API would not create, a member without a profile, and anyone
erased since the export was made. Nothing is written when it refuses."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import attrs
import pytest

from adapters.storage.export_folder import FolderExportFiles
from application.organizations import CreateOrganization, DeleteOrganization, GetOrganization
from application.ports.repositories import EXPORTED_TABLES
from domain.audit import Actor, AuditEntry, AuditEvent
from domain.errors import DomainError, InvalidInput, NotFound


class ExportFolder:
    """An export saved to a folder, to be edited as an attacker would."""

    def __init__(self, container, manifest_key: str, folder) -> None:
        store = container.adapters.object_store()
        prefix = manifest_key.removesuffix("manifest.json")
        self.folder = folder
        for name in ["manifest.json", *(f"{t}.jsonl" for t in EXPORTED_TABLES)]:
            (folder / name).write_bytes(b"".join(store.get(prefix + name)))

    def rows(self, table: str) -> list[dict]:
        return [json.loads(line) for line in (self.folder / f"{table}.jsonl").read_text().splitlines()]

    def write(self, table: str, rows: list[dict], *, head: dict | None = None) -> None:
        data = "".join(json.dumps(row, sort_keys=True) + "\n" for row in rows).encode()
        (self.folder / f"{table}.jsonl").write_bytes(data)
        manifest = json.loads((self.folder / "manifest.json").read_text())
        manifest["files"][table] |= {"sha256": hashlib.sha256(data).hexdigest(), "rows": len(rows)}
        if head is not None:
            manifest["audit_head"] = head
        (self.folder / "manifest.json").write_text(json.dumps(manifest))

    def files(self) -> FolderExportFiles:
        return FolderExportFiles(self.folder)


@pytest.fixture
def purged(any_container, operator, unique_slug, tmp_path):
    """A purged org's export in a folder: (container, slug, folder)."""
    slug = unique_slug("checked")
    any_container.application.organizations().create(CreateOrganization(
        name="Checked", slug=slug, owner_email=f"o@{slug}.test", actor=operator))
    any_container.application.organizations().delete(DeleteOrganization(slug=slug, actor=operator))
    certificate = any_container.application.org_purge().purge(slug, operator,
                                                              before_grace_ends=True)
    return any_container, slug, ExportFolder(any_container, certificate.export_manifest, tmp_path)


def _refused(container, operator, folder: ExportFolder, org_slug: str, code: str,
             **options) -> None:
    with pytest.raises(DomainError) as refused:
        container.application.org_import().load(folder.files(), operator, **options)
    assert refused.value.code == code, refused.value.message
    with pytest.raises(NotFound):  # nothing was written
        container.application.organizations().get(GetOrganization(slug=org_slug,
                                                                   actor=operator))


def _forged_entry(previous: dict, action: str) -> dict:
    """An entry chained after `previous` with every hash recomputed, as someone who knows the
    format (and not the server's key) would make it."""
    entry = AuditEntry.chained(
        AuditEvent(actor=Actor.operator("operator:forger"), action=action,
                   resource_type="org", resource_id=previous["org_id"]),
        org_id=uuid.UUID(previous["org_id"]), id=uuid.uuid4(), now=datetime.now(UTC),
        previous=SimpleNamespace(seq=previous["seq"], hash=previous["hash"]))
    return json.loads(json.dumps(attrs.asdict(entry, recurse=False), default=str))


def test_an_export_this_server_did_not_sign_is_refused_unless_accepted(purged, operator):
    container, slug, folder = purged
    entries = folder.rows("audit_entries")
    forged = _forged_entry(entries[-1], "org.ownership_transferred")
    folder.write("audit_entries", [*entries, forged],
                 head={"seq": forged["seq"], "hash": forged["hash"]})
    _refused(container, operator, folder, slug, "export_unsigned")


def test_a_rewritten_or_shortened_audit_log_is_refused_even_when_accepted_unsigned(purged,
                                                                                 operator):
    container, slug, folder = purged
    entries = folder.rows("audit_entries")
    folder.write("audit_entries", [*entries[:-2], {**entries[-2], "action": "member.removed"},
                                   entries[-1]])
    _refused(container, operator, folder, slug, "export_corrupt", accept_unsigned=True)
    _refused(container, operator, folder, slug, "export_corrupt", accept_unsigned=True,
             slug=f"{slug}-copy")  # a copy is re-hashed: the source chain is checked first
    folder.write("audit_entries", entries[:-1])  # cut short: the manifest's head is not reached
    _refused(container, operator, folder, slug, "export_corrupt", accept_unsigned=True)


@pytest.mark.parametrize("change", [
    {"slug": "a b/../c"}, {"slug": "api"}, {"settings": "not an object"},
    {"name": "\u0000"}, {"quota_overrides": {"members": -5}}, {"plan": "platinum"},
])
def test_an_org_the_api_would_not_create_is_refused(purged, operator, change):
    container, slug, folder = purged
    folder.write("org", [folder.rows("org")[0] | change])
    with pytest.raises(DomainError):
        container.application.org_import().load(folder.files(), operator, accept_unsigned=True)
    with pytest.raises(NotFound):
        container.application.organizations().get(GetOrganization(slug=slug, actor=operator))


def test_a_member_without_a_profile_or_with_hostile_fields_is_refused(purged, operator):
    container, slug, folder = purged
    members, users = folder.rows("members"), folder.rows("users")
    folder.write("users", [])
    _refused(container, operator, folder, slug, "export_corrupt", accept_unsigned=True)
    folder.write("users", [users[0] | {"full_name": 12}])
    _refused(container, operator, folder, slug, "export_corrupt", accept_unsigned=True)
    folder.write("users", [users[0] | {"email": "not an address"}])
    _refused(container, operator, folder, slug, "invalid_email", accept_unsigned=True)
    assert members


def test_an_export_that_predates_an_erasure_is_not_imported(any_container, operator,
                                                           unique_slug, tmp_path):
    slug = unique_slug("before")
    any_container.application.organizations().create(CreateOrganization(
        name="Before", slug=slug, owner_email=f"o@{slug}.test", actor=operator))
    org = any_container.application.organizations().get(GetOrganization(slug=slug, actor=operator))
    export = any_container.application.exports().create_now(slug, operator)
    folder = ExportFolder(any_container, f"orgs/{org.id}/exports/{export.id}/manifest.json",
                          tmp_path)
    any_container.application.organizations().delete(DeleteOrganization(slug=slug, actor=operator))
    any_container.application.org_purge().purge(slug, operator, before_grace_ends=True)
    any_container.application.erasure().erase(f"o@{slug}.test", operator)
    with pytest.raises(InvalidInput) as refused:
        any_container.application.org_import().load(folder.files(), operator)
    assert refused.value.code == "export_holds_erased"
