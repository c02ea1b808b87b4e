"""Moving an account to another address: the password first, a link to the new address, the
move when it is used, the old address told. Attacked: the link twice (in parallel too), a
verification link used as a change link and the other way round, an address taken by then,
the same answer for a taken address, a wrong password."""

from __future__ import annotations

import pytest

from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password
from tests.fixtures.concurrency import all_at_once
from tests.fixtures.mail import mailed_token


@pytest.fixture
def person(any_container, operator, unique_slug):
    slug = unique_slug("move")
    email = f"owner@{slug}.test"
    any_container.application.organizations().create(CreateOrganization(
        name="Move", slug=slug, owner_email=email, actor=operator))
    _set_password(any_container, email)
    client = create_app(any_container).test_client()
    token = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json
    return client, slug, email, {"Authorization": f"Bearer {token['access_token']}"}, any_container


def _sent_to(container, address):
    return [m for m in container.adapters.mailer().sent if m.to == address]


def test_the_account_moves_when_the_new_address_confirms_and_the_old_one_is_told(person):
    client, slug, old, headers, container = person
    new = old.replace("owner@", "moved@")
    asked = client.post("/api/v1/me/email", headers=headers,
                        json={"new_email": new.upper(), "password": PASSWORD})
    assert asked.status_code == 202
    assert client.get("/api/v1/me", headers=headers).json["email"] == old  # not moved yet
    token = mailed_token(container, new)
    links = all_at_once([
        (lambda: client.application.test_client().post(
            "/api/v1/auth/confirm-email-change", json={"token": token}).status_code)
        for _ in range(5)])
    assert sorted(links) == [204] + [401] * 4
    me = client.get("/api/v1/me", headers=headers).json
    assert me["email"] == new and me["email_verified"] is True
    notice = _sent_to(container, old)[-1]
    assert new in notice.text and "changed" in notice.subject
    assert client.post("/api/v1/auth/login", json={"email": new, "password": PASSWORD}
                       ).status_code == 200
    assert client.post("/api/v1/auth/login", json={"email": old, "password": PASSWORD}
                       ).status_code == 401
    audit = client.get(f"/api/v1/orgs/{slug}/audit/export", headers=headers).get_data(as_text=True)
    assert "user.email_changed" in audit and token not in audit


def test_a_taken_address_gets_the_same_answer_and_no_link(person, operator, unique_slug):
    client, _, old, headers, container = person
    other_slug = unique_slug("other")
    taken = f"owner@{other_slug}.test"
    container.application.organizations().create(CreateOrganization(
        name="Other", slug=other_slug, owner_email=taken, actor=operator))
    before = len(_sent_to(container, taken))
    asked = client.post("/api/v1/me/email", headers=headers,
                        json={"new_email": taken, "password": PASSWORD})
    free = client.post("/api/v1/me/email", headers=headers,
                       json={"new_email": old.replace("owner@", "free@"), "password": PASSWORD})
    assert (asked.status_code, asked.json) == (free.status_code, free.json)
    assert len(_sent_to(container, taken)) == before


def test_an_address_taken_after_the_link_went_out_is_a_409_and_nothing_moves(
        person, operator):
    client, slug, old, headers, container = person
    new = old.replace("owner@", "later@")
    client.post("/api/v1/me/email", headers=headers, json={"new_email": new, "password": PASSWORD})
    token = mailed_token(container, new)
    container.application.organizations().create(CreateOrganization(
        name="Later", slug=f"{slug}-l", owner_email=new, actor=operator))
    response = client.post("/api/v1/auth/confirm-email-change", json={"token": token})
    assert response.status_code == 409 and response.json["code"] == "email_taken"
    assert client.get("/api/v1/me", headers=headers).json["email"] == old


def test_links_of_one_kind_never_serve_the_other(person):
    client, _, old, headers, container = person
    client.post("/api/v1/me/email/verification", headers=headers)
    verify_token = mailed_token(container, old)
    new = old.replace("owner@", "kind@")
    client.post("/api/v1/me/email", headers=headers, json={"new_email": new, "password": PASSWORD})
    change_token = mailed_token(container, new)
    assert client.post("/api/v1/auth/confirm-email-change",
                       json={"token": verify_token}).status_code == 401
    assert client.post("/api/v1/auth/verify-email", json={"token": change_token}).status_code == 401
    # Neither refusal used the link up.
    assert client.post("/api/v1/auth/verify-email", json={"token": verify_token}).status_code == 204


