"""The tenant REST API: roles per endpoint, and org A's credential attacking every org B route.

Kept whole (a little over 200 lines): the attack list and the role table share one fixture."""

import json

import pytest

from application.api_keys import CreateApiKey
from application.members import AddMember
from application.organizations import CreateOrganization, GetOrganization
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password


@pytest.fixture
def api(any_container, operator, unique_slug):
    """Two orgs; org A has one person per role, each signed in."""
    container = any_container
    slugs = {name: unique_slug(name) for name in ("a", "b")}
    for slug in slugs.values():
        container.application.organizations().create(CreateOrganization(
            name=slug, slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
        container.application.members().add(AddMember(
            slug=slug, email=f"member@{slug}.test", role="member", actor=operator))
    for role in ("admin", "viewer"):
        container.application.members().add(AddMember(
            slug=slugs["a"], email=f"{role}@{slugs['a']}.test", role=role, actor=operator))
    client = create_app(container).test_client()
    headers = {}
    for role in ("owner", "admin", "member", "viewer"):
        email = f"{role}@{slugs['a']}.test"
        _set_password(container, email)
        token = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json
        headers[role] = {"Authorization": f"Bearer {token['access_token']}"}
    return client, slugs, headers, container


def _member_id(container, slug, email, operator):
    members = container.application.members().every(slug, operator)
    return next(m.id for m in members if m.email == email)


def _snapshot(container, slug, operator):
    org = container.application.organizations().get(GetOrganization(slug=slug, actor=operator))
    members = container.application.members().every(slug, operator)
    return org, sorted((m.email, m.role) for m in members)


def test_org_a_credentials_reach_nothing_of_org_b(api, operator):
    client, slugs, headers, container = api
    b = slugs["b"]
    b_member = _member_id(container, b, f"member@{b}.test", operator)
    b_key = container.application.api_keys().create(CreateApiKey(
        slug=b, actor=operator, name="b's key", scopes=["org:read"])).key.id
    before = _snapshot(container, b, operator)
    attacks = [
        ("get", f"/api/v1/orgs/{b}", None),
        ("patch", f"/api/v1/orgs/{b}", {"name": "pwned"}),
        ("delete", f"/api/v1/orgs/{b}", None),
        ("get", f"/api/v1/orgs/{b}/members", None),
        ("post", f"/api/v1/orgs/{b}/members", {"email": "spy@evil.test", "role": "owner"}),
        ("get", f"/api/v1/orgs/{b}/members/{b_member}", None),
        ("patch", f"/api/v1/orgs/{b}/members/{b_member}", {"role": "owner"}),
        ("delete", f"/api/v1/orgs/{b}/members/{b_member}", None),
        ("get", f"/api/v1/orgs/{slugs['a']}/members/{b_member}", None),
        ("patch", f"/api/v1/orgs/{slugs['a']}/members/{b_member}", {"role": "viewer"}),
        ("delete", f"/api/v1/orgs/{slugs['a']}/members/{b_member}", None),
        ("get", f"/api/v1/orgs/{b}/audit", None),
        ("get", f"/api/v1/orgs/{b}/audit/export", None),
        ("get", f"/api/v1/orgs/{b}/api-keys", None),
        ("post", f"/api/v1/orgs/{b}/api-keys", {"name": "spy", "scopes": ["org:read"]}),
        ("delete", f"/api/v1/orgs/{b}/api-keys/{b_key}", None),
        ("delete", f"/api/v1/orgs/{slugs['a']}/api-keys/{b_key}", None),
        ("post", f"/api/v1/orgs/{b}/invitations", {"email": "spy@evil.test", "role": "owner"}),
    ]
    for method, path, body in attacks:
        response = getattr(client, method)(path, json=body, headers=headers["owner"])
        assert response.status_code == 404, (method, path, response.json)
        body = response.get_data(as_text=True)
        assert f"member@{b}.test" not in body and '"email"' not in body and '"settings"' not in body
    assert _snapshot(container, b, operator) == before
    keys = container.application.api_keys().list(b, operator).keys
    assert [(k.id, k.revoked_at) for k in keys] == [(b_key, None)]
    assert not [m for m in container.adapters.mailer().sent if m.to == "spy@evil.test"]


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("admin", 200), ("member", 403),
                                              ("viewer", 403)])
def test_who_may_update_the_org(api, role, status):
    client, slugs, headers, _ = api
    response = client.patch(f"/api/v1/orgs/{slugs['a']}", json={"settings": {"timezone": "Asia/Tokyo"}},
                            headers=headers[role])
    assert response.status_code == status
    if status == 200:
        assert response.json["settings"]["timezone"] == "Asia/Tokyo"


@pytest.mark.parametrize(("role", "status"), [("owner", 202), ("admin", 202), ("member", 403),
                                              ("viewer", 403)])
def test_who_may_invite_members(api, role, status):
    client, slugs, headers, _ = api
    response = client.post(f"/api/v1/orgs/{slugs['a']}/members",
                           json={"email": f"new-{role}@x.test", "role": "member"}, headers=headers[role])
    assert response.status_code == status


