"""Use cases on the in-memory adapters: the rules, the permissions, the audit entries."""

import pytest

from application.auth import Login
from application.members import AddMember, ChangeRole, RemoveMember
from application.organizations import (
    CreateOrganization,
    DeleteOrganization,
    GetOrganization,
    ListOrganizations,
    UpdateOrganization,
)
from application.principals import SessionCredential
from domain.audit import Actor, ActorType
from domain.errors import Conflict, Forbidden, InvalidInput, InvariantViolated, NotFound
from tests.fixtures.app import PASSWORD, memory_container, set_password


@pytest.fixture
def c():
    return memory_container()


@pytest.fixture
def acme(c, operator):
    c.application.organizations().create(CreateOrganization(
        name="Acme", slug="acme", owner_email="owner@acme.test", actor=operator))
    return "acme"


def _user_actor(c, slug, email) -> SessionCredential:
    """Signs the person in to `slug` and returns what the HTTP edge would hand the use cases."""
    set_password(c, email)
    pair = c.application.auth().login(Login(email=email, password=PASSWORD, org=slug))
    return c.application.credentials().session(pair.access_token)


def _audit_actions(c, slug):
    with c.adapters.unit_of_work() as uow:
        org = uow.orgs.get_by_slug(slug)
        uow.bind(org.id)
        return [e.action for e in uow.audit.entries(org.id)]


def test_creating_an_org_makes_its_owner_and_audits_both(c, acme):
    members = c.application.members().every(acme, Actor.operator("op"))
    assert [(m.email, m.role) for m in members] == [("owner@acme.test", "owner")]
    assert _audit_actions(c, acme) == ["org.created", "member.added"]


@pytest.mark.parametrize("slug", ["acme", "ACME", " Acme "])
def test_a_slug_is_taken_whatever_its_case(c, acme, operator, slug):
    with pytest.raises(Conflict) as caught:
        c.application.organizations().create(CreateOrganization(
            name="Other", slug=slug, owner_email="x@other.test", actor=operator))
    assert caught.value.code == "slug_taken"


def test_a_failed_create_leaves_nothing_behind(c, operator):
    with pytest.raises(InvalidInput):
        c.application.organizations().create(CreateOrganization(
            name="Bad", slug="bad-settings", owner_email="o@bad.test", actor=operator,
            settings={"default_currency": "XXXX"}))
    assert c.application.organizations().list(ListOrganizations(actor=operator)) == []
    with c.adapters.unit_of_work() as uow:
        assert uow.users.get_by_email("o@bad.test") is None


def test_update_merges_settings_and_audits_what_changed(c, acme, operator):
    view = c.application.organizations().update(UpdateOrganization(
        slug=acme, actor=operator, name="Acme GmbH", settings={"timezone": "Europe/Berlin"}))
    assert view.name == "Acme GmbH"
    assert view.settings["timezone"] == "Europe/Berlin"
    assert view.settings["default_currency"] == "EUR"
    assert _audit_actions(c, acme)[-1] == "org.updated"


def test_delete_is_refused_while_members_remain_and_names_them(c, acme, operator):
    members = c.application.members()
    members.add(AddMember(slug=acme, email="m@acme.test", role="member", actor=operator))
    with pytest.raises(Conflict) as caught:
        c.application.organizations().delete(DeleteOrganization(slug=acme, actor=operator))
    assert caught.value.code == "org_has_dependencies"
    assert caught.value.details["dependencies"] == {"members": 1}
    members.remove(RemoveMember(slug=acme, member="m@acme.test", actor=operator))
    deleted = c.application.organizations().delete(DeleteOrganization(slug=acme, actor=operator))
    assert deleted.status == "deleted"
    with pytest.raises(NotFound):
        c.application.organizations().get(GetOrganization(slug=acme, actor=operator))


