"""Steps for data_lifecycle.feature: the HTTP API on PostgreSQL; an operator through the use
cases the CLI runs."""

from __future__ import annotations

import hashlib
import json

import pytest
from pytest_bdd import given, scenarios, then, when

from application.members import AddMember, RemoveMember
from application.org_import import StoredExportFiles
from application.organizations import CreateOrganization, GetOrganization
from domain.errors import Conflict, NotFound
from entrypoints.http.app import create_app
from features.api_world import ApiWorld
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password

scenarios("data_lifecycle.feature")
CREDENTIALS = ("password_hash", "secret_hash", "token_hash")


@pytest.fixture
def world(pg_container, unique_slug):
    return ApiWorld(client=create_app(pg_container).test_client(), container=pg_container,
                    org=unique_slug("acme"))


def _download(world, url: str) -> bytes:
    answer = world.client.get(url.split("127.0.0.1:8000", 1)[1])
    assert answer.status_code == 200
    return answer.data


@given("Ada owns acme, where Vic is a viewer, and both are signed in")
def acme(world, operator):
    world.container.application.organizations().create(CreateOrganization(
        name="Acme", slug=world.org, owner_email=world.email("Ada"), actor=operator))
    world.container.application.members().add(AddMember(
        slug=world.org, email=world.email("Vic"), role="viewer", actor=operator))
    for who in ("Ada", "Vic"):
        _set_password(world.container, world.email(who))
        world.sign_in(who)


@when("Ada asks for an export of acme")
def ada_exports(world):
    asked = world.call("Ada", "post", f"/orgs/{world.org}/exports")
    assert asked.status_code == 202, asked.json
    world.answers = [world.call("Ada", "get", f"/orgs/{world.org}/exports/{asked.json['id']}").json]


@then("the export is done, with a file per table and a manifest")
def export_done(world):
    export = world.answers[0]
    assert export["status"] == "done", export
    assert set(export["files"]) == {"org", "users", "members", "invitations", "api_keys",
                                    "audit_entries", "audit_checkpoints"}
    world.answers.append(json.loads(_download(world, export["manifest_url"])))


@then("every file matches the checksum and row count its manifest gives")
def files_match(world):
    export, manifest = world.answers[0], world.answers[1]
    for table, file in manifest["files"].items():
        data = _download(world, export["files"][table])
        assert hashlib.sha256(data).hexdigest() == file["sha256"]
        assert len(data.splitlines()) == file["rows"] == export["counts"][table]
    assert export["counts"]["members"] == 2 and export["counts"]["users"] == 2


@then("no file holds a password, key or link hash")
def no_credentials(world):
    for url in world.answers[0]["files"].values():
        data = _download(world, url).decode()
        assert not any(column in data for column in CREDENTIALS)


@when("Vic asks for an export of acme")
def vic_exports(world):
    world.call("Vic", "post", f"/orgs/{world.org}/exports")


@then("he is refused for his role")
def refused_role(world):
    assert world.response.status_code == 403 and world.response.json["code"] == "forbidden"


@when("an operator suspends acme for unpaid invoices")
def suspends(world, operator):
    world.container.application.org_lifecycle().suspend(world.org, operator, "unpaid invoices")


@then("Ada's session is refused because acme is suspended")
def session_refused(world):
    answer = world.call("Ada", "get", f"/orgs/{world.org}")
    assert answer.status_code == 403 and answer.json["code"] == "org_suspended"


@then("signing in to acme is refused because it is suspended")
def sign_in_refused(world):
    answer = world.client.post("/api/v1/auth/login", json={
        "email": world.email("Ada"), "password": PASSWORD, "org": world.org})
    assert answer.status_code == 403 and answer.json["code"] == "org_suspended"


@when("the operator resumes acme")
def resumes(world, operator):
    world.container.application.org_lifecycle().resume(world.org, operator)


@then("Ada's session works again")
def works_again(world):
    assert world.call("Ada", "get", f"/orgs/{world.org}").status_code == 200


