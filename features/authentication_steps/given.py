"""Given: the tenants, people and sessions the scenarios start from."""

from __future__ import annotations

from pytest_bdd import given, parsers

from application.members import AddMember
from features.authentication_steps.client import open_session
from features.authentication_steps.tokens import refresh
from features.authentication_steps.world import WHO, Person, add_tenant, set_password


@given(parsers.parse("the tenant {label} with an owner"))
def one_tenant(world, label):
    add_tenant(world, label)


@given(parsers.parse("the tenants {first} and {second} each with an owner"))
def two_tenants(world, first, second):
    for label in (first, second):
        add_tenant(world, label)


@given(parsers.re(r"three tenants (?P<a>\w+), (?P<b>\w+) and (?P<c>\w+) each with an owner"
                  r"(?: and (?P<members>\d+) members)?"))
def three_tenants(world, a, b, c, members):
    for label in (a, b, c):
        add_tenant(world, label, int(members or 0))


@given(parsers.re(WHO + r" is (?:also )?an? (?P<role>owner|admin|member|viewer) of (?P<label>\w+)"))
def member_of(world, who, role, label):
    tenant = world.tenant(label)
    if who not in world.people:
        world.people[who] = Person(name=who, email=f"{who.lower()}@{tenant.slug}.test")
    email = world.person(who).email
    world.container.application.members().add(AddMember(
        slug=tenant.slug, email=email, role=role, actor=world.operator, full_name=who))
    set_password(world.container, email)


@given(parsers.re(WHO + r" has signed in"))
def has_signed_in(world, who):
    open_session(world, who)


@given(parsers.re(WHO + r" has signed in on a (?P<device>laptop|phone)"))
def has_signed_in_on(world, who, device):
    open_session(world, who, key=device)


@given("each owner has signed in")
def each_owner_has_signed_in(world):
    for tenant in world.tenants.values():
        open_session(world, tenant.owner)


@given(parsers.re(WHO + r" has refreshed the session"))
def has_refreshed(world, who):
    refresh(world, who)
    assert world.last.status_code == 200, world.last.get_json()
