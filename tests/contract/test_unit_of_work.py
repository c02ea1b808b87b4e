"""One contract, two adapters: in-memory and PostgreSQL must behave the same.

The unit of work's own contract (transactions, tenant binding, user scope); the repositories'
is in test_repositories.py and test_read_ports.py."""

import uuid
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from application.errors import TenantContextMissing
from application.ports.telemetry import Telemetry
from domain.audit import Actor, AuditEvent
from domain.errors import Conflict
from domain.member import Member, Role
from domain.organization import Organization, OrgStatus, Plan
from domain.user import User, UserStatus

NOW = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def uow_factory(any_container):
    return any_container.adapters.unit_of_work


def _org(slug: str) -> Organization:
    return Organization(id=uuid.uuid4(), name=f"Org {slug}", slug=slug, plan=Plan.PRO,
                        settings={"default_currency": "USD", "nested": {"a": [1, "b"]}},
                        status=OrgStatus.SUSPENDED, created_at=NOW,
                        updated_at=NOW + timedelta(seconds=1))


def _user(email: str) -> User:
    return User(id=uuid.uuid4(), email=email, full_name="Full Name", password_hash="hash$x",
                status=UserStatus.DISABLED, created_at=NOW, updated_at=NOW)


def _seed_org_with_member(uow_factory, slug):
    org, user = _org(slug), _user(f"{slug}@contract.test")
    member = Member(org_id=org.id, id=uuid.uuid4(), user_id=user.id, role=Role.ADMIN,
                    created_at=NOW, updated_at=NOW)
    with uow_factory() as uow:
        uow.orgs.add(org)
        uow.users.add(user)
        uow.bind(org.id)
        uow.members.add(member)
        uow.commit()
    return org, user, member


def _also_member(uow_factory, org, user) -> Member:
    """The user joins a second org, as a viewer."""
    member = Member(org_id=org.id, id=uuid.uuid4(), user_id=user.id, role=Role.VIEWER,
                    created_at=NOW, updated_at=NOW)
    with uow_factory() as uow:
        uow.bind(org.id)
        uow.members.add(member)
        uow.commit()
    return member


def test_every_field_round_trips(uow_factory, unique_slug):
    org, user, member = _seed_org_with_member(uow_factory, unique_slug())
    with uow_factory() as uow:
        assert uow.orgs.get(org.id) == org
        assert uow.orgs.get_by_slug(org.slug.upper()) == org
        assert uow.users.get(user.id) == user
        assert uow.users.get_by_email(user.email.upper()) == user
        uow.bind(org.id)
        assert uow.members.get(org.id, member.id) == member
        assert uow.members.get_by_user(org.id, user.id) == member
        assert [m.id for m in uow.directory.page(org.id, after=None, limit=10)] == [member.id]


def test_nothing_is_kept_without_commit(uow_factory, unique_slug):
    org = _org(unique_slug())
    with uow_factory() as uow:
        uow.orgs.add(org)
    with uow_factory() as uow:
        assert uow.orgs.get(org.id) is None


def test_duplicate_slug_and_email_are_conflicts(uow_factory, unique_slug):
    org, user, _ = _seed_org_with_member(uow_factory, unique_slug())
    with uow_factory() as uow, pytest.raises(Conflict):
        uow.orgs.add(_org(org.slug))
    with uow_factory() as uow, pytest.raises(Conflict):
        uow.users.add(_user(user.email.upper()))


def test_tenant_tables_refuse_to_work_without_a_bound_org(uow_factory, unique_slug):
    org, user, _ = _seed_org_with_member(uow_factory, unique_slug())
    with uow_factory() as uow, pytest.raises(TenantContextMissing):
        uow.members.get_by_user(org.id, user.id)
    with uow_factory() as uow, pytest.raises(TenantContextMissing):
        list(uow.audit.entries(org.id))


def test_a_bound_unit_of_work_sees_no_other_org(uow_factory, unique_slug):
    a, _, member_a = _seed_org_with_member(uow_factory, unique_slug())
    b, _, _ = _seed_org_with_member(uow_factory, unique_slug())
    with uow_factory() as uow:
        uow.bind(b.id)
        assert uow.members.get(a.id, member_a.id) is None
        assert uow.directory.page(a.id, after=None, limit=10) == []


def test_audit_entries_chain_and_round_trip(uow_factory, unique_slug):
    org, _, _ = _seed_org_with_member(uow_factory, unique_slug())
    event = AuditEvent(actor=Actor.operator("op"), action="thing.done", resource_type="thing",
                       resource_id="42", details={"k": "v", "n": 1.5, "list": [1, None]},
                       ip="203.0.113.9", user_agent="pytest")
    with uow_factory() as uow:
        uow.bind(org.id)
        first = uow.audit.append(org.id, event)
        second = uow.audit.append(org.id, event)
        uow.commit()
    with uow_factory() as uow:
        uow.bind(org.id)
        stored = list(uow.audit.entries(org.id))
    assert stored == [first, second]
    assert second.prev_hash == first.hash
    assert all(e.recomputed_hash() == e.hash for e in stored)


