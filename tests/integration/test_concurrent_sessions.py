"""Sessions under concurrency, as an attacker with a stolen refresh token would try it: one
refresh token used by ten requests at once wins once and ends the session; a refresh racing a
sign-out or a disable never brings the session back."""

import pytest

from application.auth import Login
from application.errors import Unauthenticated
from application.organizations import CreateOrganization
from application.users import SetUserStatus
from tests.fixtures.app import PASSWORD, set_password
from tests.fixtures.concurrency import all_at_once

pytestmark = pytest.mark.postgres
RACERS = 10


@pytest.fixture
def person(pg_container, operator, unique_slug):
    slug = unique_slug("sess")
    email = f"owner@{slug}.test"
    pg_container.application.organizations().create(CreateOrganization(
        name="Sessions", slug=slug, owner_email=email, actor=operator))
    set_password(pg_container, email)
    return pg_container, email


def _live(container, access_token) -> bool:
    credential = container.application.credentials().session(access_token)
    try:
        container.application.sessions().me(credential)
    except Unauthenticated:
        return False
    return True


def test_one_refresh_token_used_ten_times_at_once_wins_once_and_ends_the_session(person):
    container, email = person
    auth = container.application.auth()
    pair = auth.login(Login(email=email, password=PASSWORD))
    outcomes = all_at_once([lambda: auth.refresh(pair.refresh_token)] * RACERS)
    winners = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(winners) == 1, outcomes
    assert all(isinstance(o, Unauthenticated) for o in outcomes if o is not winners[0])
    assert not _live(container, winners[0].access_token)  # the reuse ended the whole session
    with pytest.raises(Unauthenticated):
        auth.refresh(winners[0].refresh_token)


@pytest.mark.parametrize("ending", ["sign-out", "disable"])
def test_a_refresh_racing_the_end_of_a_session_never_brings_it_back(person, operator, ending):
    container, email = person
    auth, sessions = container.application.auth(), container.application.sessions()
    for _ in range(5):
        pair = auth.login(Login(email=email, password=PASSWORD))
        end = (lambda p=pair: sessions.logout(container.application.credentials().session(
            p.access_token))) if ending == "sign-out" else (
            lambda: container.application.users().set_status(SetUserStatus(
                email=email, status="disabled", actor=operator)))
        outcomes = all_at_once([end] + [lambda p=pair: auth.refresh(p.refresh_token)] * 3)
        if ending == "disable":
            container.application.users().set_status(SetUserStatus(
                email=email, status="active", actor=operator))
        fresh = [o for o in outcomes[1:] if not isinstance(o, Exception)]
        for tokens in [pair, *fresh]:
            assert not _live(container, tokens.access_token), (ending, outcomes)
            with pytest.raises(Unauthenticated):
                auth.refresh(tokens.refresh_token)
