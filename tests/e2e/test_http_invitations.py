"""Invitations over HTTP: sent by email only, accepted once, within their org and role."""

from datetime import timedelta

import pytest

from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password
from tests.fixtures.mail import mailed_token

NEW = "a brand new passphrase"


@pytest.fixture
def api(any_container, operator, unique_slug):
    slug = unique_slug("inv")
    any_container.application.organizations().create(
        CreateOrganization(
            name="Inviting", slug=slug, owner_email=f"owner@{slug}.test", actor=operator
        )
    )
    _set_password(any_container, f"owner@{slug}.test")
    client = create_app(any_container).test_client()
    token = client.post(
        "/api/v1/auth/login", json={"email": f"owner@{slug}.test", "password": PASSWORD}
    ).json
    return client, slug, {"Authorization": f"Bearer {token['access_token']}"}, any_container


def test_an_invitee_accepts_once_and_signs_in_with_the_role(api):
    client, slug, owner, container = api
    sent = client.post(
        f"/api/v1/orgs/{slug}/invitations",
        json={"email": "Ivy@Example.test", "role": "admin"},
        headers=owner,
    )
    assert sent.status_code == 201 and "token" not in sent.json
    token = mailed_token(container, "ivy@example.test")
    accepted = client.post(
        "/api/v1/invitations/accept", json={"token": token, "password": NEW, "full_name": "Ivy"}
    )
    assert accepted.status_code == 201 and accepted.json["role"] == "admin"
    assert accepted.json["last_sign_in_at"] >= accepted.json["created_at"]  # joined signed in
    again = client.post("/api/v1/invitations/accept", json={"token": token, "password": NEW})
    assert again.status_code == 401
    login = client.post("/api/v1/auth/login", json={"email": "ivy@example.test", "password": NEW})
    assert login.status_code == 200 and login.json["org"]["slug"] == slug
    audit = client.get(f"/api/v1/orgs/{slug}/audit/export", headers=owner).get_data(as_text=True)
    assert "invitation.sent" in audit and "invitation.accepted" in audit
    assert token.split(".", 1)[1] not in audit


@pytest.mark.parametrize("token", ["", "nonsense", "0" * 32 + ".secret", "zz.zz"])
def test_made_up_tokens_are_refused(api, token):
    client = api[0]
    response = client.post(
        "/api/v1/invitations/accept", json={"token": token or "x", "password": NEW}
    )
    assert response.status_code == 401


def test_a_new_account_needs_a_good_password(api):
    client, slug, owner, container = api
    client.post(
        f"/api/v1/orgs/{slug}/invitations",
        json={"email": "new@example.test", "role": "viewer"},
        headers=owner,
    )
    token = mailed_token(container, "new@example.test")
    missing = client.post("/api/v1/invitations/accept", json={"token": token})
    assert missing.status_code == 422 and "password" in missing.json["errors"]
    weak = client.post(
        "/api/v1/invitations/accept", json={"token": token, "password": "password1234"}
    )
    assert weak.status_code == 422
    assert (
        client.post(
            "/api/v1/invitations/accept", json={"token": token, "password": NEW}
        ).status_code
        == 201
    )


def test_only_owners_and_admins_invite_and_only_owners_invite_owners(api, operator):
    client, slug, owner, container = api
    client.post(
        f"/api/v1/orgs/{slug}/invitations",
        json={"email": "adm@example.test", "role": "admin"},
        headers=owner,
    )
    client.post(
        "/api/v1/invitations/accept",
        json={"token": mailed_token(container, "adm@example.test"), "password": NEW},
    )
    admin_token = client.post(
        "/api/v1/auth/login", json={"email": "adm@example.test", "password": NEW}
    ).json
    admin = {"Authorization": f"Bearer {admin_token['access_token']}"}
    as_owner = client.post(
        f"/api/v1/orgs/{slug}/invitations",
        json={"email": "x@example.test", "role": "owner"},
        headers=admin,
    )
    assert as_owner.status_code == 403
    dup = client.post(
        f"/api/v1/orgs/{slug}/invitations",
        json={"email": f"owner@{slug}.test", "role": "member"},
        headers=owner,
    )
    assert dup.status_code == 409


def test_an_expired_invitation_is_refused(memory_app_container, operator):
    container = memory_app_container
    container.application.organizations().create(
        CreateOrganization(
            name="Old", slug="old-invites", owner_email="owner@old.test", actor=operator
        )
    )
    from application.invitations import Invite

    container.application.invitations().invite(
        Invite(slug="old-invites", email="late@x.test", role="member", actor=operator)
    )
    container.adapters.clock().advance(timedelta(days=7, seconds=1))
    client = create_app(container).test_client()
    response = client.post(
        "/api/v1/invitations/accept",
        json={"token": mailed_token(container, "late@x.test"), "password": NEW},
    )
    assert response.status_code == 401


