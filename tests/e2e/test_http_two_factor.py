"""Two-factor sign-in over HTTP, attacked: a code used twice (also by parallel requests), a
challenge used for something else, guesses capped, a password changed under a challenge, an
API key on a person-only route, an org that requires a factor its member lacks."""

from __future__ import annotations

import pyotp
import pytest

from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password
from tests.fixtures.concurrency import all_at_once


@pytest.fixture
def world(any_container, operator, unique_slug):
    slug = unique_slug("mfa")
    email = f"owner@{slug}.test"
    any_container.application.organizations().create(CreateOrganization(
        name="MFA", slug=slug, owner_email=email, actor=operator))
    _set_password(any_container, email)
    return create_app(any_container).test_client(), slug, email, any_container


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _login(client, email, password=PASSWORD):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def _code(container, secret, steps=0):
    """The app's code at the server's time (the memory backend's clock is frozen)."""
    totp = pyotp.TOTP(secret)
    return totp.at(container.adapters.clock().now(), counter_offset=steps)


def _enable(client, container, email):
    tokens = _login(client, email).json
    enrolment = client.post("/api/v1/me/two-factor", headers=_bearer(tokens["access_token"]),
                            json={"password": PASSWORD})
    assert enrolment.status_code == 201, enrolment.json
    secret = enrolment.json["secret"]
    assert enrolment.json["otpauth_uri"].startswith("otpauth://totp/")
    assert enrolment.json["qr_svg"].startswith("<svg")
    confirmed = client.post("/api/v1/me/two-factor/confirm", json={"code": _code(container, secret)},
                            headers=_bearer(tokens["access_token"]))
    assert confirmed.status_code == 200, confirmed.json
    return secret, confirmed.json["recovery_codes"], tokens


def test_with_two_factor_on_a_password_alone_gets_a_challenge_not_tokens(world):
    client, slug, email, container = world
    secret, recovery, _ = _enable(client, container, email)
    assert len(recovery) == 10 and len(set(recovery)) == 10
    challenge = _login(client, email)
    assert challenge.status_code == 202
    assert challenge.json["challenge"] == "totp" and "access_token" not in challenge.json
    # The challenge is no access token.
    me = client.get("/api/v1/me", headers=_bearer(challenge.json["challenge_token"]))
    assert me.status_code == 401
    # A code from the step after this one (a code not yet used) signs in: tokens.
    done = client.post("/api/v1/auth/two-factor", json={
        "challenge_token": challenge.json["challenge_token"], "code": _code(container, secret, 1)})
    assert done.status_code == 200, done.json
    assert done.json["org"]["slug"] == slug and "recovery_codes" not in done.json
    status = client.get("/api/v1/me/two-factor", headers=_bearer(done.json["access_token"]))
    assert status.json["enabled"] is True and status.json["recovery_codes_left"] == 10


def test_a_code_is_accepted_once_even_by_parallel_requests(world):
    client, _, email, container = world
    secret, _, _ = _enable(client, container, email)
    later = _code(container, secret, 1)  # the confirm used this step's code
    challenges = [_login(client, email).json["challenge_token"] for _ in range(10)]
    app = client.application
    results = all_at_once([
        (lambda t=t: app.test_client().post("/api/v1/auth/two-factor",
                                            json={"challenge_token": t, "code": later}).status_code)
        for t in challenges])
    assert sorted(results) == [200] + [401] * 9
    # An older code than one accepted is refused too (the confirm's code).
    again = client.post("/api/v1/auth/two-factor", json={
        "challenge_token": challenges[0], "code": _code(container, secret)})
    assert again.status_code == 401 and again.content_type == "application/problem+json"


def test_a_recovery_code_signs_in_once(world):
    client, _, email, container = world
    _, recovery, _ = _enable(client, container, email)
    token = _login(client, email).json["challenge_token"]
    results = all_at_once([
        (lambda: client.application.test_client().post("/api/v1/auth/two-factor", json={
            "challenge_token": token, "code": recovery[0].upper()}).status_code)
        for _ in range(5)])
    assert sorted(results) == [200] + [401] * 4
    done = client.post("/api/v1/auth/two-factor", json={
        "challenge_token": token, "code": recovery[1].replace("-", "")})
    status = client.get("/api/v1/me/two-factor", headers=_bearer(done.json["access_token"]))
    assert status.json["recovery_codes_left"] == 8


def test_wrong_codes_are_capped_like_passwords(world):
    client, _, email, container = world
    secret, _, _ = _enable(client, container, email)
    token = _login(client, email).json["challenge_token"]
    statuses = [client.post("/api/v1/auth/two-factor", json={
        "challenge_token": token, "code": "000000"}).status_code for _ in range(12)]
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
    right = client.post("/api/v1/auth/two-factor", json={
        "challenge_token": token, "code": _code(container, secret, 1)})
    assert right.status_code == 429 and "Retry-After" in right.headers


