"""Audit retention on both backends: each org's plan (or its own override) says how many days
its entries are kept; pruning leaves a signed checkpoint and the chain still verifies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.system import FrozenClock
from application.members import AddMember
from application.organizations import CreateOrganization
from domain.errors import NotFound


@pytest.fixture
def clock(any_container):
    """The container's clock, frozen now and moved by the test; put back afterwards."""
    frozen = FrozenClock(datetime.now(UTC))
    any_container.adapters.clock.override(frozen)
    yield frozen
    any_container.adapters.clock.reset_override()


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
