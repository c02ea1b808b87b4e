"""DELETE /api/v1/me over HTTP, on both backends: the password (and a code), never the last
owner, every credential dead at once, the person erased from the log by the operator's next
run (`user erase --pending`) with the chain still whole, one winner of ten."""

from __future__ import annotations

import json

import pyotp
import pytest

from application.members import AddMember
from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from tests.e2e.live_server import http, live_server, postgres_env
from tests.fixtures.app import PASSWORD, set_password
from tests.fixtures.concurrency import all_at_once


@pytest.fixture
def world(any_container, operator, unique_slug):
    """Ada owns the org, Vic is a member; both signed in: (client, container, slug, tokens)."""
    slug = unique_slug("erase")
    any_container.application.organizations().create(CreateOrganization(
        name="Erase", slug=slug, owner_email=f"ada@{slug}.test", actor=operator))
    any_container.application.members().add(AddMember(
        slug=slug, email=f"vic@{slug}.test", role="member", actor=operator, full_name="Vic Tor"))
    client = create_app(any_container).test_client()
    tokens = {}
    for who in ("ada", "vic"):
        set_password(any_container, f"{who}@{slug}.test")
        login = client.post("/api/v1/auth/login", json={"email": f"{who}@{slug}.test",
                                                        "password": PASSWORD})
        tokens[who] = login.json
    return client, any_container, slug, tokens


def _bearer(tokens):
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_deleting_my_account_ends_every_credential_and_erases_me_from_the_log(world, operator):
    client, container, slug, tokens = world
    vic = tokens["vic"]

    gone = client.delete("/api/v1/me", headers=_bearer(vic), json={"password": PASSWORD})

    assert gone.status_code == 202 and "closed" in gone.json["detail"], gone.json
    assert client.get("/api/v1/me", headers=_bearer(vic)).status_code == 401
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": vic["refresh_token"]})
    assert refreshed.status_code == 401
    login = client.post("/api/v1/auth/login", json={"email": f"vic@{slug}.test",
                                                    "password": PASSWORD})
    assert login.status_code == 401
    [finished] = [e for e in container.application.erasure().finish_pending(operator)
                  if e.orgs == [slug]]
    assert finished.entries_erased >= 2 and not container.application.erasure().finish_pending(
        operator)
    log = client.get(f"/api/v1/orgs/{slug}/audit?limit=200", headers=_bearer(tokens["ada"]))
    assert f"vic@{slug}.test" not in log.get_data(as_text=True)
    assert "user.erased" in {entry["action"] for entry in log.json["entries"]}
    (chain,) = container.application.audit_verifier().verify(slug)
    assert chain.intact
    members = client.get(f"/api/v1/orgs/{slug}/members", headers=_bearer(tokens["ada"])).json
    assert [m["email"] for m in members] == [f"ada@{slug}.test"]


def test_the_only_owner_is_told_which_orgs_need_another_first(world):
    client, _, slug, tokens = world
    refused = client.delete("/api/v1/me", headers=_bearer(tokens["ada"]),
                            json={"password": PASSWORD})
    assert refused.status_code == 409 and refused.content_type == "application/problem+json"
    assert refused.json["code"] == "sole_owner" and refused.json["orgs"] == [slug]
    assert client.get("/api/v1/me", headers=_bearer(tokens["ada"])).status_code == 200


@pytest.mark.parametrize(("body", "code"), [
    ({"password": "not the password at all"}, "wrong_password"),
    ({"password": "pass\u0000word"}, "validation_failed"),
    ({"password": "x" * 100_000}, "validation_failed"),
    ({"password": PASSWORD, "code": "12\u00003456"}, "validation_failed"),
    ({}, "validation_failed"),
])
def test_a_wrong_or_strange_body_is_a_422_and_the_account_stays(world, body, code):
    client, _, _, tokens = world
    refused = client.delete("/api/v1/me", headers=_bearer(tokens["vic"]), json=body)
    assert refused.status_code == 422 and refused.json["code"] == code
    assert client.get("/api/v1/me", headers=_bearer(tokens["vic"])).status_code == 200


def test_password_guesses_are_capped_with_sign_in_attempts(world):
    client, _, _, tokens = world
    answers = [client.delete("/api/v1/me", headers=_bearer(tokens["vic"]),
                             json={"password": f"guess number {n}"}) for n in range(11)]
    assert [a.status_code for a in answers] == [422] * 10 + [429]
    assert answers[-1].headers["Retry-After"]


def test_with_two_factor_on_a_code_is_needed_too(world):
    client, container, _, tokens = world
    vic = _bearer(tokens["vic"])
    secret = client.post("/api/v1/me/two-factor", headers=vic,
                         json={"password": PASSWORD}).json["secret"]
    now = container.adapters.clock().now()
    confirmed = client.post("/api/v1/me/two-factor/confirm", headers=vic,
                            json={"code": pyotp.TOTP(secret).at(now)})
    recovery = confirmed.json["recovery_codes"]

    missing = client.delete("/api/v1/me", headers=vic, json={"password": PASSWORD})
    wrong = client.delete("/api/v1/me", headers=vic, json={"password": PASSWORD,
                                                           "code": "aaaaaa-aaaaaa"})
    done = client.delete("/api/v1/me", headers=vic, json={"password": PASSWORD,
                                                          "code": recovery[0]})

    assert (missing.status_code, missing.json["code"]) == (422, "code_required")
    assert (wrong.status_code, wrong.json["code"]) == (422, "wrong_code")
    assert done.status_code == 202, done.json


def test_ten_deletions_at_once_make_one_erasure(world):
    client, container, slug, tokens = world
    app = client.application
    results = all_at_once([
        (lambda: app.test_client().delete("/api/v1/me", headers=_bearer(tokens["vic"]),
                                          json={"password": PASSWORD}).status_code)
        for _ in range(10)])
    winner, *losers = sorted(results)
    assert winner == 202 and set(losers) <= {401, 409}  # the session ended, or erased already
    (chain,) = container.application.audit_verifier().verify(slug)
    assert chain.intact


@pytest.mark.postgres
def test_a_server_without_the_owners_login_closes_the_account(pg_container, pg_urls, operator,
                                                              unique_slug, tmp_path):
    """`groundwork serve`'s workers log in as the application role only: closing an account
    needs nothing more, and the operator's run finishes it."""
    slug = unique_slug("live")
    pg_container.application.organizations().create(CreateOrganization(
        name="Live", slug=slug, owner_email=f"ada@{slug}.test", actor=operator))
    pg_container.application.members().add(AddMember(
        slug=slug, email=f"vic@{slug}.test", role="member", actor=operator))
    set_password(pg_container, f"vic@{slug}.test")
    with live_server(postgres_env(pg_urls, tmp_path), workers=1) as (base, _):
        status, body = http("POST", f"{base}/api/v1/auth/login", json.dumps(
            {"email": f"vic@{slug}.test", "password": PASSWORD}).encode(),
            {"Content-Type": "application/json"})
        token = json.loads(body)["access_token"]
        closed, _ = http("DELETE", f"{base}/api/v1/me", json.dumps({"password": PASSWORD}).encode(),
                         {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    assert (status, closed) == (200, 202)
    assert slug in {org for e in pg_container.application.erasure().finish_pending(operator)
                    for org in e.orgs}
    assert pg_container.application.audit_verifier().verify(slug)[0].intact