@pytest.mark.parametrize("body", [
    {"code": "12345"}, {"code": "1234567"}, {"code": "12345a"}, {"code": "１２３４５６"},
    {"code": 123456}, {}, {"code": "abcdef-abcde\u0000"}, {"code": "abcdef--abcdef"},
])
def test_malformed_answers_are_422_problems(world, body):
    client, _, email, container = world
    _enable(client, container, email)
    token = _login(client, email).json["challenge_token"]
    response = client.post("/api/v1/auth/two-factor", json={"challenge_token": token, **body})
    assert response.status_code == 422 and response.content_type == "application/problem+json"


def test_a_challenge_ends_when_the_password_changes(world):
    client, _, email, container = world
    secret, _, _ = _enable(client, container, email)
    token = _login(client, email).json["challenge_token"]
    _set_password(container, email, "another long passphrase 42")
    response = client.post("/api/v1/auth/two-factor", json={
        "challenge_token": token, "code": _code(container, secret, 1)})
    assert response.status_code == 401


def test_an_access_or_refresh_token_is_no_challenge(world):
    client, _, email, _ = world
    tokens = _login(client, email).json
    for token in (tokens["access_token"], tokens["refresh_token"]):
        response = client.post("/api/v1/auth/two-factor", json={
            "challenge_token": token, "code": "123456"})
        assert response.status_code == 401


def test_turning_it_off_needs_password_and_code(world):
    client, _, email, container = world
    secret, recovery, tokens = _enable(client, container, email)
    headers = _bearer(tokens["access_token"])
    wrong_password = client.post("/api/v1/me/two-factor/disable", headers=headers, json={
        "password": "not it at all", "code": _code(container, secret, 1)})
    assert wrong_password.status_code == 422 and wrong_password.json["code"] == "wrong_password"
    wrong_code = client.post("/api/v1/me/two-factor/disable", headers=headers, json={
        "password": PASSWORD, "code": "nopeno-nopeno"})
    assert wrong_code.status_code == 422 and wrong_code.json["code"] == "wrong_code"
    off = client.post("/api/v1/me/two-factor/disable", headers=headers, json={
        "password": PASSWORD, "code": recovery[0]})
    assert off.status_code == 204
    assert _login(client, email).status_code == 200  # tokens again, no challenge


def test_setting_it_up_needs_the_password_and_turning_it_on_ends_other_sessions(world):
    client, _, email, container = world
    other = _login(client, email).json
    tokens = _login(client, email).json
    wrong = client.post("/api/v1/me/two-factor", headers=_bearer(tokens["access_token"]),
                        json={"password": "not the password"})
    assert wrong.status_code == 422 and wrong.json["code"] == "wrong_password"
    enrolment = client.post("/api/v1/me/two-factor", headers=_bearer(tokens["access_token"]),
                            json={"password": PASSWORD})
    confirmed = client.post("/api/v1/me/two-factor/confirm", headers=_bearer(tokens["access_token"]),
                            json={"code": _code(container, enrolment.json["secret"])})
    assert confirmed.status_code == 200
    assert client.get("/api/v1/me", headers=_bearer(other["access_token"])).status_code == 401
    assert client.get("/api/v1/me", headers=_bearer(tokens["access_token"])).status_code == 200


def test_enrolling_twice_is_refused_once_on(world):
    client, _, email, container = world
    _, _, tokens = _enable(client, container, email)
    again = client.post("/api/v1/me/two-factor", headers=_bearer(tokens["access_token"]),
                        json={"password": PASSWORD})
    assert again.status_code == 409 and again.json["code"] == "two_factor_enabled"


def _member(container, operator, slug, name, role="member"):
    from application.members import AddMember
    email = f"{name}@{slug}.test"
    container.application.members().add(AddMember(slug=slug, email=email, role=role,
                                                  actor=operator))
    _set_password(container, email)
    return email


