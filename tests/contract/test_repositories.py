"""Repositories over both adapters: every field round-trips, tenants stay apart.

One file for the contract of the sign-in repositories (keys, invitations, password links): over
200 lines because each field's round trip is spelled out, which is the point of the contract."""

import uuid
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from application.errors import TenantContextMissing
from domain.api_key import ApiKey, Scope
from domain.email_token import EmailToken
from domain.invitation import Invitation
from domain.member import Member, Role
from domain.organization import Organization, Plan
from domain.password_token import PasswordToken
from domain.session import Session
from domain.user import User

NOW = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
SEC = timedelta(seconds=1)
MISSING = "gw_missing"


@pytest.fixture
def uow_factory(any_container):
    return any_container.adapters.unit_of_work


def _user(email):
    return User(id=uuid.uuid4(), email=email, full_name=f"Name {email}", password_hash="h$1",
                created_at=NOW, updated_at=NOW + SEC)


def _member(org, user, role, at):
    return Member(org_id=org.id, id=uuid.uuid4(), user_id=user.id, role=role, created_at=at,
                  updated_at=at + SEC)


def _org_with_owner(uow_factory, slug):
    org = Organization(id=uuid.uuid4(), name=f"Org {slug}", slug=slug, plan=Plan.ENTERPRISE,
                       settings={"default_currency": "EUR", "n": [1, {"x": None}]},
                       created_at=NOW, updated_at=NOW + SEC)
    user = _user(f"owner@{slug}.test")
    owner = _member(org, user, Role.OWNER, NOW)
    with uow_factory() as uow:
        uow.orgs.add(org)
        uow.users.add(user)
        uow.bind(org.id)
        uow.members.add(owner)
        uow.commit()
    return org, user, owner


def _add(uow_factory, org_id, repository, *items):
    with uow_factory() as uow:
        if org_id is not None:
            uow.bind(org_id)
        for item in items:
            getattr(uow, repository).add(item)
        uow.commit()


def _key(org, user, at, **fields):
    prefix = f"gw_{uuid.uuid4().hex[:12]}"
    return ApiKey(**{"org_id": org.id, "id": uuid.uuid4(), "name": f"key {prefix}",
                     "prefix": prefix, "secret_hash": f"sha256${prefix}", "created_by": user.id,
                     "created_at": at, "updated_at": at + SEC, "expires_at": at + 30 * SEC,
                     "scopes": frozenset({Scope.ORG_READ, Scope.AUDIT_READ})} | fields)


def _token(user):
    return PasswordToken(id=uuid.uuid4(), user_id=user.id, token_hash=f"sha256${uuid.uuid4().hex}",
                         expires_at=NOW + 60 * SEC, created_at=NOW, updated_at=NOW + SEC)


def _same_but_updated_at(stored, expected):
    """Equal in every field but updated_at, which PostgreSQL's trigger sets on UPDATE."""
    return attrs.evolve(stored, updated_at=expected.updated_at) == expected


def test_api_keys_round_trip_in_order_and_are_located_without_a_tenant(uow_factory, unique_slug):
    org, user, _ = _org_with_owner(uow_factory, unique_slug())
    early = _key(org, user, NOW, created_by=None, expires_at=None, scopes=frozenset(Scope),
                 last_used_at=NOW + 2 * SEC, revoked_at=NOW + 3 * SEC)
    late, tied = _key(org, user, NOW + SEC), _key(org, user, NOW + SEC)
    late.id, tied.id = sorted((uuid.uuid4(), uuid.uuid4()), reverse=True)  # stored out of id order
    _add(uow_factory, org.id, "api_keys", late, early, tied)
    with uow_factory() as uow:
        assert uow.api_keys.locate(early.prefix) == org.id
        assert uow.api_keys.locate(MISSING) is None
        uow.bind(org.id)
        assert uow.api_keys.get(org.id, early.id) == early
        assert uow.api_keys.get(org.id, uuid.uuid4()) is None
        assert uow.principals.of_api_key(org.id, late.prefix).key == late
        assert uow.principals.of_api_key(org.id, MISSING) is None
        assert uow.api_keys.list(org.id) == sorted([late, early, tied],
                                                   key=lambda k: (k.created_at, k.id))