@given("Ada has deleted acme")
def deleted(world, operator):
    world.container.application.members().remove(RemoveMember(
        slug=world.org, member=world.email("Vic"), actor=operator))
    assert world.call("Ada", "delete", f"/orgs/{world.org}").status_code == 204


@when("an operator restores acme")
def restores(world, operator):
    world.container.application.org_lifecycle().restore(world.org, operator)


@then("Ada can sign in to acme again")
def signs_in_again(world):
    answer = world.client.post("/api/v1/auth/login", json={
        "email": world.email("Ada"), "password": PASSWORD, "org": world.org})
    assert answer.status_code == 200 and answer.json["org"]["slug"] == world.org


@when("Vic asks for his own data")
def own_data(world):
    world.call("Vic", "get", "/me/export")


@then("he gets his profile, his membership of acme and his sessions")
def profile_and_more(world):
    data = world.response.json
    assert world.response.status_code == 200
    assert data["profile"]["email"] == world.email("Vic")
    assert [(m["org_slug"], m["role"]) for m in data["memberships"]] == [(world.org, "viewer")]
    assert len(data["sessions"]) == 1


@then("the audit entries about him, and no credential")
def entries_about_him(world):
    data = world.response.json
    me = data["profile"]["id"]
    assert "auth.login" in {e["action"] for e in data["audit_entries"]}
    assert all(me in (e["actor_id"], e["resource_id"]) for e in data["audit_entries"])
    text = world.response.get_data(as_text=True)
    assert not any(column in text for column in CREDENTIALS)


@when("an operator purges acme without waiting for its grace period")
@given("an operator has purged acme")
def purges_now(world, operator):
    world.answers = [world.container.application.org_purge().purge(
        world.org, operator, before_grace_ends=True)]


@then("nothing of acme is left, not even a file")
def nothing_left(world, operator):
    certificate = world.answers[0]
    org_id = certificate.body["org_id"]
    assert world.container.adapters.object_store().list(f"orgs/{org_id}/") == []
    with pytest.raises(NotFound):
        world.container.application.organizations().get(
            GetOrganization(slug=world.org, actor=operator))


@then("the purge certificate counts what was deleted and names the export taken first")
def certificate_counts(world):
    body = world.answers[0].body
    assert body["rows_deleted"]["members"] == 1 and body["rows_deleted"]["org"] == 1
    assert body["rows_deleted"]["audit_entries"] > 0
    manifest = json.loads(b"".join(world.container.adapters.object_store().get(
        body["export"]["manifest_key"])))
    assert manifest["org_id"] == body["org_id"]
    assert len(body["export"]["manifest_sha256"]) == 64


@then("the name acme can be taken by a new organization")
def slug_free(world, operator):
    org = world.container.application.organizations().create(CreateOrganization(
        name="New Acme", slug=world.org, owner_email=world.email("Newcomer"), actor=operator))
    assert str(org.id) != world.answers[0].body["org_id"]


@when("the operator imports acme from the export the purge certificate names")
def imports(world, operator):
    certificate = world.answers[0]
    world.answers.append(world.container.application.org_import().load(
        StoredExportFiles(world.container.adapters.object_store(), certificate.export_manifest),
        operator))


@then("acme has the same rows as in its export, table by table")
def same_rows(world):
    certificate, report = world.answers
    assert report.counts == certificate.body["export"]["counts"]
    assert str(report.org_id) == certificate.body["org_id"]


@then("acme's audit trail verifies")
def trail_verifies(world):
    (chain,) = world.container.application.audit_verifier().verify(world.org)
    assert chain.intact


@when("an operator purges acme")
def purges(world, operator):
    try:
        world.container.application.org_purge().purge(world.org, operator)
    except Conflict as refused:
        world.answers = [refused]


@then("the purge is refused until the grace period ends")
def refused_in_grace(world):
    assert world.answers[0].code == "grace_period_running"


@then("Ada's data is still there to restore")
def still_there(world, operator):
    assert world.container.application.org_lifecycle().restore(
        world.org, operator).status == "active"