@pytest.mark.parametrize("body, code", [
    ({"new_email": "x@example.test", "password": "not my password"}, "wrong_password"),
    ({"new_email": "{old}", "password": PASSWORD}, "email_unchanged"),
    ({"new_email": "not an address", "password": PASSWORD}, "invalid_email"),
    ({"new_email": "a\u0000b@example.test", "password": PASSWORD}, "invalid_email"),
])
def test_refusals_are_422_problems(person, body, code):
    client, _, old, headers, _ = person
    body = {**body, "new_email": body["new_email"].replace("{old}", old)}
    response = client.post("/api/v1/me/email", headers=headers, json=body)
    assert response.status_code == 422 and response.json["code"] == code


def test_a_password_reset_ends_a_pending_move_of_the_address(person):
    """Someone who had the password for a moment asks to move the account to their address;
    the owner resets the password: the move's link is dead, the account stays."""
    client, _, old, headers, container = person
    thief = old.replace("owner@", "thief@")
    client.post("/api/v1/me/email", headers=headers, json={"new_email": thief, "password": PASSWORD})
    stolen = mailed_token(container, thief)
    client.post("/api/v1/auth/forgot-password", json={"email": old})
    reset = client.post("/api/v1/auth/password", json={
        "token": mailed_token(container, old), "password": "the owner's fresh passphrase"})
    assert reset.status_code == 204
    moved = client.post("/api/v1/auth/confirm-email-change", json={"token": stolen})
    assert moved.status_code == 401
    relogin = client.post("/api/v1/auth/login", json={
        "email": old, "password": "the owner's fresh passphrase"})
    assert relogin.status_code == 200


def test_a_password_link_to_the_old_address_dies_with_the_move(person):
    client, _, old, headers, container = person
    client.post("/api/v1/auth/forgot-password", json={"email": old})
    old_link = mailed_token(container, old)
    new = old.replace("owner@", "moved@")
    client.post("/api/v1/me/email", headers=headers, json={"new_email": new, "password": PASSWORD})
    assert client.post("/api/v1/auth/confirm-email-change", json={
        "token": mailed_token(container, new)}).status_code == 204
    used = client.post("/api/v1/auth/password", json={
        "token": old_link, "password": "someone else's passphrase"})
    assert used.status_code == 401


def test_my_export_holds_my_data_and_no_credential(person):
    client, slug, email, headers, _ = person
    client.patch("/api/v1/me", headers=headers, json={"full_name": "Ada Export"})
    answer = client.get("/api/v1/me/export", headers=headers)
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == 'attachment; filename="my-data.json"'
    data = answer.json
    assert data["profile"]["email"] == email and data["profile"]["full_name"] == "Ada Export"
    assert [m["org_slug"] for m in data["memberships"]] == [slug]
    assert any(s["org_id"] == data["memberships"][0]["org_id"] for s in data["sessions"])
    actions = [e["action"] for e in data["audit_entries"]]
    assert "user.renamed" in actions and "auth.login" in actions
    text = answer.get_data(as_text=True)
    assert "password_hash" not in text and "sealed_secret" not in text
    audit = client.get(f"/api/v1/orgs/{slug}/audit/export", headers=headers).get_data(as_text=True)
    assert "user.exported" in audit


def test_changing_the_password_ends_a_pending_move_too(person):
    client, _, old, headers, container = person
    new = old.replace("owner@", "pending@")
    client.post("/api/v1/me/email", headers=headers, json={"new_email": new, "password": PASSWORD})
    link = mailed_token(container, new)
    changed = client.post("/api/v1/me/password", headers=headers, json={
        "current_password": PASSWORD, "new_password": "a changed private passphrase"})
    assert changed.status_code == 200
    assert client.post("/api/v1/auth/confirm-email-change",
                       json={"token": link}).status_code == 401