def test_an_api_key_update_stores_its_changes(uow_factory, unique_slug):
    org, user, _ = _org_with_owner(uow_factory, unique_slug())
    key = _key(org, user, NOW)
    _add(uow_factory, org.id, "api_keys", key)
    changed = attrs.evolve(key, name="renamed", expires_at=None, last_used_at=NOW + 2 * SEC)
    changed.revoke(NOW + 3 * SEC)
    with uow_factory() as uow:
        uow.bind(org.id)
        uow.api_keys.update(changed)
        uow.commit()
    with uow_factory() as uow:
        uow.bind(org.id)
        assert _same_but_updated_at(uow.api_keys.get(org.id, key.id), changed)
        assert not uow.principals.of_api_key(org.id, key.prefix).key.usable(NOW)


def test_record_use_stores_the_last_use_only(uow_factory, unique_slug):
    org, user, _ = _org_with_owner(uow_factory, unique_slug())
    key = _key(org, user, NOW)
    _add(uow_factory, org.id, "api_keys", key)
    with uow_factory() as uow:
        uow.bind(org.id)
        assert uow.api_keys.record_use(attrs.evolve(key, name="not stored", revoked_at=NOW + SEC,
                                                    last_used_at=NOW + 5 * SEC),
                                       unless_used_since=NOW)
        uow.commit()
    with uow_factory() as uow:
        uow.bind(org.id)
        stored = uow.api_keys.get(org.id, key.id)
    assert stored.last_used_at == NOW + 5 * SEC
    assert (stored.name, stored.revoked_at) == (key.name, None)


def test_an_api_key_of_org_a_is_invisible_and_untouchable_when_org_b_is_bound(uow_factory,
                                                                                unique_slug):
    a, user, _ = _org_with_owner(uow_factory, unique_slug())
    b, _, _ = _org_with_owner(uow_factory, unique_slug())
    key = _key(a, user, NOW)
    _add(uow_factory, a.id, "api_keys", key)
    with uow_factory() as uow:
        uow.bind(b.id)
        assert uow.api_keys.locate(key.prefix) == a.id
        assert uow.api_keys.get(a.id, key.id) is None
        assert uow.api_keys.list(a.id) == []
        assert uow.principals.of_api_key(a.id, key.prefix) is None
        uow.api_keys.update(attrs.evolve(key, name="hijacked"))
        uow.commit()
    with uow_factory() as uow:
        uow.bind(a.id)
        assert uow.api_keys.get(a.id, key.id) == key
    with uow_factory() as uow, pytest.raises(TenantContextMissing):
        uow.api_keys.get(a.id, key.id)


def test_invitations_round_trip_are_accepted_and_stay_in_their_org(uow_factory, unique_slug):
    org, user, _ = _org_with_owner(uow_factory, unique_slug())
    other, _, _ = _org_with_owner(uow_factory, unique_slug())
    invited, bare = (Invitation(org_id=org.id, id=uuid.uuid4(), email=f"{n}@{org.slug}.test",
                                role=role, token_hash=f"sha256${uuid.uuid4().hex}",
                                invited_by=by, expires_at=NOW + 60 * SEC, created_at=NOW,
                                updated_at=NOW + SEC)
                     for n, role, by in (("new", Role.VIEWER, user.id), ("bare", Role.ADMIN, None)))
    _add(uow_factory, org.id, "invitations", invited, bare)
    with uow_factory() as uow:
        uow.bind(org.id)
        assert uow.invitations.get_by_hash(org.id, bare.token_hash) == bare
        assert uow.invitations.get_by_hash(org.id, MISSING) is None
        stored = uow.invitations.get_by_hash(org.id, invited.token_hash)
        assert stored == invited
        stored.accept(NOW + 2 * SEC)
        assert uow.invitations.claim(stored)
        assert not uow.invitations.claim(stored)  # once only, even in the same transaction
        uow.commit()
    with uow_factory() as uow:
        uow.bind(org.id)
        again = uow.invitations.get_by_hash(org.id, invited.token_hash)
        assert _same_but_updated_at(again, stored) and again.accepted_at == NOW + 2 * SEC
        assert uow.invitations.get_by_hash(org.id, bare.token_hash).accepted_at is None
    with uow_factory() as uow:
        uow.bind(other.id)
        assert uow.invitations.get_by_hash(org.id, invited.token_hash) is None
        assert uow.invitations.get_by_hash(other.id, invited.token_hash) is None


