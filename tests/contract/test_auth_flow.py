"""Sign-in over both adapters: login, refresh rotation, reuse detection, logout, revocation."""

import pytest

from application.auth import Login
from application.errors import Unauthenticated
from application.members import AddMember, RemoveMember
from application.organizations import CreateOrganization
from domain.errors import InvalidInput
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password


@pytest.fixture
def world(any_container, operator, unique_slug):
    slug = unique_slug("auth")
    email = f"owner@{slug}.test"
    any_container.application.organizations().create(CreateOrganization(
        name="Auth", slug=slug, owner_email=email, actor=operator))
    _set_password(any_container, email)
    return any_container, slug, email


def _actions(container, slug):
    with container.adapters.unit_of_work() as uow:
        org = uow.orgs.get_by_slug(slug)
        uow.bind(org.id)
        return [e.action for e in uow.audit.entries(org.id)]


def _credential(container, access_token):
    return container.application.credentials().session(access_token)


def _me(container, access_token):
    """The profile behind an access token: raises Unauthenticated once the session is not live."""
    return container.application.sessions().me(_credential(container, access_token))


def test_login_gives_tokens_that_authenticate(world):
    container, slug, email = world
    pair = container.application.auth().login(Login(email=email.upper(), password=PASSWORD))
    assert pair.org.slug == slug and pair.token_type == "Bearer" and pair.expires_in == 900
    profile = _me(container, pair.access_token)
    assert (profile.email, profile.org.role) == (email, "owner")
    assert _actions(container, slug)[-1] == "auth.login"


@pytest.mark.parametrize(("email", "password"), [
    ("owner@{slug}.test", "the wrong passphrase!"), ("nobody@{slug}.test", PASSWORD),
    ("not-an-email", PASSWORD)])
def test_wrong_credentials_look_the_same(world, email, password):
    container, slug, _ = world
    with pytest.raises(Unauthenticated) as caught:
        container.application.auth().login(Login(email=email.format(slug=slug), password=password))
    assert str(caught.value) == "invalid credentials"


def test_a_failed_login_is_audited_when_the_org_is_named(world):
    container, slug, email = world
    with pytest.raises(Unauthenticated):
        container.application.auth().login(Login(email=email, password="nope nope nope", org=slug))
    assert _actions(container, slug)[-1] == "auth.login_failed"


def test_a_user_of_two_orgs_must_pick_one(world, operator, unique_slug):
    container, slug, email = world
    other = unique_slug("second")
    container.application.organizations().create(CreateOrganization(
        name="Second", slug=other, owner_email=f"o@{other}.test", actor=operator))
    container.application.members().add(AddMember(slug=other, email=email, role="viewer",
                                                  actor=operator))
    auth = container.application.auth()
    with pytest.raises(InvalidInput) as caught:
        auth.login(Login(email=email, password=PASSWORD))
    assert caught.value.code == "org_required"
    pair = auth.login(Login(email=email, password=PASSWORD, org=other))
    assert pair.org.slug == other
    assert _me(container, pair.access_token).org.role == "viewer"


def test_refresh_rotates_and_a_reused_token_revokes_the_session(world):
    container, slug, email = world
    auth = container.application.auth()
    first = auth.login(Login(email=email, password=PASSWORD))
    second = auth.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    with pytest.raises(Unauthenticated):
        auth.refresh(first.refresh_token)
    assert _actions(container, slug)[-1] == "auth.refresh_reuse_detected"
    for token, use in ((second.refresh_token, auth.refresh),
                       (second.access_token, lambda token: _me(container, token))):
        with pytest.raises(Unauthenticated):
            use(token)


def test_logout_ends_the_session_for_both_tokens(world):
    container, _, email = world
    auth = container.application.auth()
    pair = auth.login(Login(email=email, password=PASSWORD))
    container.application.sessions().logout(_credential(container, pair.access_token))
    with pytest.raises(Unauthenticated):
        _me(container, pair.access_token)
    with pytest.raises(Unauthenticated):
        auth.refresh(pair.refresh_token)


def test_removing_a_member_revokes_their_access_at_once(world, operator):
    container, slug, _ = world
    container.application.members().add(AddMember(slug=slug, email=f"m@{slug}.test",
                                                  role="member", actor=operator))
    _set_password(container, f"m@{slug}.test")
    auth = container.application.auth()
    pair = auth.login(Login(email=f"m@{slug}.test", password=PASSWORD))
    container.application.members().remove(RemoveMember(slug=slug, member=f"m@{slug}.test",
                                                        actor=operator))
    with pytest.raises(Unauthenticated):
        _me(container, pair.access_token)
    with pytest.raises(Unauthenticated):
        auth.refresh(pair.refresh_token)


def test_a_removed_member_added_again_does_not_get_old_sessions_back(world, operator):
    container, slug, _ = world
    email = f"back@{slug}.test"
    members = container.application.members()
    members.add(AddMember(slug=slug, email=email, role="member", actor=operator))
    _set_password(container, email)
    pair = container.application.auth().login(Login(email=email, password=PASSWORD))
    members.remove(RemoveMember(slug=slug, member=email, actor=operator))
    members.add(AddMember(slug=slug, email=email, role="viewer", actor=operator))
    with pytest.raises(Unauthenticated):
        _me(container, pair.access_token)
    with pytest.raises(Unauthenticated):
        container.application.auth().refresh(pair.refresh_token)
    fresh = container.application.auth().login(Login(email=email, password=PASSWORD))
    assert _me(container, fresh.access_token).org.role == "viewer"
