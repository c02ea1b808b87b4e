"""Single-use tokens under concurrency, as an attacker holding one would try them: a password link
or an invitation sent by ten requests at once is used exactly once; the others are refused with
the documented error and change nothing."""


import pytest

from application.auth import Login
from application.errors import Unauthenticated
from application.invitations import AcceptInvitation, Invite
from application.organizations import CreateOrganization
from application.passwords import IssuePasswordLink, SetPassword
from tests.fixtures.concurrency import all_at_once
from tests.fixtures.mail import mailed_token

pytestmark = pytest.mark.postgres
RACERS = 10


@pytest.fixture
def org(pg_container, operator, unique_slug):
    slug = unique_slug("once")
    pg_container.application.organizations().create(CreateOrganization(
        name="Once", slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
    return pg_container, slug


def test_a_password_link_used_ten_times_at_once_sets_one_password(org, operator):
    container, slug = org
    email = f"owner@{slug}.test"
    link = container.application.passwords().issue(IssuePasswordLink(email=email, actor=operator))
    passwords = [f"racer number {i} passphrase" for i in range(RACERS)]
    outcomes = all_at_once([
        lambda p=p: container.application.passwords().set_password(
            SetPassword(token=link.token, password=p)) for p in passwords])
    won = [i for i, outcome in enumerate(outcomes) if not isinstance(outcome, Exception)]
    assert len(won) == 1, outcomes
    assert all(isinstance(o, Unauthenticated) for i, o in enumerate(outcomes) if i != won[0])
    auth = container.application.auth()
    assert auth.login(Login(email=email, password=passwords[won[0]])).access_token
    for loser in (p for i, p in enumerate(passwords) if i != won[0]):
        with pytest.raises(Unauthenticated):
            auth.login(Login(email=email, password=loser))


def test_an_invitation_accepted_ten_times_at_once_makes_one_member(org, operator):
    container, slug = org
    invitee = f"new@{slug}.test"
    container.application.invitations().invite(
        Invite(slug=slug, email=invitee, role="member", actor=operator))
    token = mailed_token(container, invitee)
    outcomes = all_at_once([
        lambda i=i: container.application.invitations().accept(AcceptInvitation(
            token=token, password=f"racer number {i} passphrase")) for i in range(RACERS)])
    won = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(won) == 1, outcomes
    assert all(isinstance(o, Unauthenticated) for o in outcomes if o is not won[0])
    members = container.application.members().every(slug, operator)
    assert [m.email for m in members].count(invitee) == 1
