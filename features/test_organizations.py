"""Steps for organizations.feature, run on the in-memory adapters.

Kept whole at ~250 lines: short, flat steps over four small helpers; split, a scenario's steps would scatter.
"""

from __future__ import annotations

import uuid

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from application.members import AddMember, RemoveMember
from application.organizations import (
    CreateOrganization,
    DeleteOrganization,
    GetOrganization,
    ListOrganizations,
    UpdateOrganization,
)
from domain.errors import Conflict, InvalidInput, InvariantViolated, NotFound
from features.conftest import Outcome, attempt, rows_to_dicts

scenarios("organizations.feature")

DEFAULT_SETTINGS = {"default_currency": "EUR", "timezone": "UTC", "locale": "en"}


def _settings(datatable) -> dict[str, str]:
    return {row["setting"]: row["value"] for row in rows_to_dicts(datatable)}


def _create(container, actor, name: str, slug: str, settings: dict | None = None):
    return container.application.organizations().create(CreateOrganization(
        name=name, slug=slug, owner_email=f"owner@{slug.strip().lower()}.test", actor=actor,
        settings=settings or {}))


def _members(container, actor, slug: str) -> dict[str, str]:
    views = container.application.members().every(slug, actor)
    return {m.email: m.role for m in views}


@pytest.fixture
def outcome() -> Outcome:
    return Outcome()


# --- Given ---------------------------------------------------------------------------------


@given(parsers.re(r'the organization "(?P<name>[^"]+)" with slug "(?P<slug>[^"]+)"'
                  r'(?:, owned by "(?P<owner>[^"]+)")?'))
def existing_org(container, actor, name, slug, owner):
    view = _create(container, actor, name, slug)
    if owner is not None:
        assert _members(container, actor, slug) == {owner: "owner"}
    return view


@given(parsers.re(r'"(?P<email>[^"]+)" is an? (?P<role>owner|admin|member|viewer) of "(?P<slug>[^"]+)"'))
def existing_member(container, actor, email, role, slug):
    container.application.members().add(AddMember(slug=slug, email=email, role=role, actor=actor))


# --- When ----------------------------------------------------------------------------------


@when(parsers.parse('I create the organization "{name}" with slug "{slug}"'), target_fixture="created")
def create_org(container, actor, name, slug):
    return _create(container, actor, name, slug)


@when(parsers.parse('I create the organization "{name}" with slug "{slug}" and the settings:'),
      target_fixture="created")
def create_org_with_settings(container, actor, name, slug, datatable):
    return _create(container, actor, name, slug, _settings(datatable))


@when(parsers.parse('I try to create the organization "{name}" with slug "{slug}"'),
      target_fixture="outcome")
def try_create_org(container, actor, name, slug):
    return attempt(lambda: _create(container, actor, name, slug))


@when(parsers.parse('I try to create the organization "{name}" with slug "{slug}" and the settings:'),
      target_fixture="outcome")
def try_create_org_with_settings(container, actor, name, slug, datatable):
    return attempt(lambda: _create(container, actor, name, slug, _settings(datatable)))


@when(parsers.parse('I look up the organization with slug "{slug}"'), target_fixture="outcome")
def look_up(container, actor, slug):
    return attempt(lambda: container.application.organizations().get(
        GetOrganization(slug=slug, actor=actor)))


@when(parsers.parse('I try to delete the organization "{slug}"'), target_fixture="outcome")
def try_delete(container, actor, slug):
    return attempt(lambda: container.application.organizations().delete(
        DeleteOrganization(slug=slug, actor=actor)))


@when(parsers.parse('I delete the organization "{slug}"'), target_fixture="deleted")
def delete(container, actor, slug):
    return container.application.organizations().delete(DeleteOrganization(slug=slug, actor=actor))


@when(parsers.parse('I remove "{email}" from "{slug}"'))
def remove_member(container, actor, email, slug):
    container.application.members().remove(RemoveMember(slug=slug, member=email, actor=actor))


@when(parsers.parse('I try to remove "{email}" from "{slug}"'), target_fixture="outcome")
def try_remove_member(container, actor, email, slug):
    return attempt(lambda: container.application.members().remove(
        RemoveMember(slug=slug, member=email, actor=actor)))


@when(parsers.parse('I try to change the settings of "{slug}" to:'), target_fixture="outcome")
def try_change_settings(container, actor, slug, datatable):
    return attempt(lambda: container.application.organizations().update(
        UpdateOrganization(slug=slug, actor=actor, settings=_settings(datatable))))


# --- Then ----------------------------------------------------------------------------------


@then(parsers.parse('the organization "{name}" is created with slug "{slug}"'))
def created_with(container, actor, created, name, slug):
    assert (created.name, created.slug, created.status) == (name, slug, "active")
    found = container.application.organizations().get(GetOrganization(slug=slug, actor=actor))
    assert found == created