def test_password_tokens_round_trip_and_are_used_without_a_tenant(uow_factory, unique_slug):
    _, user, _ = _org_with_owner(uow_factory, unique_slug())
    token, other = _token(user), _token(user)
    _add(uow_factory, None, "password_tokens", token, other)
    with uow_factory() as uow:
        stored = uow.password_tokens.get_by_hash(token.token_hash)
        assert stored == token and uow.password_tokens.get_by_hash(MISSING) is None
        stored.use(NOW + 2 * SEC)
        assert uow.password_tokens.claim(stored)
        assert not uow.password_tokens.claim(stored)
        uow.commit()
    with uow_factory() as uow:
        used = uow.password_tokens.get_by_hash(token.token_hash)
        used.use(NOW + 3 * SEC)
        assert not uow.password_tokens.claim(used)  # a link used and committed stays used
    with uow_factory() as uow:
        again = uow.password_tokens.get_by_hash(token.token_hash)
        assert _same_but_updated_at(again, stored) and not again.usable(NOW + 3 * SEC)
        assert uow.password_tokens.get_by_hash(other.token_hash) == other


def test_an_update_moves_updated_at_forward(uow_factory, unique_slug):
    """PostgreSQL's set_updated_at trigger stamps the database's now(); memory keeps the app
    clock's value: both are at least the time the use case gave."""
    _, user, _ = _org_with_owner(uow_factory, unique_slug())
    token = _token(user)
    _add(uow_factory, None, "password_tokens", token)
    with uow_factory() as uow:
        stored = uow.password_tokens.get_by_hash(token.token_hash)
        stored.use(NOW + 2 * SEC)
        uow.password_tokens.claim(stored)
        uow.commit()
    with uow_factory() as uow:
        assert uow.password_tokens.get_by_hash(token.token_hash).updated_at >= NOW + 2 * SEC


def test_a_read_object_changed_without_update_is_not_stored(uow_factory, unique_slug):
    org, user, _ = _org_with_owner(uow_factory, unique_slug())
    key = _key(org, user, NOW)
    _add(uow_factory, org.id, "api_keys", key)
    with uow_factory() as uow:
        uow.bind(org.id)
        uow.api_keys.get(org.id, key.id).revoke(NOW + SEC)
        uow.commit()
    with uow_factory() as uow:
        uow.bind(org.id)
        assert uow.api_keys.get(org.id, key.id).revoked_at is None



def test_a_persons_keys_are_revoked_together_in_their_org_only(uow_factory, unique_slug):
    org, user, _ = _org_with_owner(uow_factory, unique_slug())
    other_org, other_user, _ = _org_with_owner(uow_factory, unique_slug())
    mine, theirs = _key(org, user, NOW), _key(org, other_user, NOW)
    elsewhere = _key(other_org, user, NOW)
    _add(uow_factory, org.id, "api_keys", mine, theirs)
    _add(uow_factory, other_org.id, "api_keys", elsewhere)
    with uow_factory() as uow:
        uow.bind(org.id)
        assert uow.api_keys.revoke_created_by(org.id, user.id, NOW + SEC) == 1
        assert uow.api_keys.revoke_created_by(org.id, user.id, NOW + 2 * SEC) == 0
        uow.commit()
    with uow_factory() as uow:
        uow.bind(org.id)
        assert uow.api_keys.get(org.id, mine.id).revoked_at == NOW + SEC
        assert uow.api_keys.get(org.id, theirs.id).revoked_at is None
    with uow_factory() as uow:
        uow.bind(other_org.id)
        assert uow.api_keys.get(other_org.id, elsewhere.id).revoked_at is None