def test_an_org_that_requires_it_makes_members_enrol_at_sign_in(world, operator):
    client, slug, email, container = world
    bob = _member(container, operator, slug, "bob")
    bobs = _login(client, bob).json
    _, _, tokens = _enable(client, container, email)
    changed = client.patch(f"/api/v1/orgs/{slug}", headers=_bearer(tokens["access_token"]),
                           json={"settings": {"require_two_factor": True}})
    assert changed.status_code == 200, changed.json
    # Bob had no second factor: his session ended with the change.
    assert client.get("/api/v1/me", headers=_bearer(bobs["access_token"])).status_code == 401
    challenge = _login(client, bob)
    assert challenge.status_code == 202 and challenge.json["challenge"] == "enrol_totp"
    token = challenge.json["challenge_token"]
    not_yet = client.post("/api/v1/auth/two-factor", json={"challenge_token": token,
                                                          "code": "123456"})
    assert not_yet.status_code == 409 and not_yet.json["code"] == "two_factor_not_enrolled"
    enrolment = client.post("/api/v1/auth/two-factor/enrolment", json={"challenge_token": token})
    assert enrolment.status_code == 201
    done = client.post("/api/v1/auth/two-factor", json={
        "challenge_token": token, "code": _code(container, enrolment.json["secret"])})
    assert done.status_code == 200, done.json
    assert len(done.json["recovery_codes"]) == 10
    # From now on a code is needed, as for anyone with the factor on.
    assert _login(client, bob).json["challenge"] == "totp"


def test_only_an_owner_in_person_with_it_on_sets_what_the_org_requires(world, operator):
    client, slug, email, container = world
    admin = _member(container, operator, slug, "adm", role="admin")
    owner = _login(client, email).json
    key = client.post(f"/api/v1/orgs/{slug}/api-keys", headers=_bearer(owner["access_token"]),
                      json={"name": "ci", "scopes": ["org:write"]}).json["secret"]
    body = {"settings": {"require_two_factor": True}}
    by_key = client.patch(f"/api/v1/orgs/{slug}", headers=_bearer(key), json=body)
    assert by_key.status_code == 403 and by_key.json["code"] == "session_required"
    by_admin = client.patch(f"/api/v1/orgs/{slug}",
                            headers=_bearer(_login(client, admin).json["access_token"]), json=body)
    assert by_admin.status_code == 403
    without_it = client.patch(f"/api/v1/orgs/{slug}", headers=_bearer(owner["access_token"]),
                              json=body)
    assert without_it.status_code == 409 and without_it.json["code"] == "two_factor_required"
    verified = client.patch(f"/api/v1/orgs/{slug}", headers=_bearer(key),
                            json={"settings": {"require_verified_email": True}})
    assert verified.status_code == 403
    # Other settings stay theirs to change.
    assert client.patch(f"/api/v1/orgs/{slug}", headers=_bearer(key),
                        json={"settings": {"timezone": "Europe/Berlin"}}).status_code == 200


def test_an_api_key_cannot_reach_the_person_only_routes(world):
    client, slug, email, _ = world
    tokens = _login(client, email).json
    key = client.post(f"/api/v1/orgs/{slug}/api-keys", headers=_bearer(tokens["access_token"]),
                      json={"name": "ci", "scopes": ["org:read"]})
    assert key.status_code == 201, key.json
    for method, path in (("get", "/api/v1/me/two-factor"), ("post", "/api/v1/me/two-factor")):
        response = getattr(client, method)(path, headers=_bearer(key.json["secret"]),
                                           json={"password": PASSWORD} if method == "post" else None)
        assert response.status_code == 403, (path, response.json)


def _leave_last_org(client, slug, email):
    """The person's only org goes: they hand it over and leave (here: it is deleted)."""
    tokens = _login(client, email).json
    deleted = client.delete(f"/api/v1/orgs/{slug}",
                            headers=_bearer(tokens["access_token"]))
    assert deleted.status_code in (200, 204), deleted.json


def test_a_person_with_no_org_left_signs_in_and_starts_a_new_one(world, unique_slug):
    client, slug, email, _ = world
    _leave_last_org(client, slug, email)
    challenge = _login(client, email)
    assert challenge.status_code == 202 and challenge.json["challenge"] == "create_org"
    # The challenge opens nothing else: not a session, not the two-factor step.
    assert client.post("/api/v1/auth/two-factor", json={
        "challenge_token": challenge.json["challenge_token"], "code": "123456"}).status_code in (401, 409)
    new = unique_slug("fresh")
    made = client.post("/api/v1/auth/first-org", json={
        "challenge_token": challenge.json["challenge_token"], "name": "Fresh", "slug": new})
    assert made.status_code == 201, made.json
    assert made.json["org"]["slug"] == new
    me = client.get("/api/v1/me", headers=_bearer(made.json["access_token"]))
    assert me.json["org"]["role"] == "owner"
    assert _login(client, email).json["org"]["slug"] == new  # tokens again


