"""An operator erases a person, on both backends: from every org's log (their old address too),
never an org's last owner, and an erasure cut short is finished by running it again."""

from __future__ import annotations

import pytest
from dependency_injector import providers

from application.invitations import Invite
from application.members import AddMember
from application.organizations import CreateOrganization
from application.users import SetUserStatus
from domain.audit import Actor, ActorType, AuditEvent
from domain.errors import Conflict, NotFound
from domain.user import erased_address


@pytest.fixture
def world(any_container, operator, unique_slug):
    """Ada owns `home`, where Vic (once old-vic@…) is a member; Bob owns `away`, which invited
    Vic's old address: (container, home slug, away slug, Vic's address, his old one)."""
    home, away = unique_slug("home"), unique_slug("away")
    vic, old = f"vic@{home}.test", f"old-vic@{home}.test"
    orgs, members = any_container.application.organizations(), any_container.application.members()
    for slug, owner in ((home, f"ada@{home}.test"), (away, f"bob@{away}.test")):
        orgs.create(CreateOrganization(name=slug, slug=slug, owner_email=owner, actor=operator))
    added = members.add(AddMember(slug=home, email=vic, role="member", actor=operator))
    any_container.application.invitations().invite(Invite(slug=away, email=old, role="viewer",
                                                          actor=operator))
    with any_container.adapters.unit_of_work() as uow:
        uow.bind(added.org_id)
        uow.audit.append(added.org_id, AuditEvent(
            actor=Actor(type=ActorType.USER, label=vic, id=added.user_id),
            action="user.email_changed", resource_type="user", resource_id=str(added.user_id),
            details={"from": old, "to": vic}, ip="203.0.113.7"))
        uow.commit()
    return any_container, home, away, vic, old


def _log(container, slug) -> str:
    with container.adapters.unit_of_work() as uow:
        org = uow.orgs.get_by_slug(slug)
        uow.bind(org.id)
        return repr(list(uow.audit.entries(org.id)))


def _intact(container, *slugs) -> bool:
    verifier = container.application.audit_verifier()
    return all(verifier.verify(slug)[0].intact for slug in slugs)


def test_an_operator_erases_a_person_from_every_org(world, operator):
    container, home, away, vic, old = world

    done = container.application.erasure().erase(vic, operator)

    assert done.orgs == sorted([home, away])
    assert (done.memberships_ended, done.invitations_erased, done.entries_kept) == (1, 1, 0)
    assert done.entries_erased == 3  # added, moved to another address, invited
    for slug in (home, away):
        assert vic not in _log(container, slug) and old not in _log(container, slug)
        assert "user.erased" in _log(container, slug)
    assert _intact(container, home, away)
    with container.adapters.unit_of_work() as uow:
        user = uow.users.get(done.user_id)
    assert (user.email, user.full_name, user.password_hash) == (erased_address(user.id), "", None)
    with pytest.raises(NotFound):
        container.application.erasure().erase(vic, operator)
    with pytest.raises(NotFound):
        container.application.erasure().erase(user.email, operator)
    with pytest.raises(Conflict) as taken:  # nobody adds an erased account to an org
        container.application.members().add(AddMember(slug=away, email=user.email,
                                                      role="member", actor=operator))
    assert taken.value.code == "user_erased"


def test_an_org_keeps_its_last_owner(world, operator):
    container, home, _, _, _ = world
    with pytest.raises(Conflict) as refused:
        container.application.erasure().erase(f"ada@{home}.test", operator)
    assert refused.value.code == "sole_owner" and refused.value.details["orgs"] == [home]


class _CutShort:
    """The owner's path fails once, after the account was ended."""

    def __init__(self, eraser) -> None:
        self._eraser = eraser

    def erase_global(self, person):
        return self._eraser.erase_global(person)

    def erase_in_orgs(self, org_ids, person, now):
        raise OSError("the database went away")


def test_an_erasure_cut_short_is_finished_by_running_it_again(world, operator):
    container, home, _, vic, _ = world
    container.adapters.person_eraser.override(providers.Object(
        _CutShort(container.adapters.person_eraser())))
    try:
        with pytest.raises(OSError):
            container.application.erasure().erase(vic, operator)
    finally:
        container.adapters.person_eraser.reset_override()
    with pytest.raises(NotFound):  # erased: nobody to act on, but not yet anonymised
        container.application.users().set_status(SetUserStatus(email=vic, status="disabled",
                                                                actor=operator))

    done = container.application.erasure().erase(vic, operator)

    assert done.memberships_ended == 0 and done.entries_erased >= 3
    assert vic not in _log(container, home)
    assert _log(container, home).count("'user.erased'") == 1
    assert _intact(container, home)
