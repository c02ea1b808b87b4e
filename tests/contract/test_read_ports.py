"""Read ports over both adapters: the audit page, who a request's principal is, the members list."""

import uuid
from datetime import timedelta

import attrs
import pytest

from adapters.system import FrozenClock
from application.errors import TenantContextMissing
from application.ports.principals import KeyGrant, SessionGrant
from application.ports.read_models import MemberCursor, Membership, MemberSummary
from application.ports.repositories import AuditFilter
from domain.audit import Actor, ActorType, AuditEvent
from domain.member import Role
from domain.organization import OrgStatus
from domain.session import Session
from domain.user import UserStatus
from tests.contract.test_repositories import NOW, SEC, _add, _key, _member, _org_with_owner, _user


@pytest.fixture
def uow_factory(any_container):
    return any_container.adapters.unit_of_work


def test_audit_pages_filter_and_keep_chain_order(uow_factory, unique_slug):
    org, user, _ = _org_with_owner(uow_factory, unique_slug())
    clock, person = FrozenClock(NOW), Actor(type=ActorType.USER, label="u", id=user.id, org_id=org.id)
    steps = [(person, "member.added", "member", "m1"), (Actor.operator("op"), "member.added", "member", "m2"),
             (person, "org.renamed", "org", str(org.id)), (person, "member.added", "member", "m1")]
    with uow_factory(clock=clock) as uow:
        uow.bind(org.id)
        entries = []
        for actor, action, kind, resource in steps:
            entries.append(uow.audit.append(org.id, AuditEvent(
                actor=actor, action=action, resource_type=kind, resource_id=resource,
                details={"step": len(entries)}, ip="192.0.2.1", user_agent="pytest")))
            clock.advance(SEC)
        uow.commit()
    first, second, third, fourth = entries

    def page(after_seq=0, limit=10, **where):
        with uow_factory() as uow:
            uow.bind(org.id)
            return uow.audit.page(org.id, AuditFilter(**where), after_seq=after_seq, limit=limit)

    assert page() == entries and [e.seq for e in entries] == [1, 2, 3, 4]
    assert page(action="member.added") == [first, second, fourth]
    assert page(actor_id=user.id) == [first, third, fourth]
    assert page(resource_type="org") == [third]
    assert page(resource_type="member", resource_id="m1") == [first, fourth]
    assert page(since=NOW + SEC) == [second, third, fourth]
    assert page(until=NOW + 2 * SEC) == [first, second]
    assert page(since=NOW + SEC, until=NOW + 3 * SEC, action="member.added") == [second]
    assert page(after_seq=second.seq) == [third, fourth]
    assert page(after_seq=first.seq, limit=2) == [second, third]
    assert page(action="member.added", after_seq=first.seq, limit=1) == [second]
    assert page(action="nothing.happened") == []


def _signed_in(uow_factory, slug):
    org, user, owner = _org_with_owner(uow_factory, slug)
    session = Session(org_id=org.id, id=uuid.uuid4(), user_id=user.id, refresh_token_id="r1",
                      expires_at=NOW + 60 * SEC, created_at=NOW, updated_at=NOW)
    _add(uow_factory, org.id, "sessions", session)
    return org, user, owner, session


def test_a_live_session_grants_its_member_person_and_org(uow_factory, unique_slug):
    org, user, owner, session = _signed_in(uow_factory, unique_slug())
    with uow_factory() as uow:
        uow.bind(org.id)
        of_session = uow.principals.of_session
        assert of_session(org.id, session.id, user.id, NOW) == SessionGrant(
            org=org, session_id=session.id, member_id=owner.id, user_id=user.id,
            email=user.email, full_name=user.full_name, role=Role.OWNER)
        assert of_session(org.id, session.id, user.id, session.expires_at - timedelta.resolution)
        assert of_session(org.id, session.id, user.id, session.expires_at) is None
        assert of_session(org.id, session.id, uuid.uuid4(), NOW) is None
        assert of_session(org.id, uuid.uuid4(), user.id, NOW) is None


ENDINGS = {
    "revoked session": lambda uow, org, user, member, session: uow.sessions.revoke(
        attrs.evolve(session, revoked_at=NOW, revoked_reason="logout")),
    "removed member": lambda uow, org, user, member, session: uow.members.remove(org.id, member.id),
    "disabled user": lambda uow, org, user, member, session: uow.users.update(
        attrs.evolve(user, status=UserStatus.DISABLED)),
    "suspended org": lambda uow, org, user, member, session: uow.orgs.update(
        attrs.evolve(org, status=OrgStatus.SUSPENDED)),
    "deleted org": lambda uow, org, user, member, session: uow.orgs.update(
        attrs.evolve(org, status=OrgStatus.DELETED)),
}


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_a_session_grants_nothing_once_anything_behind_it_ends(uow_factory, unique_slug, ending):
    world = _signed_in(uow_factory, unique_slug())
    org, user, _, session = world
    with uow_factory() as uow:
        uow.bind(org.id)
        assert uow.principals.of_session(org.id, session.id, user.id, NOW) is not None
        ENDINGS[ending](uow, *world)
        uow.commit()
    with uow_factory() as uow:
        uow.bind(org.id)
        assert uow.principals.of_session(org.id, session.id, user.id, NOW) is None