def test_an_invitation_is_rekeyed_only_while_open_and_as_it_was_read(uow_factory, unique_slug):
    org, user, _ = _org_with_owner(uow_factory, unique_slug())

    def invitation(email: str, **changes) -> Invitation:
        return Invitation(**{"org_id": org.id, "id": uuid.uuid4(), "email": email,
                             "role": Role.MEMBER, "token_hash": f"sha256${email}",
                             "invited_by": user.id, "expires_at": NOW + 60 * SEC,
                             "created_at": NOW, "updated_at": NOW} | changes)

    kept, ended, taken = (invitation("kept@x.test"), invitation("ended@x.test"),
                          invitation("taken@x.test", accepted_at=NOW))
    for one in (kept, ended, taken):
        _add(uow_factory, org.id, "invitations", one)
    with uow_factory() as uow:
        uow.bind(org.id)
        stale = attrs.evolve(kept, token_hash="sha256$read-before-a-resend")
        assert not uow.invitations.rekey(stale, "sha256$new", NOW + SEC)  # sent again since
        assert uow.invitations.rekey(kept, "sha256$new", NOW + SEC)
        assert not uow.invitations.rekey(ended, "sha256$late", NOW + 60 * SEC)  # ended by then
        assert not uow.invitations.rekey(taken, "sha256$taken", NOW + SEC)  # accepted
        uow.commit()
    with uow_factory() as uow:
        uow.bind(org.id)
        assert uow.invitations.get_by_hash(org.id, "sha256$new").id == kept.id
        assert uow.invitations.get_by_hash(org.id, kept.token_hash) is None  # the old one dies
        assert uow.invitations.get(org.id, ended.id).token_hash == ended.token_hash
        assert uow.invitations.get(org.id, taken.id).token_hash == taken.token_hash


def test_an_addresss_pending_invitation_is_found_and_renewed_until_accepted(uow_factory, unique_slug):
    org, user, _ = _org_with_owner(uow_factory, unique_slug())
    pending = Invitation(org_id=org.id, id=uuid.uuid4(), email=f"pat@{org.slug}.test",
                         role=Role.VIEWER, token_hash="sha256$one", invited_by=user.id,
                         expires_at=NOW + 60 * SEC, created_at=NOW, updated_at=NOW)
    _add(uow_factory, org.id, "invitations", pending)
    with uow_factory() as uow:
        uow.bind(org.id)
        found = uow.invitations.pending_for(org.id, pending.email)
        assert found == pending and uow.invitations.pending_for(org.id, "nobody@x.test") is None
        found.renew(role=Role.MEMBER, token_hash="sha256$two", expires_at=NOW + 90 * SEC,
                    invited_by=None, now=NOW + SEC)
        assert uow.invitations.renew(found)
        uow.commit()
    with uow_factory() as uow:
        uow.bind(org.id)
        renewed = uow.invitations.get_by_hash(org.id, "sha256$two")
        assert (renewed.role, renewed.expires_at, renewed.invited_by) == (
            Role.MEMBER, NOW + 90 * SEC, None)
        assert uow.invitations.get_by_hash(org.id, "sha256$one") is None
        renewed.accept(NOW + 2 * SEC)
        assert uow.invitations.claim(renewed)
        uow.commit()
    with uow_factory() as uow:
        uow.bind(org.id)
        assert uow.invitations.pending_for(org.id, pending.email) is None
        assert not uow.invitations.renew(renewed)  # accepted: never renewed