class RecordingTelemetry(Telemetry):
    def __init__(self) -> None:
        self.appended: list[str] = []
        self.waits: list[float] = []

    def audit_appended(self, action: str) -> None:
        self.appended.append(action)

    def connection_waited(self, seconds: float) -> None:
        self.waits.append(seconds)


def test_audit_appends_are_reported_once_committed_and_never_when_rolled_back(
        any_container, unique_slug):
    org, _, _ = _seed_org_with_member(any_container.adapters.unit_of_work, unique_slug())
    telemetry = RecordingTelemetry()
    event = AuditEvent(actor=Actor.operator("op"), action="thing.done", resource_type="thing",
                       resource_id="1")
    with any_container.adapters.telemetry.override(telemetry):
        with any_container.adapters.unit_of_work() as uow:
            uow.bind(org.id)
            uow.audit.append(org.id, event)
            assert telemetry.appended == []  # not before the commit
            uow.rollback()
        with any_container.adapters.unit_of_work() as uow:
            uow.bind(org.id)
            uow.audit.append(org.id, event)
            uow.audit.append(org.id, attrs.evolve(event, action="other.thing"))
            uow.commit()
    assert telemetry.appended == ["thing.done", "other.thing"]


def test_owners_are_counted_and_removal_keeps_the_rest(uow_factory, unique_slug):
    org, _, admin = _seed_org_with_member(uow_factory, unique_slug())
    owner_user = _user(f"owner-{org.slug}@contract.test")
    owner = Member(org_id=org.id, id=uuid.uuid4(), user_id=owner_user.id, role=Role.OWNER,
                   created_at=NOW, updated_at=NOW, invited_by=admin.id)
    with uow_factory() as uow:
        uow.users.add(owner_user)
        uow.bind(org.id)
        uow.members.add(owner)
        assert uow.members.lock_owners(org.id) == 1
        assert uow.tenant_data.blocking_dependencies(org.id) == {"members": 1}
        uow.members.remove(org.id, admin.id)
        uow.commit()
    with uow_factory() as uow:
        uow.bind(org.id)
        assert [m.id for m in uow.directory.page(org.id, after=None, limit=10)] == [owner.id]
        assert uow.members.get(org.id, owner.id).invited_by is None
        assert uow.tenant_data.blocking_dependencies(org.id) == {}


def test_a_user_scope_reads_only_that_users_memberships(uow_factory, unique_slug):
    a, user, member_a = _seed_org_with_member(uow_factory, unique_slug())
    b, _, _ = _seed_org_with_member(uow_factory, unique_slug())
    member_b = _also_member(uow_factory, b, user)
    with uow_factory() as uow:
        uow.bind_user(user.id)
        assert {m.id for m in uow.members.memberships_of_user(user.id)} == {member_a.id, member_b.id}
        assert list(uow.audit.entries(a.id)) == []
    with uow_factory() as uow, pytest.raises(TenantContextMissing):
        uow.members.memberships_of_user(user.id)


def test_a_user_scope_lists_its_own_membership_of_an_org_and_no_one_elses(uow_factory, unique_slug):
    _, user, _ = _seed_org_with_member(uow_factory, unique_slug())
    b, _, admin_b = _seed_org_with_member(uow_factory, unique_slug())
    member_b = _also_member(uow_factory, b, user)
    with uow_factory() as uow:
        uow.bind_user(user.id)
        assert uow.members.get(b.id, admin_b.id) is None
        assert [m.id for m in uow.directory.page(b.id, after=None, limit=10)] == [member_b.id]
        assert uow.members.get(b.id, member_b.id) == member_b


def test_sessions_round_trip_and_stay_in_their_org(uow_factory, unique_slug):
    from domain.session import Session

    org, user, _ = _seed_org_with_member(uow_factory, unique_slug())
    other, _, _ = _seed_org_with_member(uow_factory, unique_slug())
    session = Session(org_id=org.id, id=uuid.uuid4(), user_id=user.id, refresh_token_id="r1",
                      expires_at=NOW + timedelta(days=7), created_at=NOW, updated_at=NOW,
                      ip="198.51.100.7", user_agent="curl/8")
    with uow_factory() as uow:
        uow.bind(org.id)
        uow.sessions.add(session)
        uow.commit()
    with uow_factory() as uow:
        uow.bind(org.id)
        stored = uow.sessions.get(org.id, session.id)
        assert stored == session
        stored.rotate("r2", NOW + timedelta(minutes=1))
        assert not uow.sessions.rotate(stored, previous_token_id="r0")  # not the stored token
        assert uow.sessions.rotate(stored, previous_token_id="r1")
        stored.revoke("logout", NOW + timedelta(minutes=2))
        assert uow.sessions.revoke(stored)
        assert not uow.sessions.revoke(stored)  # once revoked, stays as first revoked
        assert not uow.sessions.rotate(stored, previous_token_id="r2")  # a revoked one: never
        uow.commit()
    with uow_factory() as uow:
        uow.bind(org.id)
        again = uow.sessions.get(org.id, session.id)
        assert (again.refresh_token_id, again.revoked_reason) == ("r2", "logout")
        assert not again.is_active(NOW + timedelta(minutes=3))
    with uow_factory() as uow:
        uow.bind(other.id)
        assert uow.sessions.get(org.id, session.id) is None


