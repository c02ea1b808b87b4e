"""Audit retention on both backends: each org's plan (or its own override) says how many days
its entries are kept; pruning leaves a signed checkpoint and the chain still verifies."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest

from application.invitations import Invite
from application.members import AddMember
from application.org_import import StoredExportFiles
from application.organizations import CreateOrganization, DeleteOrganization, GetOrganization
from domain.errors import InvalidInput, NotFound
from domain.export import export_prefix


@pytest.fixture
def clock(frozen_clock):
    return frozen_clock


def _org(container, operator, slug, plan="free"):
    container.application.organizations().create(CreateOrganization(
        name=slug, slug=slug, owner_email=f"o@{slug}.test", actor=operator, plan=plan))
    for n in range(3):
        container.application.members().add(AddMember(
            slug=slug, email=f"m{n}@{slug}.test", role="member", actor=operator))


def test_entries_past_the_retention_go_and_the_chain_verifies_from_the_checkpoint(
        any_container, clock, operator, unique_slug):
    slug, forever = unique_slug("kept"), unique_slug("forever")
    _org(any_container, operator, slug)  # free: 365 days
    _org(any_container, operator, forever, plan="enterprise")  # kept for ever
    clock.advance(timedelta(days=400))
    any_container.application.members().add(AddMember(
        slug=slug, email=f"late@{slug}.test", role="member", actor=operator))
    retention = any_container.application.audit_retention()

    [pruned] = retention.prune(slug, operator)
    [untouched] = retention.prune(forever, operator)

    assert (pruned.retention_days, pruned.removed, pruned.checkpoint_seq) == (365, 5, 5)
    assert (untouched.retention_days, untouched.removed) == (None, 0)
    verifier = any_container.application.audit_verifier()
    assert verifier.verify(forever)[0].intact
    [chain] = verifier.verify(slug)
    assert chain.intact
    assert chain.entries == 2  # the late member, and the prune's own `audit.pruned`
    assert retention.prune(slug, operator)[0].removed == 0  # nothing more is due


def test_an_orgs_own_retention_wins_over_its_plans(any_container, clock, operator, unique_slug):
    slug = unique_slug("short")
    _org(any_container, operator, slug, plan="enterprise")
    any_container.application.quotas().override(slug, "audit_retention_days", 7, operator)
    clock.advance(timedelta(days=8))
    any_container.application.members().add(AddMember(
        slug=slug, email=f"late@{slug}.test", role="member", actor=operator))

    [pruned] = any_container.application.audit_retention().prune(slug, operator)

    assert (pruned.retention_days, pruned.removed) == (7, 6)  # the override's own entry too
    assert any_container.application.audit_verifier().verify(slug)[0].intact


def test_a_digest_made_before_the_prune_still_checks_out(any_container, clock, operator,
                                                         unique_slug):
    slug = unique_slug("digest")
    _org(any_container, operator, slug)
    verifier = any_container.application.audit_verifier()
    digests = verifier.digest(slug)
    clock.advance(timedelta(days=400))
    any_container.application.members().add(AddMember(
        slug=slug, email=f"late@{slug}.test", role="member", actor=operator))
    any_container.application.audit_retention().prune(slug, operator)
    assert verifier.verify(slug, digests)[0].intact


def test_an_unknown_org_is_named(any_container, operator):
    with pytest.raises(NotFound):
        any_container.application.audit_retention().prune("no-such-org", operator)


def test_a_pruned_org_exported_comes_back_verifying_and_so_does_a_copy(
        any_container, clock, operator, unique_slug):
    slug, copy = unique_slug("pruned"), unique_slug("pruned-copy")
    any_container.application.organizations().create(CreateOrganization(
        name=slug, slug=slug, owner_email=f"o@{slug}.test", actor=operator))
    clock.advance(timedelta(days=400))
    any_container.application.invitations().invite(Invite(
        slug=slug, email=f"late@{slug}.test", role="member", actor=operator))
    any_container.application.audit_retention().prune(slug, operator)
    org = any_container.application.organizations().get(GetOrganization(slug=slug, actor=operator))
    export = any_container.application.exports().create_now(slug, operator)
    assert export.counts["audit_checkpoints"] == 1
    store = any_container.adapters.object_store()
    files = StoredExportFiles(store, export_prefix(org.id, export.id))

    copied = any_container.application.org_import().load(files, operator, slug=copy)
    assert copied.rechained and copied.counts["audit_checkpoints"] == 1
    any_container.application.organizations().delete(DeleteOrganization(slug=slug, actor=operator))
    certificate = any_container.application.org_purge().purge(slug, operator,
                                                              before_grace_ends=True)
    any_container.application.org_import().load(
        StoredExportFiles(store, certificate.export_manifest), operator)
    reports = {r.slug: r for r in any_container.application.audit_verifier().verify()}
    assert reports[slug].intact and reports[copy].intact

    prefix = certificate.export_manifest.removesuffix("manifest.json")
    forged = b"".join(store.get(prefix + "audit_checkpoints.jsonl")).replace(
        b'"signature": "', b'"signature": "0')
    manifest = json.loads(b"".join(store.get(certificate.export_manifest)))
    manifest["files"]["audit_checkpoints"]["sha256"] = hashlib.sha256(forged).hexdigest()
    store.put(prefix + "audit_checkpoints.jsonl", [forged])
    store.put(certificate.export_manifest, [json.dumps(manifest).encode()])
    with pytest.raises(InvalidInput):  # a copy takes no checkpoint this server did not sign
        any_container.application.org_import().load(
            StoredExportFiles(store, certificate.export_manifest), operator,
            slug=unique_slug("forged"), accept_unsigned=True)