def test_the_open_invitations_a_person_sent_end_together_in_their_org_only(
        uow_factory, unique_slug):
    org, user, _ = _org_with_owner(uow_factory, unique_slug())
    other_org, other_user, _ = _org_with_owner(uow_factory, unique_slug())

    def invitation(in_org, by, email, **overrides):
        return Invitation(**{"org_id": in_org.id, "id": uuid.uuid4(), "email": email,
                             "role": Role.ADMIN, "token_hash": f"sha256${email}",
                             "invited_by": by, "expires_at": NOW + 60 * SEC,
                             "created_at": NOW, "updated_at": NOW} | overrides)

    mine = invitation(org, user.id, "a@x.test")
    lapsed = invitation(org, user.id, "b@x.test", expires_at=NOW)
    accepted = invitation(org, user.id, "c@x.test", accepted_at=NOW)
    unsigned = invitation(org, None, "d@x.test")
    elsewhere = invitation(other_org, other_user.id, "e@x.test")
    _add(uow_factory, org.id, "invitations", mine, lapsed, accepted, unsigned)
    _add(uow_factory, other_org.id, "invitations", elsewhere)
    with uow_factory() as uow:
        uow.bind(org.id)
        assert uow.invitations.expire_sent_by(org.id, user.id, NOW + SEC) == 1
        assert uow.invitations.expire_sent_by(org.id, other_user.id, NOW + SEC) == 0
        uow.commit()
    with uow_factory() as uow:
        uow.bind(org.id)
        ended = uow.invitations.get_by_hash(org.id, mine.token_hash)
        assert ended.expires_at == NOW + SEC and not ended.open(NOW + SEC)
        ended.accept(NOW + SEC)  # read open by a racing accept, claimed once it had ended
        assert not uow.invitations.claim(ended)
        assert uow.invitations.get_by_hash(org.id, unsigned.token_hash).open(NOW + SEC)
        assert uow.invitations.get_by_hash(org.id, accepted.token_hash).expires_at == NOW + 60 * SEC
    with uow_factory() as uow:
        uow.bind(other_org.id)
        assert uow.invitations.get_by_hash(other_org.id, elsewhere.token_hash).open(NOW + SEC)


def test_holding_a_membership_reads_it_in_the_bound_org_only(uow_factory, unique_slug):
    org, user, owner = _org_with_owner(uow_factory, unique_slug())
    other_org, other_user, _ = _org_with_owner(uow_factory, unique_slug())
    with uow_factory() as uow:
        uow.bind(org.id)
        assert uow.members.hold(org.id, user.id) == owner
        assert uow.members.hold(org.id, other_user.id) is None  # not a member here
        assert uow.members.hold(other_org.id, other_user.id) is None  # not the bound org


def test_a_sign_in_is_noted_in_the_bound_org_only_and_never_moves_back(
        uow_factory, unique_slug):
    org, user, owner = _org_with_owner(uow_factory, unique_slug())
    other_org, other_user, _ = _org_with_owner(uow_factory, unique_slug())
    assert owner.last_sign_in_at is None
    with uow_factory() as uow:
        uow.bind(org.id)
        uow.members.note_sign_in(org.id, user.id, NOW + 2 * SEC)
        uow.members.note_sign_in(org.id, user.id, NOW + SEC)  # an older one, noted late
        uow.members.note_sign_in(org.id, other_user.id, NOW)  # not a member here
        uow.commit()
    with uow_factory() as uow:
        uow.bind(org.id)
        assert uow.members.get(org.id, owner.id).last_sign_in_at == NOW + 2 * SEC
        [listed] = uow.directory.page(org.id, after=None, limit=5)
        assert listed.last_sign_in_at == NOW + 2 * SEC
    with uow_factory() as uow:
        uow.bind(other_org.id)
        assert uow.members.get_by_user(other_org.id, other_user.id).last_sign_in_at is None