def test_an_admin_cannot_touch_an_owner(api, operator):
    client, slugs, headers, container = api
    owner_id = _member_id(container, slugs["a"], f"owner@{slugs['a']}.test", operator)
    path = f"/api/v1/orgs/{slugs['a']}/members/{owner_id}"
    assert client.patch(path, json={"role": "viewer"}, headers=headers["admin"]).status_code == 403
    assert client.delete(path, headers=headers["admin"]).status_code == 403
    added = client.post(f"/api/v1/orgs/{slugs['a']}/members",
                        json={"email": "boss@x.test", "role": "owner"}, headers=headers["admin"])
    assert added.status_code == 403


def test_the_last_owner_stays(api, operator):
    client, slugs, headers, container = api
    owner_id = _member_id(container, slugs["a"], f"owner@{slugs['a']}.test", operator)
    path = f"/api/v1/orgs/{slugs['a']}/members/{owner_id}"
    demoted = client.patch(path, json={"role": "admin"}, headers=headers["owner"])
    assert demoted.status_code == 409 and demoted.json["code"] == "last_owner"
    assert client.delete(path, headers=headers["owner"]).status_code == 409


def test_deleting_an_org_with_members_is_409_listing_them(api):
    client, slugs, headers, _ = api
    response = client.delete(f"/api/v1/orgs/{slugs['a']}", headers=headers["owner"])
    assert response.status_code == 409
    assert response.json["dependencies"] == {"members": 3}
    assert client.delete(f"/api/v1/orgs/{slugs['a']}", headers=headers["admin"]).status_code == 403


def test_bad_bodies_are_422_naming_each_field(api):
    client, slugs, headers, _ = api
    bad_settings = client.patch(f"/api/v1/orgs/{slugs['a']}",
                                json={"settings": {"default_currency": "XXX1", "timezone": "Nowhere"}},
                                headers=headers["owner"])
    assert bad_settings.status_code == 422
    assert set(bad_settings.json["errors"]) == {"settings.default_currency", "settings.timezone"}
    unknown = client.patch(f"/api/v1/orgs/{slugs['a']}", json={"slug": "renamed"}, headers=headers["owner"])
    assert unknown.status_code == 422 and "slug" in unknown.json["errors"]
    bad_role = client.post(f"/api/v1/orgs/{slugs['a']}/members", json={"email": "x@y.test", "role": "god"},
                           headers=headers["owner"])
    assert bad_role.status_code == 422 and "role" in bad_role.json["errors"]
    too_long = client.patch(f"/api/v1/orgs/{slugs['a']}", json={"name": "n" * 201}, headers=headers["owner"])
    assert too_long.status_code == 422 and "name" in too_long.json["errors"]
    not_json = client.patch(f"/api/v1/orgs/{slugs['a']}", data="{", content_type="application/json",
                            headers=headers["owner"])
    assert not_json.status_code in (400, 422)
    assert not_json.content_type == "application/problem+json"


def test_members_round_trip(api, operator):
    client, slugs, headers, container = api
    container.application.members().add(AddMember(slug=slugs["a"], email="Round@Trip.test",
                                                  role="viewer", actor=operator))
    member_id = _member_id(container, slugs["a"], "round@trip.test", operator)
    path = f"/api/v1/orgs/{slugs['a']}/members/{member_id}"
    assert client.get(path, headers=headers["viewer"]).json["email"] == "round@trip.test"
    assert client.patch(path, json={"role": "member"}, headers=headers["admin"]).json["role"] == "member"
    assert client.delete(path, headers=headers["admin"]).status_code == 204
    assert client.get(path, headers=headers["owner"]).status_code == 404


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("admin", 200), ("member", 403),
                                              ("viewer", 403)])
def test_who_may_read_the_audit_log(api, role, status):
    client, slugs, headers, _ = api
    assert client.get(f"/api/v1/orgs/{slugs['a']}/audit", headers=headers[role]).status_code == status
    export = client.get(f"/api/v1/orgs/{slugs['a']}/audit/export", headers=headers[role])
    assert export.status_code == status