@pytest.mark.parametrize("status", list(OrgStatus))
def test_an_api_key_grants_its_org_only_while_the_org_is_active(uow_factory, unique_slug, status):
    org, user, _ = _org_with_owner(uow_factory, unique_slug())
    revoked = _key(org, user, NOW, revoked_at=NOW + SEC)  # unusable, yet found: the caller decides
    _add(uow_factory, org.id, "api_keys", revoked)
    if status is not OrgStatus.ACTIVE:
        with uow_factory() as uow:
            uow.orgs.update(attrs.evolve(org, status=status))
            uow.commit()
    with uow_factory() as uow:
        uow.bind(org.id)
        active = status is OrgStatus.ACTIVE
        assert uow.principals.of_api_key(org.id, revoked.prefix) == (
            KeyGrant(org=org, key=revoked, creator_role=Role.OWNER) if active else None)
        assert uow.principals.of_api_key(org.id, "gw_missing") is None


CREATOR_CHANGES = {
    "demoted": (lambda uow, org, user, member: uow.members.update(
        attrs.evolve(member, role=Role.VIEWER)), Role.VIEWER),
    "removed": (lambda uow, org, user, member: uow.members.remove(org.id, member.id), None),
    "disabled": (lambda uow, org, user, member: uow.users.update(
        attrs.evolve(user, status=UserStatus.DISABLED)), None),
}


@pytest.mark.parametrize("change", list(CREATOR_CHANGES))
def test_an_api_key_grant_carries_its_creators_role_as_it_is_now(uow_factory, unique_slug, change):
    org, user, owner = _org_with_owner(uow_factory, unique_slug())
    key, by_operator = _key(org, user, NOW), _key(org, user, NOW, created_by=None)
    _add(uow_factory, org.id, "api_keys", key, by_operator)
    apply, expected = CREATOR_CHANGES[change]
    with uow_factory() as uow:
        uow.bind(org.id)
        assert uow.principals.of_api_key(org.id, key.prefix).creator_role is Role.OWNER
        apply(uow, org, user, owner)
        uow.commit()
    with uow_factory() as uow:
        uow.bind(org.id)
        assert uow.principals.of_api_key(org.id, key.prefix).creator_role is expected
        assert uow.principals.of_api_key(org.id, by_operator.prefix).creator_role is None


def test_the_directory_pages_members_by_created_at_then_id(uow_factory, unique_slug):
    org, owner_user, owner = _org_with_owner(uow_factory, unique_slug())
    other, _, _ = _org_with_owner(uow_factory, unique_slug())
    people = [owner_user, *(_user(f"m{i}@{org.slug}.test") for i in range(3))]
    joined = [owner, *(_member(org, person, role, NOW + seconds * SEC) for person, role, seconds
                       in zip(people[1:], (Role.VIEWER, Role.ADMIN, Role.MEMBER), (2, 1, 1),
                              strict=True))]
    # The two joined at the same instant are stored in the reverse of their id order.
    joined[2].id, joined[3].id = sorted((uuid.uuid4(), uuid.uuid4()), reverse=True)
    with uow_factory() as uow:
        for person in people[1:]:
            uow.users.add(person)
        uow.bind(org.id)
        for member in joined[1:]:
            uow.members.add(member)
        uow.commit()
    by_id = {person.id: person for person in people}
    expected = [MemberSummary(id=m.id, org_id=org.id, user_id=m.user_id, email=by_id[m.user_id].email,
                              full_name=by_id[m.user_id].full_name, role=m.role.value,
                              created_at=m.created_at, last_sign_in_at=None)
                for m in sorted(joined, key=lambda m: (m.created_at, m.id))]
    cursor = [MemberCursor(created_at=s.created_at, id=s.id) for s in expected]
    with uow_factory() as uow:
        uow.bind(org.id)
        page = uow.directory.page
        assert page(org.id, after=None, limit=10) == expected
        assert page(org.id, after=None, limit=2) == expected[:2]
        assert page(org.id, after=cursor[1], limit=2) == expected[2:]  # past a tie on created_at
        assert page(org.id, after=cursor[2], limit=10) == expected[3:]
        assert page(org.id, after=cursor[3], limit=10) == []
        assert page(other.id, after=None, limit=10) == []


def test_a_persons_memberships_are_read_in_their_user_scope(uow_factory, unique_slug):
    a, user, member_a = _org_with_owner(uow_factory, unique_slug())
    b, user_b, member_b_owner = _org_with_owner(uow_factory, unique_slug())
    member_b = _member(b, user, Role.VIEWER, NOW - SEC)
    _add(uow_factory, b.id, "members", member_b)
    with uow_factory() as uow:
        uow.bind_user(user.id)
        assert uow.directory.memberships_of_user(user.id) == [
            Membership(org=b, member_id=member_b.id, role=Role.VIEWER),
            Membership(org=a, member_id=member_a.id, role=Role.OWNER)]
        assert uow.directory.memberships_of_user(user_b.id) == []
    with uow_factory() as uow:
        uow.bind(b.id)
        assert uow.directory.memberships_of_user(user_b.id) == [
            Membership(org=b, member_id=member_b_owner.id, role=Role.OWNER)]
    with uow_factory() as uow, pytest.raises(TenantContextMissing):
        uow.directory.memberships_of_user(user.id)