def test_a_persons_own_sessions_in_every_org_are_listed_and_ended_in_the_user_scope(
        uow_factory, unique_slug):
    org, user, _ = _org_with_owner(uow_factory, unique_slug())
    other_org, other_user, _ = _org_with_owner(uow_factory, unique_slug())
    with uow_factory() as uow:  # the owner of org joins other_org too
        uow.bind(other_org.id)
        uow.members.add(_member(other_org, user, Role.MEMBER, NOW))
        uow.commit()

    def session(in_org, of, at, **overrides):
        return Session(**{"org_id": in_org.id, "id": uuid.uuid4(), "user_id": of.id,
                          "refresh_token_id": f"r{at}", "expires_at": NOW + 3600 * SEC,
                          "created_at": NOW + at * SEC, "updated_at": NOW + at * SEC}
                       | overrides)

    here, there, current = session(org, user, 1), session(other_org, user, 2), session(org, user, 3)
    ended_before = session(org, user, 4, revoked_at=NOW, revoked_reason="logout")
    expired = session(org, user, 5, expires_at=NOW)
    theirs = session(other_org, other_user, 6)
    _add(uow_factory, org.id, "sessions", here, current, ended_before, expired)
    _add(uow_factory, other_org.id, "sessions", there, theirs)
    with uow_factory() as uow:
        uow.bind_user(user.id)
        live = uow.sessions.live_of_user(user.id, NOW + SEC, limit=10)
        assert [s.id for s in live] == [current.id, there.id, here.id]
        assert uow.sessions.live_of_user(user.id, NOW + SEC, limit=1) == [live[0]]
        ended = uow.sessions.revoke_of_user(user.id, there.id, "ended_by_user", NOW + SEC)
        assert (ended.org_id, ended.revoked_reason) == (other_org.id, "ended_by_user")
        assert uow.sessions.revoke_of_user(user.id, there.id, "again", NOW + SEC) is None
        assert uow.sessions.revoke_of_user(user.id, theirs.id, "not mine", NOW + SEC) is None
        assert uow.sessions.revoke_all_of_user(user.id, "password_changed", NOW + SEC,
                                               keep=current.id) == 1
        assert [s.id for s in uow.sessions.live_of_user(user.id, NOW + SEC, limit=10)] == [
            current.id]
        uow.commit()
    with uow_factory() as uow:
        uow.bind(other_org.id)
        assert uow.sessions.get(other_org.id, theirs.id).revoked_at is None


def test_a_newer_link_ends_a_persons_unused_ones_and_an_ended_one_cannot_be_claimed(
        uow_factory, unique_slug):
    _, user, _ = _org_with_owner(uow_factory, unique_slug())
    _, someone_else, _ = _org_with_owner(uow_factory, unique_slug())
    unused, used, theirs = _token(user), _token(user), _token(someone_else)
    used.use(NOW + SEC)
    _add(uow_factory, None, "password_tokens", unused, used, theirs)
    with uow_factory() as uow:
        read_before = uow.password_tokens.get_by_hash(unused.token_hash)
        assert uow.password_tokens.expire_unused_of(user.id, NOW + 2 * SEC) == 1
        uow.commit()
    with uow_factory() as uow:
        assert not uow.password_tokens.get_by_hash(unused.token_hash).usable(NOW + 2 * SEC)
        assert uow.password_tokens.get_by_hash(theirs.token_hash).usable(NOW + 2 * SEC)
        read_before.use(NOW + 3 * SEC)  # read open by a racing request, claimed once replaced
        assert not uow.password_tokens.claim(read_before)