def test_the_audit_log_pages_by_cursor_and_filters(api):
    client, slugs, headers, _ = api
    path = f"/api/v1/orgs/{slugs['a']}/audit"
    seen, cursor = [], None
    while True:
        query = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = client.get(path, query_string=query, headers=headers["owner"]).json
        seen += [e["seq"] for e in page["entries"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(range(1, len(seen) + 1)) and len(seen) >= 8
    logins = client.get(path, query_string={"action": "auth.login"}, headers=headers["owner"]).json
    assert len(logins["entries"]) == 4 and {e["action"] for e in logins["entries"]} == {"auth.login"}
    for cursor in ("bogus!", "c2VxfDk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "bogus\x00"):  # the 2nd: past bigint
        bad = client.get(path, query_string={"cursor": cursor}, headers=headers["owner"])
        assert bad.status_code == 400 and bad.json["code"] == "invalid_cursor", cursor
    assert client.get(path, query_string={"limit": 1000}, headers=headers["owner"]).status_code == 422
    naive = client.get(path, query_string={"since": "2026-01-01T00:00:00"}, headers=headers["owner"])
    assert naive.status_code == 422 and "since" in naive.json["errors"]


def test_the_audit_export_is_json_lines_of_every_entry(api):
    client, slugs, headers, _ = api
    total = len(client.get(f"/api/v1/orgs/{slugs['a']}/audit", query_string={"limit": 200},
                           headers=headers["owner"]).json["entries"])
    export = client.get(f"/api/v1/orgs/{slugs['a']}/audit/export", headers=headers["owner"])
    assert export.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in export.get_data(as_text=True).splitlines()]
    total += 1  # that read is audited, after it
    assert lines[-1]["action"] == "audit.read"
    assert len(lines) == total and [e["seq"] for e in lines] == list(range(1, total + 1))
    assert all(len(e["hash"]) == 64 for e in lines)
    assert "passphrase" not in export.get_data(as_text=True)
    after = client.get(f"/api/v1/orgs/{slugs['a']}/audit", query_string={"limit": 200},
                       headers=headers["owner"]).json["entries"]
    assert after[-1]["action"] == "audit.exported" and len(after) == total + 1  # the export itself


def test_asking_someone_to_join_adds_nobody_and_reveals_nothing_about_them(api, operator,
                                                                             unique_slug):
    """An owner elsewhere cannot add a person who has an account, nor learn their name or id."""
    client, slugs, headers, container = api
    victim = f"owner@{slugs['b']}.test"  # has an account, in another org
    _set_password(container, victim)
    answers = [client.post(f"/api/v1/orgs/{slugs['a']}/members", headers=headers["owner"],
                           json={"email": email, "role": "viewer"})
               for email in (victim, f"{unique_slug('nobody')}@x.test")]
    assert [a.status_code for a in answers] == [202, 202]
    fields = ["created_at", "email", "expires_at", "id", "invited_by", "role"]  # the invitation's
    assert [sorted(a.json) for a in answers] == [fields] * 2
    me = client.get("/api/v1/me", headers=headers["owner"]).json["id"]
    assert {a.json["invited_by"] for a in answers} == {me}  # who sent it, not who got it

    assert "full_name" not in answers[0].get_data(as_text=True)
    listed = {m["email"] for m in client.get(f"/api/v1/orgs/{slugs['a']}/members",
                                             headers=headers["owner"]).json}
    assert victim not in listed
    victim_login = client.post("/api/v1/auth/login", json={"email": victim, "password": PASSWORD})
    assert victim_login.status_code == 200  # not made to choose an org they never joined


@pytest.mark.parametrize(("route", "param"), [("audit/export", "offset"), ("audit/export", "page"),
                                              ("audit", "actions"), ("audit", "Cursor")])
def test_the_audit_routes_refuse_a_query_parameter_they_do_not_take(api, route, param):
    client, slugs, headers, _ = api
    answer = client.get(f"/api/v1/orgs/{slugs['a']}/{route}", query_string={param: "zzz"},
                        headers=headers["owner"])
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert param in answer.json["errors"]


def test_an_empty_cursor_is_a_first_page_and_is_audited(api):
    client, slugs, headers, _ = api
    path = f"/api/v1/orgs/{slugs['a']}/audit"

    def reads():
        entries = client.get(path, query_string={"limit": 200, "action": "audit.read"},
                             headers=headers["owner"]).json["entries"]
        return len(entries)

    before = reads()
    assert client.get(path, query_string={"cursor": ""}, headers=headers["admin"]).status_code == 200
    assert reads() == before + 2  # the admin's read, and the owner's first count


def test_the_audit_export_takes_a_limit_and_links_to_the_rest(api):
    client, slugs, headers, _ = api
    path = f"/api/v1/orgs/{slugs['a']}/audit/export"
    seqs, url = [], f"{path}?limit=3&action=auth.login"
    while url:
        part = client.get(url, headers=headers["owner"])
        assert part.status_code == 200 and part.mimetype == "application/x-ndjson"
        lines = [json.loads(line) for line in part.get_data(as_text=True).splitlines()]
        assert 1 <= len(lines) <= 3 and {e["action"] for e in lines} == {"auth.login"}
        seqs += [e["seq"] for e in lines]
        link = part.headers.get("Link")
        url = link[1:link.index(">")] if link else None
    assert len(seqs) == 4 and seqs == sorted(seqs)
    first = client.get(f"/api/v1/orgs/{slugs['a']}/audit?limit=2", headers=headers["owner"]).json
    rest = client.get(path, query_string={"cursor": first["next_cursor"]}, headers=headers["owner"])
    assert json.loads(rest.get_data(as_text=True).splitlines()[0])["seq"] == 3
    forged = client.get(path, query_string={"cursor": "c2VxfDA"}, headers=headers["owner"])
    assert forged.status_code == 400 and forged.json["code"] == "invalid_cursor"
    assert client.get(path, query_string={"limit": 10_001}, headers=headers["owner"]).status_code == 422
