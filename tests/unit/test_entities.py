import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import Conflict, InvalidInput, InvariantViolated
from domain.member import Member, Role, parse_role
from domain.organization import Organization, OrgStatus, Plan
from domain.user import User, normalise_email

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_organization_is_created_normalised_with_defaults():
    org = Organization.create(id=uuid.uuid4(), name="  Acme   Corp ", slug=" Acme ", now=NOW)
    assert (org.name, org.slug, org.plan) == ("Acme Corp", "acme", Plan.FREE)
    assert org.settings["default_currency"] == "EUR"
    assert org.created_at == org.updated_at == NOW


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_organization_name_must_be_present_and_bounded(name):
    with pytest.raises(InvalidInput):
        Organization.create(id=uuid.uuid4(), name=name, slug="acme", now=NOW)


def test_unknown_plan_is_refused():
    with pytest.raises(InvalidInput) as caught:
        Organization.create(id=uuid.uuid4(), name="A", slug="acme", now=NOW, plan="gold")
    assert caught.value.code == "invalid_plan"


@pytest.mark.parametrize("email", ["a", "a@b", "a b@c.de", "@acme.test", "a@@acme.test",
                                   "a,b@acme.test", '"a"@acme.test', "a..b@acme.test",
                                   ".a@acme.test", "a@-acme.test", "a@acme.test.", "ü@acme.test",
                                   "a\x00@acme.test", "x" * 65 + "@acme.test"])
def test_bad_emails_are_refused(email):
    with pytest.raises(InvalidInput):
        normalise_email(email)


def test_email_is_case_insensitive():
    user = User.create(id=uuid.uuid4(), email=" Ada@Acme.TEST ", full_name="Ada", now=NOW)
    assert user.email == "ada@acme.test"


def _member(role: Role) -> Member:
    return Member(org_id=uuid.uuid4(), id=uuid.uuid4(), user_id=uuid.uuid4(), role=role,
                  created_at=NOW, updated_at=NOW)


def test_the_last_owner_cannot_be_demoted():
    owner = _member(Role.OWNER)
    with pytest.raises(InvariantViolated) as caught:
        owner.change_role(Role.ADMIN, NOW, owners=1)
    assert caught.value.code == "last_owner"
    assert owner.role is Role.OWNER


def test_an_owner_can_be_demoted_when_another_remains():
    owner = _member(Role.OWNER)
    owner.change_role(Role.ADMIN, NOW, owners=2)
    assert owner.role is Role.ADMIN


def test_roles_parse_case_insensitively_and_refuse_unknowns():
    assert parse_role(" Admin ") is Role.ADMIN
    with pytest.raises(InvalidInput):
        parse_role("superuser")


@settings(max_examples=300, database=None)
@given(st.emails())
def test_every_address_format_email_allows_is_taken(email):
    """OpenAPI says `format: email`; the server takes what that format generates."""
    assert normalise_email(email) == email.strip().lower()


def test_an_org_moves_only_between_the_statuses_it_may():
    org = Organization.create(id=uuid.uuid4(), name="Acme", slug="acme", now=NOW)
    with pytest.raises(Conflict):
        org.resume(NOW)  # not suspended
    org.suspend(NOW)
    assert org.status is OrgStatus.SUSPENDED and not org.is_active
    with pytest.raises(Conflict):
        org.restore(NOW, timedelta(days=30))  # not deleted
    org.resume(NOW)
    org.mark_deleted(NOW)
    with pytest.raises(Conflict) as late:
        org.restore(NOW + timedelta(days=31), timedelta(days=30))
    assert late.value.code == "grace_period_over"
    org.restore(NOW + timedelta(days=29), timedelta(days=30))
    assert org.is_active and org.updated_at == NOW + timedelta(days=29)
    org.change_plan("pro", NOW)
    assert org.plan is Plan.PRO
    with pytest.raises(InvalidInput):
        org.change_plan("platinum", NOW)
