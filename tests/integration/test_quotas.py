"""Quotas hold under concurrency on PostgreSQL: 50 parallel additions against a limit of 5 ->
exactly 5 pass, 45 get 409 quota_exceeded naming the limit. And over both backends: each kind
of addition is counted, overrides win over the plan, an operator edits plans."""

from __future__ import annotations

import pytest

from application.api_keys import CreateApiKey
from application.members import AddMember
from application.organizations import CreateOrganization
from domain.errors import InvalidInput
from domain.quota import QuotaExceeded
from tests.fixtures.concurrency import all_at_once


@pytest.fixture
def org(any_container, operator, unique_slug):
    slug = unique_slug("quota")
    any_container.application.organizations().create(CreateOrganization(
        name="Quota", slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
    return slug


def _add(container, operator, slug, i):
    def attempt():
        try:
            container.application.members().add(AddMember(
                slug=slug, email=f"p{i}@{slug}.test", role="member", actor=operator))
            return "added"
        except QuotaExceeded as refused:
            assert (refused.details["limit"], refused.details["allowed"]) == ("members", 5)
            return "quota_exceeded"
    return attempt


@pytest.mark.postgres
def test_fifty_parallel_member_adds_against_a_limit_of_five(pg_container, operator, unique_slug):
    slug = unique_slug("race")
    pg_container.application.organizations().create(CreateOrganization(
        name="Race", slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
    pg_container.application.quotas().override(slug, "members", 5, operator)
    results = all_at_once([_add(pg_container, operator, slug, i) for i in range(50)])
    assert results.count("added") == 4 and results.count("quota_exceeded") == 46  # owner + 4
    usage = pg_container.application.quotas().usage(slug, operator)
    assert next(u for u in usage.limits if u.name == "members").used == 5


@pytest.mark.postgres
def test_fifty_parallel_key_creations_against_a_limit_of_five(pg_container, operator, unique_slug):
    slug = unique_slug("keys")
    pg_container.application.organizations().create(CreateOrganization(
        name="Keys", slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
    pg_container.application.quotas().override(slug, "api_keys", 5, operator)

    def create():
        try:
            pg_container.application.api_keys().create(CreateApiKey(
                slug=slug, actor=operator, name="k", scopes=["org:read"]))
            return "created"
        except QuotaExceeded:
            return "quota_exceeded"

    results = all_at_once([create for _ in range(50)])
    assert results.count("created") == 5 and results.count("quota_exceeded") == 45


def test_the_free_plan_caps_members_and_an_override_lifts_it(any_container, operator, org):
    quotas = any_container.application.quotas()
    for i in range(4):
        _add(any_container, operator, org, i)()
    assert _add(any_container, operator, org, 99)() == "quota_exceeded"
    quotas.override(org, "members", None, operator)  # none: no limit for this org
    assert _add(any_container, operator, org, 99)() == "added"
    quotas.override(org, "members", None, operator, clear=True)  # the plan's 5 again
    assert _add(any_container, operator, org, 100)() == "quota_exceeded"
    assert quotas.move_to_plan(org, "pro", operator) == "pro"
    assert _add(any_container, operator, org, 100)() == "added"
    usage = {u.name: (u.limit, u.used) for u in quotas.usage(org, operator).limits}
    assert usage["members"] == (50, 7) and usage["pending_invitations"] == (100, 0)
    assert usage["storage_bytes"] == (50 * 1024**3, 0)


def test_an_operator_edits_a_plan_for_every_org_on_it(any_container, operator, org):
    quotas = any_container.application.quotas()
    before = quotas.plans()["free"]["api_keys"]
    try:
        assert quotas.set_plan_limit("free", "api_keys", 1)["api_keys"] == 1
        any_container.application.api_keys().create(CreateApiKey(
            slug=org, actor=operator, name="one", scopes=["org:read"]))
        with pytest.raises(QuotaExceeded):
            any_container.application.api_keys().create(CreateApiKey(
                slug=org, actor=operator, name="two", scopes=["org:read"]))
    finally:
        quotas.set_plan_limit("free", "api_keys", before)


@pytest.mark.parametrize("name, value", [("members", -1), ("members", 2**60), ("members", True),
                                         ("nope", 1), ("members", "5")])
def test_bad_limits_are_refused(any_container, operator, org, name, value):
    with pytest.raises(InvalidInput):
        any_container.application.quotas().override(org, name, value, operator)
