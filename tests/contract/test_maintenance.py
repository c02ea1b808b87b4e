"""The owner's maintenance ports over both adapters: a person erased, an audit log pruned; and
the repository methods they lean on (an erased person's row, checkpoints)."""

import uuid
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from application.ports.sign_in_failures import SignInFailure, email_digest
from domain.audit import Actor, ActorType, AuditEvent, find_broken_link
from domain.audit_pii import ERASED, Person
from domain.audit_retention import AuditCheckpoint
from domain.email_token import EmailToken
from domain.invitation import Invitation
from domain.member import Member, Role
from domain.organization import Organization
from domain.password_token import PasswordToken
from domain.session import Session
from domain.user import User, UserStatus, erased_address

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def uow_factory(any_container):
    return any_container.adapters.unit_of_work


def _org_with(uow_factory, slug: str) -> tuple[Organization, User]:
    org = Organization.create(id=uuid.uuid4(), name="Org", slug=slug, now=NOW)
    ada = User.create(id=uuid.uuid4(), email=f"ada@{slug}.test", full_name="Ada", now=NOW)
    ada.set_password("h$1", NOW)
    with uow_factory() as uow:
        uow.orgs.add(org)
        uow.users.add(ada)
        uow.bind(org.id)
        uow.members.add(Member(org_id=org.id, id=uuid.uuid4(), user_id=ada.id, role=Role.MEMBER,
                               created_at=NOW, updated_at=NOW))
        uow.commit()
    return org, ada


def _append(uow_factory, org, *events):
    with uow_factory() as uow:
        uow.bind(org.id)
        for event in events:
            uow.audit.append(org.id, event)
        uow.commit()


def _entries(uow_factory, org):
    with uow_factory() as uow:
        uow.bind(org.id)
        return list(uow.audit.entries(org.id)), uow.audit.checkpoints(org.id)


def test_an_erased_person_is_stored_once_and_never_written_over(uow_factory, unique_slug):
    _, ada = _org_with(uow_factory, unique_slug())
    with uow_factory() as uow:
        user = uow.users.get(ada.id)
        user.rename("Not Yet", NOW)
        uow.users.store_anonymised(user)  # not erased: nothing stored
        user = uow.users.get(ada.id)
        user.begin_erasure(NOW)
        assert uow.users.mark_erased(user)
        assert not uow.users.mark_erased(user)
        uow.commit()
    with uow_factory() as uow:
        user = uow.users.get(ada.id)
        assert (user.status, user.password_hash, user.full_name) == (UserStatus.ERASED, None, "Ada")
        uow.users.update(attrs.evolve(user, full_name="Back Again", status=UserStatus.ACTIVE))
        user.anonymise(NOW)
        uow.users.store_anonymised(user)
        uow.commit()
    with uow_factory() as uow:
        user = uow.users.get(ada.id)
    assert (user.email, user.full_name, user.status) == (erased_address(ada.id), "",
                                                         UserStatus.ERASED)