@then("it is identified by a UUID")
def identified_by_uuid(created):
    assert isinstance(created.id, uuid.UUID)
    assert uuid.UUID(str(created.id)) == created.id


@then("its creation and last-update times are both the moment it was created")
def timestamps_set(container, created):
    now = container.adapters.clock().now()
    assert created.created_at.tzinfo is not None
    assert created.created_at == created.updated_at == now


@then("its settings are the defaults:")
@then("its settings are:")
def settings_are(created, datatable):
    assert created.settings == _settings(datatable)


@then(parsers.parse('"{email}" is its only member, as owner'))
def only_owner(container, actor, created, email):
    assert _members(container, actor, created.slug) == {email: "owner"}


@then(parsers.parse('I get the organization "{name}" with slug "{slug}"'))
def got_org(outcome, name, slug):
    assert outcome.error is None, f"the lookup failed: {outcome.error}"
    assert (outcome.result.name, outcome.result.slug) == (name, slug)


@then("the lookup is refused because the organization is not found")
def not_found(outcome):
    assert outcome.refusal(NotFound).code == "org_not_found"


@then(parsers.parse('it is refused as a conflict because the slug "{slug}" is already taken'))
def slug_taken(outcome, slug):
    error = outcome.refusal(Conflict)
    assert error.code == "slug_taken"
    assert repr(slug) in error.message


@then(parsers.parse('it is refused as a conflict because the slug "{slug}" is reserved'))
def slug_reserved(outcome, slug):
    error = outcome.refusal(Conflict)
    assert error.code == "slug_unavailable"
    assert repr(slug) in error.message


@then(parsers.parse('"{slug}" is still the only organization, named "{name}"'))
def only_org(container, actor, slug, name):
    orgs = container.application.organizations().list(ListOrganizations(actor=actor))
    assert [(o.slug, o.name) for o in orgs] == [(slug, name)]


@then(parsers.parse('it is refused as invalid input on "{field}", saying it "{reason}"'))
def invalid_on(outcome, field, reason):
    error = outcome.refusal(InvalidInput)
    assert list(error.errors) == [field]
    assert any(reason in problem for problem in error.errors[field]), error.errors


@then("no organization exists")
def no_org(container, actor):
    orgs = container.application.organizations().list(
        ListOrganizations(actor=actor, include_deleted=True))
    assert orgs == []


@then("it is refused as a conflict listing the blocking dependencies:")
def blocked_by(outcome, datatable):
    error = outcome.refusal(Conflict)
    assert error.code == "org_has_dependencies"
    expected = {row["dependency"]: int(row["count"]) for row in rows_to_dicts(datatable)}
    assert error.details["dependencies"] == expected
    for dependency, count in expected.items():
        assert f"{dependency} ({count})" in error.message


@then(parsers.parse('the organization "{slug}" can still be looked up'))
def still_there(container, actor, slug):
    view = container.application.organizations().get(GetOrganization(slug=slug, actor=actor))
    assert view.status == "active"


@then(parsers.parse('the organization "{slug}" is marked as deleted'))
def marked_deleted(container, actor, deleted, slug):
    assert (deleted.slug, deleted.status) == (slug, "deleted")
    everything = container.application.organizations().list(
        ListOrganizations(actor=actor, include_deleted=True))
    assert [(o.slug, o.status) for o in everything] == [(slug, "deleted")]


@then(parsers.parse('looking up the organization with slug "{slug}" finds nothing'))
def finds_nothing(container, actor, slug):
    outcome = attempt(lambda: container.application.organizations().get(
        GetOrganization(slug=slug, actor=actor)))
    assert outcome.refusal(NotFound).code == "org_not_found"


@then("it is refused because an organization must keep at least one owner")
def last_owner(outcome):
    error = outcome.refusal(InvariantViolated)
    assert error.code == "last_owner"
    assert "at least one owner" in error.message


@then(parsers.parse('the members of "{slug}" are still:'))
def members_are(container, actor, slug, datatable):
    expected = {row["email"]: row["role"] for row in rows_to_dicts(datatable)}
    assert _members(container, actor, slug) == expected


@then("it is refused as invalid input on exactly these fields:")
def invalid_fields(outcome, datatable):
    error = outcome.refusal(InvalidInput)
    expected = rows_to_dicts(datatable)
    assert sorted(error.errors) == sorted(row["field"] for row in expected)
    for row in expected:
        problems = error.errors[row["field"]]
        assert any(row["reason mentions"] in p for p in problems), (row["field"], problems)


@then(parsers.parse('the settings of "{slug}" are still the defaults'))
def settings_unchanged(container, actor, slug):
    view = container.application.organizations().get(GetOrganization(slug=slug, actor=actor))
    assert view.settings == DEFAULT_SETTINGS
