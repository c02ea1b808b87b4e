"""What changes while argon2 runs (no connection held then) is seen by the write that follows:
a password changed, reset or a person disabled during a sign-in's check leaves that sign-in no
session; an invitation taken back during its acceptance's hashing is not accepted. Each change
is made at that exact moment by a hasher that runs it before answering, so these fail on code
that trusts what it read before hashing."""

from collections.abc import Callable

import pytest

from adapters.security.argon2_hasher import FAST_FOR_TESTS, Argon2Hasher
from application.account import ChangePassword
from application.errors import Unauthenticated
from application.invitations import AcceptInvitation, Invite, OneInvitation
from application.organizations import CreateOrganization
from application.passwords import IssuePasswordLink, SetPassword
from application.principals import SessionCredential
from application.users import SetUserStatus
from tests.fixtures.app import PASSWORD, postgres_container_on_own_pool, set_password
from tests.fixtures.mail import mailed_token

pytestmark = pytest.mark.postgres
NEW = "a brand new and private passphrase"


class MeddlingHasher(Argon2Hasher):
    """Runs `meddle` once, in the middle of the next verify or hash, as a racing request would."""

    def __init__(self) -> None:
        super().__init__(**FAST_FOR_TESTS)
        self.meddle: Callable[[], None] | None = None
        self.meddled = False

    def _now(self) -> None:
        meddle, self.meddle = self.meddle, None
        if meddle is not None:
            meddle()  # its own failure would fail the test here, not pass for a refusal
            self.meddled = True

    def verify(self, password_hash: str, password: str) -> bool:
        answer = super().verify(password_hash, password)
        self._now()
        return answer

    def hash(self, password: str) -> str:
        answer = super().hash(password)
        self._now()
        return answer


@pytest.fixture
def acme(pg_urls, operator, unique_slug):
    container, engine = postgres_container_on_own_pool(pg_urls, pool_size=4)
    hasher = MeddlingHasher()
    container.adapters.password_hasher.override(hasher)
    container.adapters.dummy_password_hash()  # made now, not in the middle of a test's meddling
    slug = unique_slug("meddle")
    container.application.organizations().create(CreateOrganization(
        name="Meddle", slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
    set_password(container, f"owner@{slug}.test")
    yield container, hasher, slug
    engine.dispose()


def _login(container, slug):
    from application.auth import Login
    return container.application.auth().login(Login(email=f"owner@{slug}.test", password=PASSWORD))


def _credential(container, pair) -> SessionCredential:
    return container.application.credentials().session(pair.access_token)


def _refused(action) -> bool:
    try:
        action()
    except Unauthenticated:
        return True
    return False


def test_a_password_changed_during_a_sign_in_check_leaves_it_no_session(acme):
    container, hasher, slug = acme
    owner = _credential(container, _login(container, slug))
    hasher.meddle = lambda: container.application.account().change_password(ChangePassword(
        actor=owner, current_password=PASSWORD, new_password=NEW))
    assert _refused(lambda: _login(container, slug)) and hasher.meddled


def test_a_password_reset_during_a_sign_in_check_leaves_it_no_session(acme, operator):
    container, hasher, slug = acme
    link = container.application.passwords().issue(IssuePasswordLink(
        email=f"owner@{slug}.test", actor=operator))
    hasher.meddle = lambda: container.application.passwords().set_password(SetPassword(
        token=link.token, password=NEW))
    assert _refused(lambda: _login(container, slug)) and hasher.meddled


def test_a_person_disabled_during_a_sign_in_check_gets_no_session(acme, operator):
    container, hasher, slug = acme
    hasher.meddle = lambda: container.application.users().set_status(SetUserStatus(
        email=f"owner@{slug}.test", status="disabled", actor=operator))
    assert _refused(lambda: _login(container, slug)) and hasher.meddled


def test_an_invitation_taken_back_while_its_acceptance_hashes_is_not_accepted(acme, operator):
    container, hasher, slug = acme
    sent = container.application.invitations().invite(Invite(
        slug=slug, email=f"ivy@{slug}.test", role="admin", actor=operator))
    token = mailed_token(container, f"ivy@{slug}.test")
    hasher.meddle = lambda: container.application.invitations().revoke(OneInvitation(
        slug=slug, invitation_id=sent.id, actor=operator))
    assert _refused(lambda: container.application.invitations().accept(AcceptInvitation(
        token=token, password=NEW))) and hasher.meddled
    members = container.application.members().every(slug, operator)
    assert f"ivy@{slug}.test" not in {m.email for m in members}