def test_a_person_is_erased_from_every_org_and_the_chains_still_verify(
        any_container, uow_factory, unique_slug):
    org, ada = _org_with(uow_factory, unique_slug())
    other, _ = _org_with(uow_factory, unique_slug())
    her = Actor(type=ActorType.USER, label=ada.email, id=ada.id)
    _append(uow_factory, org,
            AuditEvent(actor=her, action="auth.login", resource_type="session", resource_id="s",
                       ip="203.0.113.9", user_agent="ua"),
            AuditEvent(actor=Actor.operator("op"), action="invitation.created",
                       resource_type="invitation", resource_id="i",
                       details={"email": ada.email.upper(), "role": "member"}))
    _append(uow_factory, other, AuditEvent(actor=Actor.operator("op"), action="thing.done",
                                           resource_type="t", resource_id="1",
                                           details={"email": "bob@x.test"}))
    invitation = Invitation(org_id=org.id, id=uuid.uuid4(), email=ada.email, role=Role.MEMBER,
                            token_hash=uuid.uuid4().hex, invited_by=None,
                            expires_at=NOW + timedelta(days=7), created_at=NOW, updated_at=NOW)
    session = Session(org_id=org.id, id=uuid.uuid4(), user_id=ada.id, refresh_token_id="r",
                      expires_at=NOW + timedelta(days=1), created_at=NOW, updated_at=NOW,
                      ip="203.0.113.9", user_agent="ua")
    with uow_factory() as uow:
        uow.bind(org.id)
        uow.invitations.add(invitation)
        uow.sessions.add(session)
        uow.commit()
    eraser = any_container.adapters.person_eraser()
    person = Person.of(ada.id, [ada.email])

    done = eraser.erase_in_orgs([org.id, other.id], person, NOW)

    assert (done[org.id].entries, done[org.id].invitations, done[org.id].kept) == (2, 1, 0)
    assert (done[other.id].entries, done[other.id].invitations) == (0, 0)
    entries, _ = _entries(uow_factory, org)
    assert find_broken_link(entries) is None
    assert (entries[0].actor_label, entries[0].ip, entries[0].user_agent) == (ERASED,) * 3
    assert entries[1].details == {"email": ERASED, "role": "member"}
    with uow_factory() as uow:
        uow.bind(org.id)
        kept = uow.invitations.get(org.id, invitation.id)
        ended = uow.sessions.get(org.id, session.id)
    assert kept.email == erased_address(ada.id) and kept.expires_at <= NOW
    assert (ended.ip, ended.user_agent) == (None, None)
    again = eraser.erase_in_orgs([org.id], person, NOW)
    assert (again[org.id].entries, again[org.id].invitations) == (0, 0)


def test_a_persons_links_and_sign_in_failures_are_deleted(any_container, uow_factory,
                                                         unique_slug):
    _, ada = _org_with(uow_factory, unique_slug())
    link = PasswordToken(id=uuid.uuid4(), user_id=ada.id, token_hash=uuid.uuid4().hex,
                         expires_at=NOW, created_at=NOW, updated_at=NOW)
    mail = EmailToken(id=uuid.uuid4(), user_id=ada.id, token_hash=uuid.uuid4().hex,
                      expires_at=NOW, created_at=NOW, updated_at=NOW, email="new@x.test")
    failures = [SignInFailure(id=uuid.uuid4(), created_at=NOW, reason="wrong_password",
                              email_digest=email_digest(ada.email), user_id=user_id)
                for user_id in (ada.id, None)]
    with uow_factory() as uow:
        uow.password_tokens.add(link)
        uow.email_tokens.add(mail)
        for failure in failures:
            uow.sign_in_failures.record(failure)
        uow.commit()

    deleted = any_container.adapters.person_eraser().erase_global(Person.of(ada.id, [ada.email]))

    assert deleted == 4
    with uow_factory() as uow:
        assert uow.password_tokens.get_by_hash(link.token_hash) is None
        assert uow.email_tokens.get_by_hash(mail.token_hash) is None
        assert not {f.id for f in failures} & {f.id for f in uow.sign_in_failures.recent(limit=500)}


def test_pruning_removes_the_oldest_entries_and_leaves_a_checkpoint(any_container, uow_factory,
                                                                    unique_slug):
    org, _ = _org_with(uow_factory, unique_slug())
    _append(uow_factory, org, *(AuditEvent(actor=Actor.operator("op"), action="thing.done",
                                           resource_type="t", resource_id=str(n))
                                for n in range(4)))
    before, _ = _entries(uow_factory, org)
    pruner = any_container.adapters.audit_pruner()
    now = any_container.adapters.clock().now()

    def checkpoint(seq, hash, removed):
        return AuditCheckpoint(org_id=org.id, id=uuid.uuid4(), seq=seq, hash=hash,
                               removed=removed, created_at=NOW, signature="signed")

    assert pruner.prune(org.id, now - timedelta(days=1), checkpoint) is None  # none due
    made = pruner.prune(org.id, now + timedelta(days=1), checkpoint)

    assert (made.seq, made.hash, made.removed) == (3, before[2].hash, 3)
    after, checkpoints = _entries(uow_factory, org)
    assert checkpoints == [made]
    assert [e.seq for e in after] == [4]  # the newest stays: the next entry chains to it
    assert find_broken_link(after, made) is None
    assert pruner.prune(org.id, now + timedelta(days=1), checkpoint) is None
