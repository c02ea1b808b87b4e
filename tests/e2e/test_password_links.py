"""An operator issues a password link; the person sets a password; old sessions end (ASVS V7.4)."""

import json
from datetime import timedelta

import pytest

from application.members import AddMember
from application.organizations import CreateOrganization
from application.passwords import IssuePasswordLink
from entrypoints.cli.context import CliContext
from entrypoints.cli.main import cli
from entrypoints.config import Settings
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password

NEW = "an entirely new passphrase"


@pytest.fixture
def setup(any_container, operator, unique_slug, cli_runner):
    slugs = [unique_slug("pw"), unique_slug("pw")]
    email = f"owner@{slugs[0]}.test"
    for slug in slugs:
        any_container.application.organizations().create(CreateOrganization(
            name=slug, slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
    any_container.application.members().add(AddMember(slug=slugs[1], email=email, role="admin",
                                                      actor=operator))
    _set_password(any_container, email)

    def issue(*extra):
        settings = Settings.from_env({"GROUNDWORK_BACKEND": "memory"})
        result = cli_runner.invoke(cli, ["user", "reset-password", email, "--json", *extra],
                                   obj=CliContext(settings, any_container))
        assert result.exit_code == 0, result.output
        return json.loads(result.output)["token"]

    return create_app(any_container).test_client(), slugs, email, issue, any_container


def _login(client, email, password, org):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password, "org": org})


def test_a_link_sets_the_password_once_and_ends_every_session(setup):
    client, slugs, email, issue, _ = setup
    sessions = [_login(client, email, PASSWORD, slug).json for slug in slugs]
    token = issue()
    assert client.post("/api/v1/auth/password", json={"token": token, "password": NEW}).status_code == 204
    for session, slug in zip(sessions, slugs, strict=True):
        headers = {"Authorization": f"Bearer {session['access_token']}"}
        assert client.get(f"/api/v1/orgs/{slug}", headers=headers).status_code == 401
        assert client.post("/api/v1/auth/refresh",
                           json={"refresh_token": session["refresh_token"]}).status_code == 401
    assert _login(client, email, PASSWORD, slugs[0]).status_code == 401
    fresh = _login(client, email, NEW, slugs[0])
    assert fresh.status_code == 200
    again = client.post("/api/v1/auth/password", json={"token": token, "password": "yet another passphrase"})
    assert again.status_code == 401
    headers = {"Authorization": f"Bearer {fresh.json['access_token']}"}
    audit = client.get(f"/api/v1/orgs/{slugs[0]}/audit/export", headers=headers).get_data(as_text=True)
    assert "auth.password_link_issued" in audit and "auth.password_changed" in audit
    assert token not in audit and NEW not in audit


def test_a_weak_password_is_refused_and_the_link_still_works(setup):
    client, slugs, email, issue, _ = setup
    token = issue()
    weak = client.post("/api/v1/auth/password", json={"token": token, "password": "password1234"})
    assert weak.status_code == 422 and "password" in weak.json["errors"]
    assert client.post("/api/v1/auth/password", json={"token": token, "password": NEW}).status_code == 204


def test_an_unknown_link_is_refused(setup):
    client = setup[0]
    assert client.post("/api/v1/auth/password", json={"token": "made-up", "password": NEW}).status_code == 401


def test_an_expired_link_is_refused(memory_app_container, operator):
    container = memory_app_container
    container.application.organizations().create(CreateOrganization(
        name="Late", slug="late", owner_email="owner@late.test", actor=operator))
    link = container.application.passwords().issue(IssuePasswordLink(
        email="owner@late.test", actor=operator, ttl=timedelta(hours=1)))
    container.adapters.clock().advance(timedelta(hours=1, seconds=1))
    client = create_app(container).test_client()
    response = client.post("/api/v1/auth/password", json={"token": link.token, "password": NEW})
    assert response.status_code == 401


def test_a_link_for_an_unknown_email_is_a_one_line_error(cli_runner, memory_app_container):
    settings = Settings.from_env({"GROUNDWORK_BACKEND": "memory"})
    result = cli_runner.invoke(cli, ["user", "reset-password", "ghost@nowhere.test"],
                               obj=CliContext(settings, memory_app_container))
    assert result.exit_code == 1 and result.output.startswith("error: no user")


def test_disabling_a_user_ends_every_session_and_enabling_lets_them_back(setup, cli_runner):
    client, slugs, email, _, container = setup
    sessions = [_login(client, email, PASSWORD, slug).json for slug in slugs]
    settings = Settings.from_env({"GROUNDWORK_BACKEND": "memory"})
    result = cli_runner.invoke(cli, ["user", "disable", email, "--json"],
                               obj=CliContext(settings, container))
    assert result.exit_code == 0 and json.loads(result.output)["sessions_ended"] == 2
    for session, slug in zip(sessions, slugs, strict=True):
        headers = {"Authorization": f"Bearer {session['access_token']}"}
        assert client.get(f"/api/v1/orgs/{slug}", headers=headers).status_code == 401
        assert client.post("/api/v1/auth/refresh",
                           json={"refresh_token": session["refresh_token"]}).status_code == 401
    assert _login(client, email, PASSWORD, slugs[0]).status_code == 401
    assert cli_runner.invoke(cli, ["user", "enable", email],
                             obj=CliContext(settings, container)).exit_code == 0
    assert _login(client, email, PASSWORD, slugs[0]).status_code == 200