def test_inviting_an_address_again_renews_its_one_invitation_at_most_once_a_minute(
        memory_app_container, operator):
    container = memory_app_container
    container.application.organizations().create(CreateOrganization(
        name="Again", slug="again-inc", owner_email="owner@again.test", actor=operator))
    _set_password(container, "owner@again.test")
    client = create_app(container).test_client()
    login = client.post("/api/v1/auth/login",
                        json={"email": "owner@again.test", "password": PASSWORD}).json
    owner = {"Authorization": f"Bearer {login['access_token']}"}
    path = "/api/v1/orgs/again-inc/invitations"
    first = client.post(path, headers=owner, json={"email": "pat@x.test", "role": "viewer"})
    old_token = mailed_token(container, "pat@x.test")
    flood = [client.post(path, headers=owner, json={"email": "pat@x.test", "role": "viewer"})
             for _ in range(5)]
    assert first.status_code == 201 and {r.status_code for r in flood} == {429}
    assert len([m for m in container.adapters.mailer().sent if m.to == "pat@x.test"]) == 1
    container.adapters.clock().advance(timedelta(minutes=1, seconds=1))
    again = client.post(path, headers=owner, json={"email": "pat@x.test", "role": "member"})
    assert again.status_code == 201 and again.json["id"] == first.json["id"]
    assert again.json["role"] == "member"
    refused = client.post("/api/v1/invitations/accept", json={"token": old_token, "password": NEW})
    assert refused.status_code == 401  # the renewed invitation has a new secret
    accepted = client.post("/api/v1/invitations/accept",
                           json={"token": mailed_token(container, "pat@x.test"), "password": NEW})
    assert accepted.status_code == 201 and accepted.json["role"] == "member"


def _invite(client, slug, owner, email, role="member"):
    sent = client.post(f"/api/v1/orgs/{slug}/invitations", json={"email": email, "role": role},
                       headers=owner)
    assert sent.status_code == 201, sent.json


def _another_org_member(container, operator, unique_slug, email):
    """A person with an account and a password, in an org of their own."""
    other = unique_slug("home")
    container.application.organizations().create(CreateOrganization(
        name="Home", slug=other, owner_email=email, actor=operator))
    _set_password(container, email)
    return other


def test_accepting_answers_signed_in_to_the_org_joined(api):
    client, slug, owner, container = api
    _invite(client, slug, owner, "nia@example.test")
    accepted = client.post("/api/v1/invitations/accept", json={
        "token": mailed_token(container, "nia@example.test"), "password": NEW})
    assert accepted.status_code == 201 and accepted.json["challenge"] is None
    session = accepted.json["session"]
    assert session["org"]["slug"] == slug
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {session['access_token']}"})
    assert me.status_code == 200 and me.json["email"] == "nia@example.test"


def test_an_existing_account_proves_its_password_before_joining(api, operator, unique_slug):
    client, slug, owner, container = api
    email = f"known-{unique_slug('x')}@example.test"
    _another_org_member(container, operator, unique_slug, email)
    _invite(client, slug, owner, email)
    token = mailed_token(container, email)
    bare = client.post("/api/v1/invitations/accept", json={"token": token})
    assert bare.status_code == 422 and bare.json["code"] == "password_required"
    wrong = client.post("/api/v1/invitations/accept", json={"token": token, "password": NEW})
    assert wrong.status_code == 401
    # Neither refusal used the invitation up, nor set anything: the password still signs in.
    right = client.post("/api/v1/invitations/accept", json={"token": token, "password": PASSWORD})
    assert right.status_code == 201, right.json
    assert right.json["session"]["org"]["slug"] == slug


def test_a_signed_in_invitee_accepts_with_their_session_and_nobody_else_can(
        api, operator, unique_slug):
    client, slug, owner, container = api
    email = f"known-{unique_slug('x')}@example.test"
    _another_org_member(container, operator, unique_slug, email)
    _invite(client, slug, owner, email)
    token = mailed_token(container, email)
    # The owner of the inviting org is signed in as someone else: not theirs to accept.
    stranger = client.post("/api/v1/invitations/accept", json={"token": token}, headers=owner)
    assert stranger.status_code == 403
    assert stranger.json["code"] == "invitation_for_another_address"
    mine = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json
    accepted = client.post("/api/v1/invitations/accept", json={"token": token},
                           headers={"Authorization": f"Bearer {mine['access_token']}"})
    assert accepted.status_code == 201, accepted.json
    assert accepted.json["session"]["org"]["slug"] == slug
