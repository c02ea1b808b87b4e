"""Self-service sign-up over HTTP."""

import pytest

from entrypoints.config import Settings
from entrypoints.http.app import create_app
from tests.fixtures.app import memory_container

PASSPHRASE = "a long and private passphrase"


@pytest.fixture
def client(any_container):
    return create_app(any_container).test_client()


def _body(slug, **overrides):
    return {"org_name": "New Co", "slug": slug, "email": f"founder@{slug}.test",
            "password": PASSPHRASE, "full_name": "Fay Founder"} | overrides


def _sign_in(client, email):
    login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSPHRASE})
    assert login.status_code == 200, login.json
    return {"Authorization": f"Bearer {login.json['access_token']}"}


def test_sign_up_makes_an_org_whose_owner_then_signs_in(client, unique_slug):
    slug = unique_slug("new")
    response = client.post("/api/v1/signup", json=_body(slug))
    assert response.status_code == 202 and "sign in" in response.json["detail"]
    headers = _sign_in(client, f"founder@{slug}.test")
    members = client.get(f"/api/v1/orgs/{slug}/members", headers=headers).json
    assert [(m["email"], m["role"], m["full_name"]) for m in members] == [
        (f"founder@{slug}.test", "owner", "Fay Founder")]
    audit = client.get(f"/api/v1/orgs/{slug}/audit/export", headers=headers).get_data(as_text=True)
    assert "auth.signup" in audit and PASSPHRASE not in audit


@pytest.mark.parametrize(("overrides", "field"), [
    ({"password": "short"}, "password"),
    ({"password": "password1234"}, "password"),
    ({"password": "founder@{slug}.test"}, "password"),
    ({"slug": "Upper-Case"}, "slug"),
    ({"slug": "bell\x07"}, "slug"),
    ({"org_name": "\x1b[2J\x1b[Hnothing to see"}, "org_name"),
    ({"email": "not-an-email"}, "email"),
    ({"org_name": ""}, "org_name"),
    ({"plan": "enterprise"}, "plan"),
])
def test_bad_sign_ups_are_422_naming_the_field(client, unique_slug, overrides, field):
    slug = unique_slug("bad")
    overrides = {k: v.format(slug=slug) for k, v in overrides.items()}
    response = client.post("/api/v1/signup", json=_body(slug) | overrides)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    assert PASSPHRASE not in response.get_data(as_text=True)


def test_a_taken_slug_is_409_for_anyone(client, unique_slug):
    slug = unique_slug("taken")
    assert client.post("/api/v1/signup", json=_body(slug)).status_code == 202
    same_slug = [client.post("/api/v1/signup", json=_body(slug, email=email))
                 for email in ("other@x.test", f"founder@{slug}.test")]  # new address, and not
    assert {(a.status_code, a.json["code"], a.json["detail"]) for a in same_slug} == {
        (409, "slug_taken", f"slug {slug!r} is already taken")}
    reserved = client.post("/api/v1/signup", json=_body("admin", email="other@x.test"))
    assert reserved.status_code == 409 and reserved.json["code"] == "slug_unavailable"


def test_an_address_with_an_account_gets_the_same_answer_and_its_owner_a_notice(
        any_container, client, unique_slug):
    """Sign-up does not say whether an address has an account: both answers are the same,
    byte for byte; the account's owner is told by mail, and no org is made for the caller."""
    slug = unique_slug("known")
    assert client.post("/api/v1/signup", json=_body(slug)).status_code == 202
    known, new = (client.post("/api/v1/signup", json=_body(unique_slug("again"), email=email))
                  for email in (f"FOUNDER@{slug}.test", f"{unique_slug('fresh')}@x.test"))
    assert (known.status_code, known.get_data()) == (new.status_code, new.get_data())
    assert known.headers["Content-Type"] == new.headers["Content-Type"]
    notices = [m for m in any_container.adapters.mailer().sent
               if m.to == f"founder@{slug}.test" and "tried to sign up" in m.subject]
    assert len(notices) == 1 and "nothing was created" in notices[0].text
    orgs = client.get("/api/v1/me/orgs", headers=_sign_in(client, f"founder@{slug}.test")).json
    assert [o["slug"] for o in orgs] == [slug]


def test_sign_up_can_be_turned_off():
    container = memory_container()
    container.settings.override(Settings.from_env({"GROUNDWORK_BACKEND": "memory",
                                                    "SIGNUP_ENABLED": "false"}))
    response = create_app(container).test_client().post("/api/v1/signup", json=_body("closed-shop"))
    assert response.status_code == 403 and response.json["code"] == "signup_disabled"


def test_sign_ups_are_capped_per_address_and_per_client():
    container = memory_container()
    container.adapters.signup_throttle.reset_override()  # the production caps
    client = create_app(container).test_client()
    again = [client.post("/api/v1/signup", json=_body(f"same-{n}", email="same@x.test"),
                         environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}).status_code
             for n in range(7)]  # one address from many clients: 5 an hour in all
    assert again == [202, 202, 202, 202, 202, 429, 429]
    many = [client.post("/api/v1/signup", json=_body(f"many-{n}", email=f"m{n}@x.test"),
                        environ_base={"REMOTE_ADDR": "203.0.113.9"}) for n in range(21)]
    assert [r.status_code for r in many[:20]] == [202] * 20
    assert many[20].status_code == 429 and many[20].headers["Retry-After"]