def test_the_last_owner_can_be_neither_removed_nor_demoted(c, acme, operator):
    members = c.application.members()
    with pytest.raises(InvariantViolated):
        members.remove(RemoveMember(slug=acme, member="owner@acme.test", actor=operator))
    with pytest.raises(InvariantViolated):
        members.change_role(ChangeRole(slug=acme, member="owner@acme.test", role="admin",
                                       actor=operator))
    members.add(AddMember(slug=acme, email="second@acme.test", role="owner", actor=operator))
    members.change_role(ChangeRole(slug=acme, member="owner@acme.test", role="admin",
                                   actor=operator))
    roles = {m.email: m.role for m in members.every(acme, operator)}
    assert roles == {"owner@acme.test": "admin", "second@acme.test": "owner"}


def test_adding_someone_twice_is_a_conflict(c, acme, operator):
    with pytest.raises(Conflict):
        c.application.members().add(AddMember(slug=acme, email="OWNER@acme.test", role="member",
                                               actor=operator))


@pytest.mark.parametrize(("role", "allowed"), [
    ("owner", True), ("admin", True), ("member", False), ("viewer", False)])
def test_who_may_add_members(c, acme, operator, role, allowed):
    members = c.application.members()
    if role != "owner":
        members.add(AddMember(slug=acme, email=f"{role}@acme.test", role=role, actor=operator))
    actor = _user_actor(c, acme, f"{role}@acme.test")
    command = AddMember(slug=acme, email="new@acme.test", role="member", actor=actor)
    if allowed:
        assert members.add(command).role == "member"
    else:
        with pytest.raises(Forbidden):
            members.add(command)


@pytest.mark.parametrize("role", ["owner", "admin", "member", "viewer"])
def test_every_role_may_read_the_org(c, acme, operator, role):
    if role != "owner":
        c.application.members().add(AddMember(slug=acme, email=f"{role}@acme.test", role=role,
                                               actor=operator))
    email = "owner@acme.test" if role == "owner" else f"{role}@acme.test"
    actor = _user_actor(c, acme, email)
    assert c.application.organizations().get(GetOrganization(slug=acme, actor=actor)).slug == acme


def test_an_admin_cannot_touch_an_owner_or_make_one(c, acme, operator):
    members = c.application.members()
    members.add(AddMember(slug=acme, email="admin@acme.test", role="admin", actor=operator))
    members.add(AddMember(slug=acme, email="m@acme.test", role="member", actor=operator))
    admin = _user_actor(c, acme, "admin@acme.test")
    with pytest.raises(Forbidden):
        members.remove(RemoveMember(slug=acme, member="owner@acme.test", actor=admin))
    with pytest.raises(Forbidden):
        members.change_role(ChangeRole(slug=acme, member="m@acme.test", role="owner", actor=admin))
    with pytest.raises(Forbidden):
        c.application.organizations().delete(DeleteOrganization(slug=acme, actor=admin))
    assert members.change_role(ChangeRole(slug=acme, member="m@acme.test", role="viewer",
                                          actor=admin)).role == "viewer"


def test_a_member_of_another_org_learns_nothing(c, acme, operator):
    c.application.organizations().create(CreateOrganization(
        name="Globex", slug="globex", owner_email="owner@globex.test", actor=operator))
    outsider = _user_actor(c, "globex", "owner@globex.test")
    with pytest.raises(NotFound):
        c.application.organizations().get(GetOrganization(slug=acme, actor=outsider))
    with pytest.raises(NotFound):
        c.application.members().every(acme, outsider)


def test_only_operators_list_every_org(c, acme):
    user = Actor(type=ActorType.USER, label="owner@acme.test")
    with pytest.raises(Forbidden):
        c.application.organizations().list(ListOrganizations(actor=user))


def test_audit_verifier_reports_each_org(c, acme):
    reports = c.application.audit_verifier().verify()
    assert [(r.slug, r.entries, r.intact) for r in reports] == [("acme", 2, True)]
