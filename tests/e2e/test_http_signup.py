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


def test_sign_up_makes_an_org_and_signs_its_owner_in(client, unique_slug):
    slug = unique_slug("new")
    response = client.post("/api/v1/signup", json=_body(slug))
    assert response.status_code == 201 and response.json["org"]["slug"] == slug
    headers = {"Authorization": f"Bearer {response.json['access_token']}"}
    members = client.get(f"/api/v1/orgs/{slug}/members", headers=headers).json
    assert [(m["email"], m["role"], m["full_name"]) for m in members] == [
        (f"founder@{slug}.test", "owner", "Fay Founder")]
    again = client.post("/api/v1/auth/login", json={"email": f"founder@{slug}.test", "password": PASSPHRASE})
    assert again.status_code == 200
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


def test_a_taken_slug_or_email_is_409(client, unique_slug):
    slug = unique_slug("taken")
    assert client.post("/api/v1/signup", json=_body(slug)).status_code == 201
    same_slug = client.post("/api/v1/signup", json=_body(slug, email="other@x.test"))
    assert same_slug.status_code == 409 and same_slug.json["code"] == "slug_taken"
    reserved = client.post("/api/v1/signup", json=_body("admin", email="other@x.test"))
    assert reserved.status_code == 409 and reserved.json["code"] == "slug_unavailable"
    same_email = client.post("/api/v1/signup", json=_body(unique_slug("other"), email=f"FOUNDER@{slug}.test"))
    assert same_email.status_code == 409 and same_email.json["code"] == "email_taken"


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
    assert again == [201, 409, 409, 409, 409, 429, 429]
    many = [client.post("/api/v1/signup", json=_body(f"many-{n}", email=f"m{n}@x.test"),
                        environ_base={"REMOTE_ADDR": "203.0.113.9"}) for n in range(21)]
    assert [r.status_code for r in many[:20]] == [201] * 20
    assert many[20].status_code == 429 and many[20].headers["Retry-After"]
