"""The live OpenAPI document is what a client generator gets: openapi-python-client generates a
Python client from `GET /openapi.json` of `groundwork serve` on PostgreSQL, without a warning, and
that client walks the README's tour (sign up, sign in, members, invitations, settings, an API key,
the audit log, sign out). Every answer, problems included, parses into its typed model."""

import email
import email.policy
import importlib
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from domain.settings import time_zones
from tests.e2e.live_server import NO_ATTEMPT_LIMITS, http, live_server, postgres_env
from tests.fixtures.app import PASSWORD
from tests.fixtures.mail import token_in

pytestmark = pytest.mark.postgres
BIN = Path(sys.executable).parent
PACKAGE = "groundwork_client"


@pytest.fixture(scope="module")
def server(pg_urls, tmp_path_factory):
    """(base URL, GROUNDWORK_HOME): the home holds the outbox, where invitations land."""
    home = tmp_path_factory.mktemp("client-home")
    env = postgres_env(pg_urls, home, **NO_ATTEMPT_LIMITS)
    with live_server(env, workers=1) as (base, _):
        yield base, home


@pytest.fixture(scope="module")
def generated(server, tmp_path_factory):
    """The generated package's modules by dotted name, e.g. generated("api.auth.post_login")."""
    base, _ = server
    where = tmp_path_factory.mktemp("client")
    status, document = http("GET", f"{base}/openapi.json")
    assert status == 200
    (where / "openapi.json").write_bytes(document)
    run = subprocess.run(
        [str(BIN / "openapi-python-client"), "generate", "--path", str(where / "openapi.json"),
         "--output-path", str(where / PACKAGE), "--meta", "none", "--fail-on-warning"],
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},  # its ruff
        capture_output=True, text=True, timeout=120, cwd=where)
    assert run.returncode == 0, run.stdout + run.stderr
    sys.path.insert(0, str(where))
    try:
        yield lambda name="": importlib.import_module(f"{PACKAGE}.{name}".rstrip("."))
    finally:
        sys.path.remove(str(where))
        for name in [name for name in sys.modules if name.partition(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.fixture
def call(generated):
    """Call an operation (e.g. "auth.post_login") and check the status it answered with."""
    def run(operation: str, status: int, **kwargs):
        response = generated(f"api.{operation}").sync_detailed(**kwargs)
        assert response.status_code == status, response.content
        return response
    return run


@pytest.fixture
def clients(server, generated):
    """client(token=None): the generated Client, or an AuthenticatedClient with that bearer."""
    base, _ = server
    package = generated()

    def make(token: str | None = None):
        options = {"base_url": base, "raise_on_unexpected_status": True,
                   "timeout": httpx.Timeout(30.0)}
        return package.AuthenticatedClient(token=token, **options) if token else package.Client(**options)
    return make


def test_the_generated_client_walks_the_tour(server, generated, call, clients, unique_slug):
    models, slug = generated("models"), unique_slug("client")
    owner = _sign_up_and_in(call, clients, models, slug)
    _invite_and_page_members(call, clients(), owner, models, slug, outbox=server[1] / "outbox")
    _change_settings(call, owner, models, slug)
    _use_an_api_key(call, clients, owner, models, slug)
    _read_the_audit_log(call, owner, models, slug)
    call("auth.post_logout", 204, client=owner)
    refused = call("me.get_me", 401, client=owner).parsed
    assert isinstance(refused, models.Problem) and refused.status == 401


def test_a_failed_login_parses_into_the_typed_problem(call, clients, generated):
    models = generated("models")
    response = call("auth.post_login", 401, client=clients(), body=models.Login(
        email="nobody@client.test", password="not the passphrase"))
    problem = response.parsed
    assert isinstance(problem, models.Problem)
    assert problem.status == 401 and problem.code == "unauthenticated"
    assert all(isinstance(value, str) and value
               for value in (problem.type_, problem.title, problem.detail, problem.code))
    assert response.headers["Content-Type"] == "application/problem+json"


def test_every_time_zone_the_server_takes_has_its_own_enum_member(generated):
    timezone = generated("models").OrganizationPatchSettingsTimezone
    assert {member.value for member in timezone} == time_zones()


def _sign_up_and_in(call, clients, models, slug):
    email_address = f"ada@{slug}.test"
    signed_up = call("auth.post_signup", 202, client=clients(), body=models.Signup(
        org_name="Acme", slug=slug, email=email_address, full_name="Ada Lovelace",
        password=PASSWORD)).parsed
    assert isinstance(signed_up, models.Accepted) and "sign in" in signed_up.detail
    tokens = call("auth.post_login", 200, client=clients(),
                  body=models.Login(email=email_address, password=PASSWORD)).parsed
    assert tokens.token_type == "Bearer" and tokens.expires_in > 0
    assert tokens.org.slug == slug
    owner = clients(tokens.access_token)
    me = call("me.get_me", 200, client=owner).parsed
    assert (me.email, me.full_name, me.org.slug) == (email_address, "Ada Lovelace", slug)
    assert me.org.role == models.MembershipRole.OWNER and me.memberships == [me.org]
    members = call("orgs.get_members", 200, client=owner, slug=slug)
    assert [(m.email, m.role) for m in members.parsed] == [(email_address, models.MemberRole.OWNER)]
    assert "Link" not in members.headers
    return owner


def _invite_and_page_members(call, anonymous, owner, models, slug, outbox: Path):
    invited = f"cy@{slug}.test"
    invitation = call("orgs.post_members", 202, client=owner, slug=slug, body=models.NewMember(
        email=invited, role=models.NewMemberRole.MEMBER)).parsed
    assert isinstance(invitation, models.Invitation)
    assert (invitation.email, invitation.role) == (invited, models.InvitationRole.MEMBER)
    assert invitation.expires_at > datetime.now(UTC)
    joined = call("invitations.post_accept", 201, client=anonymous, body=models.AcceptInvitation(
        token=_invitation_token(outbox, invited), password="another long passphrase",
        full_name="Cy")).parsed
    assert (joined.email, joined.role) == (invited, models.MemberRole.MEMBER)
    first = call("orgs.get_members", 200, client=owner, slug=slug, limit=1)
    cursor = _next_cursor(first.headers["Link"])
    second = call("orgs.get_members", 200, client=owner, slug=slug, limit=1, cursor=cursor)
    assert [m.role for m in first.parsed + second.parsed] == [models.MemberRole.OWNER,
                                                              models.MemberRole.MEMBER]
    assert second.parsed[0].id == joined.id and "Link" not in second.headers


def _invitation_token(outbox: Path, to: str, seconds: float = 20) -> str:
    """From the mail the server's job worker sends just after the answer."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in outbox.glob("*.eml"):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["To"] == to:
                return token_in(message.get_body(preferencelist=("plain",)).get_content())
        time.sleep(0.1)
    raise AssertionError(f"no invitation mailed to {to}")


def _next_cursor(link: str) -> str:
    url, rel = re.fullmatch(r'<([^>]+)>; rel="(\w+)"', link).groups()
    assert rel == "next"
    return parse_qs(urlsplit(url).query)["cursor"][0]


def _change_settings(call, owner, models, slug):
    settings = models.OrganizationPatchSettings(
        timezone=models.OrganizationPatchSettingsTimezone.EUROPE_BERLIN,
        default_currency=models.OrganizationPatchSettingsDefaultCurrency.EUR)
    settings["theme"] = "dark"  # any other key holds plain JSON
    organization = call("orgs.patch_organization", 200, client=owner, slug=slug,
                        body=models.OrganizationPatch(settings=settings)).parsed
    assert isinstance(organization, models.Organization)
    assert organization.settings["timezone"] == "Europe/Berlin"
    assert organization.settings["default_currency"] == "EUR"
    assert organization.settings["theme"] == "dark"
    refused = call("orgs.patch_organization", 422, client=owner, slug=slug, body=models.OrganizationPatch(
        settings=models.OrganizationPatchSettings(locale="not a locale"))).parsed
    assert (refused.status, refused.code) == (422, "invalid_settings")
    assert list(refused.errors.additional_properties) == ["settings.locale"]


def _use_an_api_key(call, clients, owner, models, slug):
    created = call("api_keys.post_api_keys", 201, client=owner, slug=slug, body=models.NewApiKey(
        name="ci", scopes=[models.NewApiKeyScopesItem.ORGREAD])).parsed
    assert created.secret.startswith(f"gw_{created.key.prefix}_")
    assert created.key.scopes == [models.ApiKeyScopesItem.ORGREAD]
    machine = clients(created.secret)
    members = call("orgs.get_members", 200, client=machine, slug=slug).parsed
    assert len(members) == 2
    assert call("orgs.get_organization", 200, client=machine, slug=slug).parsed.slug == slug
    refused = call("orgs.patch_organization", 403, client=machine, slug=slug,
                   body=models.OrganizationPatch(name="Taken over")).parsed
    assert refused.status == 403


def _read_the_audit_log(call, owner, models, slug):
    pages = [call("audit.get_audit_log", 200, client=owner, slug=slug, limit=3).parsed]
    while pages[-1].next_cursor is not None:
        pages.append(call("audit.get_audit_log", 200, client=owner, slug=slug, limit=3,
                          cursor=pages[-1].next_cursor).parsed)
    assert len(pages) > 2 and all(isinstance(page, models.AuditPage) for page in pages)
    assert all(len(page.entries) == 3 for page in pages[:-1])
    entries = [entry for page in pages for entry in page.entries]
    assert [entry.seq for entry in entries] == list(range(1, len(entries) + 1))
    assert all(later.prev_hash == earlier.hash_ for earlier, later in pairwise(entries))
    actions = {entry.action for entry in entries}
    assert {"org.created", "auth.login", "invitation.accepted", "org.updated",
            "api_key.created"} <= actions, actions