def test_open_invitations_are_paged_oldest_first_in_the_bound_org(uow_factory, unique_slug):
    org, user, _ = _org_with_owner(uow_factory, unique_slug())
    other_org, _, _ = _org_with_owner(uow_factory, unique_slug())

    def invitation(in_org, n, **overrides):
        return Invitation(**{"org_id": in_org.id, "id": uuid.uuid4(), "email": f"p{n}@x.test",
                             "role": Role.MEMBER, "token_hash": f"sha256${uuid.uuid4().hex}",
                             "invited_by": None, "expires_at": NOW + 60 * SEC,
                             "created_at": NOW + n * SEC, "updated_at": NOW + n * SEC}
                          | overrides)

    first, second, third = invitation(org, 1), invitation(org, 2), invitation(org, 3)
    accepted = invitation(org, 4, accepted_at=NOW)
    lapsed = invitation(org, 5, expires_at=NOW)
    _add(uow_factory, org.id, "invitations", third, first, second, accepted, lapsed)
    _add(uow_factory, other_org.id, "invitations", invitation(other_org, 0))
    with uow_factory() as uow:
        uow.bind(org.id)
        page = uow.invitations.open_page(org.id, NOW + SEC, after=None, limit=2)
        assert page == [first, second]
        rest = uow.invitations.open_page(org.id, NOW + SEC, limit=10,
                                         after=(second.created_at, second.id))
        assert rest == [third]
        assert uow.invitations.get(org.id, lapsed.id) == lapsed
        assert uow.invitations.get(other_org.id, first.id) is None


def test_email_links_are_claimed_once_and_replaced_by_newer_ones(uow_factory, unique_slug):
    _, user, _ = _org_with_owner(uow_factory, unique_slug())

    def link(**overrides):
        return EmailToken(**{"id": uuid.uuid4(), "user_id": user.id, "email": user.email,
                             "token_hash": f"sha256${uuid.uuid4().hex}",
                             "expires_at": NOW + 60 * SEC, "created_at": NOW,
                             "updated_at": NOW} | overrides)

    first, second = link(), link()
    _add(uow_factory, None, "email_tokens", first, second)
    with uow_factory() as uow:
        stored = uow.email_tokens.get_by_hash(second.token_hash)
        assert stored == second and uow.email_tokens.get_by_hash(MISSING) is None
        stored.use(NOW + SEC)
        assert uow.email_tokens.claim(stored) and not uow.email_tokens.claim(stored)
        assert uow.email_tokens.expire_unused_of(user.id, NOW + 2 * SEC) == 1  # the first
        uow.commit()
    with uow_factory() as uow:
        replaced = uow.email_tokens.get_by_hash(first.token_hash)
        assert not replaced.usable(NOW + 2 * SEC)
        replaced.use(NOW + 3 * SEC)
        assert not uow.email_tokens.claim(replaced)


def test_a_persons_sessions_in_one_org_end_together_but_the_one_kept(uow_factory, unique_slug):
    org, user, _ = _org_with_owner(uow_factory, unique_slug())

    def session(of):
        return Session(org_id=org.id, id=uuid.uuid4(), user_id=of.id, refresh_token_id="r",
                       expires_at=NOW + 3600 * SEC, created_at=NOW, updated_at=NOW)

    other = _user(f"other@{org.slug}.test")
    with uow_factory() as uow:
        uow.users.add(other)
        uow.bind(org.id)
        uow.members.add(_member(org, other, Role.MEMBER, NOW))
        uow.commit()
    kept, ended, theirs = session(user), session(user), session(other)
    _add(uow_factory, org.id, "sessions", kept, ended, theirs)
    with uow_factory() as uow:
        uow.bind(org.id)
        assert uow.sessions.revoke_all_in_org(org.id, user.id, "member_removed", NOW + SEC,
                                              keep=kept.id) == 1
        uow.commit()
    with uow_factory() as uow:
        uow.bind(org.id)
        assert [uow.sessions.get(org.id, s.id).revoked_reason for s in (kept, ended, theirs)] == [
            None, "member_removed", None]