def test_a_first_org_needs_the_code_when_two_factor_is_on(world, unique_slug):
    client, slug, email, container = world
    secret, recovery, _ = _enable(client, container, email)
    tokens = client.post("/api/v1/auth/two-factor", json={
        "challenge_token": _login(client, email).json["challenge_token"],
        "code": _code(container, secret, 1)}).json
    assert client.delete(f"/api/v1/orgs/{slug}", headers=_bearer(tokens["access_token"])
                         ).status_code in (200, 204)
    challenge = _login(client, email).json
    assert challenge["challenge"] == "create_org"
    body = {"challenge_token": challenge["challenge_token"], "name": "N", "slug": unique_slug("n")}
    assert client.post("/api/v1/auth/first-org", json=body).json["code"] == "code_required"
    assert client.post("/api/v1/auth/first-org", json={**body, "code": "000000"}
                       ).status_code == 401
    stale = client.post("/api/v1/auth/first-org", json={**body, "code": _code(container, secret)})
    assert stale.status_code == 401  # a code of a step accepted before
    made = client.post("/api/v1/auth/first-org", json={**body, "code": recovery[0]})
    assert made.status_code == 201 and made.json["org"]["slug"] == body["slug"]


def test_a_challenge_for_an_org_cannot_start_a_first_org(world, unique_slug):
    client, _, email, container = world
    _enable(client, container, email)
    challenge = _login(client, email).json
    made = client.post("/api/v1/auth/first-org", json={
        "challenge_token": challenge["challenge_token"], "name": "N", "slug": unique_slug("n")})
    assert made.status_code == 401


def test_an_operator_removes_a_lost_factor_and_the_person_signs_in_with_the_password(
        world, operator, cli_runner):
    from entrypoints.cli.context import CliContext
    from entrypoints.cli.main import cli
    from entrypoints.config import Settings

    client, slug, email, container = world
    _, _, tokens = _enable(client, container, email)
    me = client.get("/api/v1/me", headers=_bearer(tokens["access_token"])).json
    assert me["two_factor_enabled"] is True
    settings = Settings.from_env({"GROUNDWORK_BACKEND": "postgres", "SECRET_KEY": "x" * 32})
    result = cli_runner.invoke(cli, ["user", "reset-two-factor", email, "--json"],
                               obj=CliContext(settings, container))
    assert result.exit_code == 0, result.output
    assert '"two_factor_removed": true' in result.output
    signed_in = _login(client, email)
    assert signed_in.status_code == 200 and "access_token" in signed_in.json
    assert client.get("/api/v1/me", headers=_bearer(signed_in.json["access_token"])
                      ).json["two_factor_enabled"] is False
    again = cli_runner.invoke(cli, ["user", "reset-two-factor", email, "--json"],
                              obj=CliContext(settings, container))
    assert '"two_factor_removed": false' in again.output
    unknown = cli_runner.invoke(cli, ["user", "reset-two-factor", "nobody@example.test"],
                                obj=CliContext(settings, container))
    assert unknown.exit_code != 0 and "Traceback" not in unknown.output
    audit = client.get(f"/api/v1/orgs/{slug}/audit/export",
                       headers=_bearer(signed_in.json["access_token"])).get_data(as_text=True)
    assert "user.two_factor_reset" in audit and "user.two_factor_enabled" in audit


def test_an_account_with_two_factor_on_accepts_an_invitation_only_signed_in(
        world, operator, unique_slug):
    from tests.fixtures.mail import mailed_token

    client, _, email, container = world
    _enable(client, container, email)
    other = unique_slug("other")
    container.application.organizations().create(CreateOrganization(
        name="Other", slug=other, owner_email=f"o@{other}.test", actor=operator))
    _set_password(container, f"o@{other}.test")
    owner = _login(client, f"o@{other}.test").json
    client.post(f"/api/v1/orgs/{other}/invitations", headers=_bearer(owner["access_token"]),
                json={"email": email, "role": "member"})
    token = mailed_token(container, email)
    refused = client.post("/api/v1/invitations/accept", json={"token": token, "password": PASSWORD})
    assert refused.status_code == 403 and refused.json["code"] == "session_required"
    members = client.get(f"/api/v1/orgs/{other}/members", headers=_bearer(owner["access_token"]))
    assert email not in str(members.json)  # not joined on the password alone


def test_challenges_open_only_what_they_were_issued_for(world, unique_slug):
    client, slug, email, container = world
    _leave_last_org(client, slug, email)
    create_org = _login(client, email).json["challenge_token"]
    enrol = client.post("/api/v1/auth/two-factor/enrolment", json={"challenge_token": create_org})
    assert enrol.status_code == 401
    first = client.post("/api/v1/auth/first-org", json={
        "challenge_token": create_org, "name": "One", "slug": unique_slug("one")})
    assert first.status_code == 201
    second = client.post("/api/v1/auth/first-org", json={
        "challenge_token": create_org, "name": "Two", "slug": unique_slug("two")})
    assert second.status_code == 409 and second.json["code"] == "has_organization"
