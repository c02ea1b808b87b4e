"""Tenant isolation: each tenant's token opens its own organization, and nothing of another."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import jwt
from pytest_bdd import parsers, then, when

from application.organizations import GetOrganization
from features.authentication_steps.client import access_token, assert_problem, bearer
from features.authentication_steps.signing_in import can_read
from features.authentication_steps.world import (
    ACCESS_TTL,
    AUDIENCE,
    ISSUER,
    World,
    audit_entries,
    member_roles,
    user_id_of,
)
from tests.fixtures.app import TEST_SECRET_KEY

# --- When ----------------------------------------------------------------------------------


def _probe(world: World, who: str, label: str, method: str, path: str, **kwargs) -> None:
    """Ask for `path` in the tenant `label`, and the same of a slug nobody uses, to compare."""
    nowhere = world.unique_slug("nowhere")
    token = access_token(world, who)
    real = world.call(method, path.format(slug=world.tenant(label).slug), token=token, **kwargs)
    fake = world.call(method, path.format(slug=nowhere), token=token, **kwargs)
    world.probes.append((f"{method} {path}", label, nowhere, real, fake))


def _owner_member_id(world: World, label: str) -> uuid.UUID:
    views = world.container.application.members().every(world.tenant(label).slug, world.operator)
    return next(m.id for m in views if m.role == "owner")


def _snapshot(world: World, label: str) -> tuple:
    org = world.container.application.organizations().get(
        GetOrganization(slug=world.tenant(label).slug, actor=world.operator))
    return org.name, org.settings, member_roles(world, label), len(audit_entries(world, label))


@when(parsers.re(r"the owner of (?P<tenant>\w+) reads the organization, members, owner, API keys "
                 r"and audit log of (?P<other>\w+)"))
def reads_everything_of(world, tenant, other):
    who = f"the owner of {tenant}"
    owner = _owner_member_id(world, other)
    for path in ("/api/v1/orgs/{slug}", "/api/v1/orgs/{slug}/members",
                 f"/api/v1/orgs/{{slug}}/members/{owner}", "/api/v1/orgs/{slug}/api-keys",
                 "/api/v1/orgs/{slug}/audit", "/api/v1/orgs/{slug}/audit/export"):
        _probe(world, who, other, "GET", path)


@when(parsers.re(r"the owner of (?P<tenant>\w+) tries to rename (?P<other>\w+), and to add, invite, "
                 r"demote or remove its people"))
def changes_people_of(world, tenant, other):
    world.before.setdefault(other, _snapshot(world, other))
    who = f"the owner of {tenant}"
    owner = _owner_member_id(world, other)
    intruder = f"intruder@{world.tenant(tenant).slug}.test"
    _probe(world, who, other, "PATCH", "/api/v1/orgs/{slug}", json={"name": "Taken over"})
    _probe(world, who, other, "POST", "/api/v1/orgs/{slug}/members",
           json={"email": intruder, "role": "owner"})
    _probe(world, who, other, "POST", "/api/v1/orgs/{slug}/invitations",
           json={"email": intruder, "role": "admin"})
    _probe(world, who, other, "PATCH", f"/api/v1/orgs/{{slug}}/members/{owner}", json={"role": "viewer"})
    _probe(world, who, other, "DELETE", f"/api/v1/orgs/{{slug}}/members/{owner}")


@when(parsers.re(r"the owner of (?P<tenant>\w+) tries to create an API key in (?P<other>\w+), "
                 r"and to delete (?P=other)"))
def keys_and_delete_of(world, tenant, other):
    world.before.setdefault(other, _snapshot(world, other))
    who = f"the owner of {tenant}"
    _probe(world, who, other, "POST", "/api/v1/orgs/{slug}/api-keys",
           json={"name": "backdoor", "scopes": ["org:read", "members:write"]})
    _probe(world, who, other, "DELETE", "/api/v1/orgs/{slug}")


@when(parsers.parse("the three owners each list their members {times:d} times, all at once"))
def owners_list_at_once(world, times):
    jobs = [(tenant, access_token(world, tenant.owner)) for tenant in world.tenants.values()] * times

    def list_members(job):
        tenant, token = job
        response = world.app.test_client().get(f"/api/v1/orgs/{tenant.slug}/members",
                                                headers=bearer(token))
        return tenant.label, response.status_code, response.get_json()

    with ThreadPoolExecutor(max_workers=len(world.tenants) * 4) as pool:
        world.attempts = list(pool.map(list_members, jobs))
    world.expected_attempts = len(jobs)


# --- Then ----------------------------------------------------------------------------------


@then("each owner gets an HS256 token for their own organization, expiring in 15 minutes")
def each_owner_token(world):
    for tenant in world.tenants.values():
        pair = world.signins[tenant.owner].latest
        assert jwt.get_unverified_header(pair["access_token"])["alg"] == "HS256"
        claims = jwt.decode(pair["access_token"], TEST_SECRET_KEY, algorithms=["HS256"], audience=AUDIENCE,
                            issuer=ISSUER, options={"verify_exp": False, "verify_iat": False,
                                                    "verify_nbf": False})
        assert claims["org"] == str(tenant.id) and pair["org"]["slug"] == tenant.slug
        assert claims["sub"] == str(user_id_of(world.container, world.person(tenant.owner).email))
        assert claims["typ"] == "access" and claims["exp"] - claims["iat"] == ACCESS_TTL


@then("each owner can read their own organization and its members")
def each_owner_reads_own(world):
    for tenant in world.tenants.values():
        can_read(world, tenant.owner, tenant.label)
        token = access_token(world, tenant.owner)
        members = world.call("GET", f"/api/v1/orgs/{tenant.slug}/members", token=token)
        assert members.status_code == 200
        assert [m["email"] for m in members.get_json()] == [world.person(tenant.owner).email]


@then(parsers.parse("every answer is 404, as if {other} did not exist"))
def every_answer_404(world, other):
    assert world.probes
    for what, label, nowhere, real, fake in world.probes:
        assert label == other
        body = assert_problem(real, 404)
        assert body["code"] == "org_not_found", (what, body)
        slug = world.tenant(label).slug
        assert real.get_data(as_text=True).replace(slug, "<slug>") == \
            fake.get_data(as_text=True).replace(nowhere, "<slug>"), what
        assert str(world.tenant(label).id) not in real.get_data(as_text=True)
    world.probes.clear()


@then(parsers.parse("{label} is unchanged"))
def is_unchanged(world, label):
    assert _snapshot(world, label) == world.before[label]


@then(parsers.parse("the owner of {tenant} can still read the organization {label}"))
def can_still_read(world, tenant, label):
    can_read(world, f"the owner of {tenant}", label)


@then("every answer lists exactly the members of the asker's own organization")
def answers_own_members_only(world):
    assert world.attempts and len(world.attempts) == world.expected_attempts
    expected = {label: set(member_roles(world, label)) for label in world.tenants}
    for label, status, body in world.attempts:
        assert status == 200, body
        assert {m["email"] for m in body} == expected[label]
