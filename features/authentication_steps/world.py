"""The state of a scenario of authentication.feature, and setting it up as a platform operator.

Scenarios tagged @postgres run on the session's PostgreSQL (shared by the whole run, so slugs
and emails are unique); the others on a fresh in-memory container with a frozen clock.
"""

from __future__ import annotations

import uuid

import pytest
from attrs import define, field

from application.members import AddMember
from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from tests.fixtures.app import set_password

WRONG_PASSWORD = "not the passphrase at all"
ISSUER, AUDIENCE = "groundwork", "groundwork-api"
ACCESS_TTL = 15 * 60
INVALID_CREDENTIALS = "invalid credentials"
INVALID_TOKEN = "invalid or expired credentials"
# A genuine token of an ended session is refused exactly like a forged one.
ENDED = (INVALID_TOKEN,)

# Whoever acts in a step: "the owner of acme", or someone named with a capital, like "Ann".
WHO = r"(?P<who>the owner of \w+|[A-Z][a-z]+)"


@define
class Tenant:
    label: str
    slug: str
    id: uuid.UUID
    owner: str


@define
class Person:
    name: str
    email: str


@define
class Signin:
    """A session as the client holds it: every token pair it was given, oldest first."""

    who: str
    pairs: list[dict] = field(factory=list)

    @property
    def latest(self) -> dict:
        return self.pairs[-1]


@define
class World:
    container: object
    app: object
    client: object
    operator: object
    unique_slug: object
    tenants: dict[str, Tenant] = field(factory=dict)
    people: dict[str, Person] = field(factory=dict)
    signins: dict[str, Signin] = field(factory=dict)
    seen: list = field(factory=list)
    last: object = None
    attempts: list = field(factory=list)
    expected_attempts: int = 0
    probes: list = field(factory=list)
    before: dict = field(factory=dict)

    def call(self, method: str, path: str, *, token: str | None = None, headers: dict | None = None,
             **kwargs):
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        self.seen.append(response)
        self.last = response
        return response

    def person(self, who: str) -> Person:
        return self.people[who]

    def tenant(self, label: str) -> Tenant:
        return self.tenants[label]


@pytest.fixture
def container(request):
    """PostgreSQL for the scenarios tagged @postgres, a fresh in-memory container otherwise."""
    if request.node.get_closest_marker("postgres"):
        return request.getfixturevalue("pg_container")
    return request.getfixturevalue("memory_app_container")


@pytest.fixture
def world(container, operator, unique_slug) -> World:
    app = create_app(container)
    return World(container=container, app=app, client=app.test_client(), operator=operator,
                 unique_slug=unique_slug)


# --- set up as the operator ----------------------------------------------------------------


def user_id_of(container, email: str) -> uuid.UUID:
    with container.adapters.unit_of_work() as uow:
        return uow.users.get_by_email(email).id


def audit_entries(world: World, label: str) -> list:
    tenant = world.tenant(label)
    with world.container.adapters.unit_of_work() as uow:
        uow.bind(tenant.id)
        return list(uow.audit.entries(tenant.id))


def member_roles(world: World, label: str) -> dict[str, str]:
    views = world.container.application.members().every(world.tenant(label).slug, world.operator)
    return {m.email: m.role for m in views}


def add_tenant(world: World, label: str, members: int = 0) -> Tenant:
    slug = world.unique_slug(label)
    owner_email = f"owner@{slug}.test"
    view = world.container.application.organizations().create(CreateOrganization(
        name=label.capitalize(), slug=slug, owner_email=owner_email, actor=world.operator))
    set_password(world.container, owner_email)
    owner = f"the owner of {label}"
    world.people[owner] = Person(name=owner, email=owner_email)
    for n in range(members):
        world.container.application.members().add(AddMember(
            slug=slug, email=f"member{n}@{slug}.test", role="member", actor=world.operator))
    world.tenants[label] = Tenant(label=label, slug=slug, id=view.id, owner=owner)
    return world.tenants[label]
