"""Support access and the platform's reports over both adapters: a grant opened with a reason,
what is done under it audited in the org's own chain, refused without it, expired by time."""

from datetime import timedelta

import pytest
from sqlalchemy.exc import DBAPIError

from application.errors import TenantContextMissing
from application.members import AddMember
from application.organizations import CreateOrganization, DeleteOrganization
from application.support import OpenSupport
from domain.errors import Forbidden, InvalidInput, NotFound
from tests.fixtures.database import skip_on_citus


@pytest.fixture
def clock(frozen_clock):
    return frozen_clock


@pytest.fixture
def org(any_container, operator, unique_slug):
    slug = unique_slug("help")
    any_container.application.organizations().create(CreateOrganization(
        name=slug, slug=slug, owner_email=f"o@{slug}.test", actor=operator))
    any_container.application.members().add(AddMember(
        slug=slug, email=f"m@{slug}.test", role="member", actor=operator))
    return slug


def test_what_an_operator_does_under_a_grant_is_audited_in_the_orgs_chain(
        any_container, clock, operator, org):
    support = any_container.application.support()
    grant = support.open(OpenSupport(slug=org, reason="ticket 42", minutes=30, actor=operator))
    assert (grant.state, grant.operator, grant.reason) == ("open", operator.label, "ticket 42")
    assert grant.expires_at == clock.now() + timedelta(minutes=30)

    assert {m.email for m in support.members(org, operator)} == {f"o@{org}.test", f"m@{org}.test"}
    assert len(support.audit(org, operator, limit=2)) == 2
    closed = support.close(org, operator)
    assert closed.state == "closed" and closed.closed_at == clock.now()

    [chain] = any_container.application.audit_verifier().verify(org)
    assert chain.intact
    with any_container.adapters.unit_of_work() as uow:
        org_id = uow.orgs.get_by_slug(org).id
        uow.bind(org_id)
        [stored] = uow.support_grants.list(org_id)
        entries = list(uow.audit.entries(org_id))[-4:]
    assert (stored.id, stored.reason, stored.closed_at) == (grant.id, "ticket 42", closed.closed_at)
    assert [e.action for e in entries] == ["support.opened", "support.members_read",
                                           "support.audit_read", "support.closed"]
    assert {e.actor_label for e in entries} == {operator.label}
    assert {e.details["grant_id"] for e in entries} == {str(grant.id)}


def test_without_an_open_grant_the_support_commands_are_refused(any_container, clock,
                                                                operator, org):
    support = any_container.application.support()
    for attempt in (lambda: support.members(org, operator),
                    lambda: support.audit(org, operator, limit=5),
                    lambda: support.close(org, operator)):
        with pytest.raises(Forbidden, match="no open support grant"):
            attempt()
    support.open(OpenSupport(slug=org, reason="ticket 7", minutes=30, actor=operator))
    clock.advance(timedelta(minutes=30))
    with pytest.raises(Forbidden):
        support.members(org, operator)
    [expired] = support.grants(org, operator)
    assert expired.state == "expired"


@pytest.mark.parametrize(("reason", "minutes"), [(" ", 30), ("why", 0), ("why", 24 * 60 + 1)])
def test_a_grant_needs_a_reason_and_a_bounded_time(any_container, operator, org, reason, minutes):
    with pytest.raises(InvalidInput):
        any_container.application.support().open(
            OpenSupport(slug=org, reason=reason, minutes=minutes, actor=operator))


def test_no_grant_is_opened_to_an_org_that_does_not_exist(any_container, operator):
    with pytest.raises(NotFound):
        any_container.application.support().open(
            OpenSupport(slug="no-such-org", reason="x", minutes=5, actor=operator))


def test_the_platform_reports_count_each_org_and_its_last_activity(any_container, operator, org):
    skip_on_citus("the platform reports (Citus reads the shards as the calling role)")
    platform = any_container.application.platform()
    [report] = [r for r in platform.orgs() if r.slug == org]
    assert (report.plan, report.status, report.members, report.api_keys) == ("free", "active", 2, 0)
    assert report.max_members is not None and report.last_activity is not None
    free = [u for u in platform.usage() if (u["plan"], u["status"]) == ("free", "active")]
    assert free and free[0]["orgs"] >= 1 and free[0]["members"] >= 2


def test_a_grant_is_reached_only_under_its_orgs_binding(any_container, operator, org, unique_slug):
    other = unique_slug("other")
    any_container.application.organizations().create(CreateOrganization(
        name=other, slug=other, owner_email=f"o@{other}.test", actor=operator))
    any_container.application.support().open(
        OpenSupport(slug=org, reason="ticket 5", minutes=30, actor=operator))
    with any_container.adapters.unit_of_work() as uow:
        org_id, other_id = (uow.orgs.get_by_slug(s).id for s in (org, other))
        uow.bind(org_id)
        [grant] = uow.support_grants.list(org_id)
    with any_container.adapters.unit_of_work() as uow:
        uow.bind(other_id)
        assert uow.support_grants.list(org_id) == []
        grant.close(grant.created_at)
        uow.support_grants.update(grant)  # not its org: nothing changes
        uow.commit()
    assert any_container.application.support().grants(org, operator)[0].state == "open"
    with any_container.adapters.unit_of_work() as uow:
        uow.bind(other_id)
        with pytest.raises((TenantContextMissing, DBAPIError)):
            uow.support_grants.add(grant)


def test_the_platform_reports_leave_deleted_orgs_out(any_container, operator, unique_slug):
    skip_on_citus("the platform reports (Citus reads the shards as the calling role)")
    gone = unique_slug("gone")
    any_container.application.organizations().create(CreateOrganization(
        name=gone, slug=gone, owner_email=f"o@{gone}.test", actor=operator))
    any_container.application.organizations().delete(DeleteOrganization(slug=gone, actor=operator))
    assert gone not in {r.slug for r in any_container.application.platform().orgs()}
