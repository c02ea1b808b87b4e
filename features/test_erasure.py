"""Steps for erasure.feature: the HTTP API on PostgreSQL with a clock of its own, an operator
through the use cases the CLI runs, and an insider with the owner's password."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytest_bdd import given, scenarios, then, when
from sqlalchemy import text

from adapters.postgres.maintenance import maintenance
from application.invitations import Invite
from application.members import AddMember, ChangeRole
from application.organizations import CreateOrganization
from features.api_world import ApiWorld, world_with_a_clock
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password

scenarios("erasure.feature")


@pytest.fixture
def world(pg_urls, unique_slug):
    with world_with_a_clock(ApiWorld, pg_urls, unique_slug("acme")) as world:
        world.answers = [world.org.replace("acme", "globex")]
        yield world


def _log(world, slug: str) -> list:
    with world.container.adapters.unit_of_work() as uow:
        org = uow.orgs.get_by_slug(slug)
        uow.bind(org.id)
        return list(uow.audit.entries(org.id))


@given("Ada owns acme, where Vic is a member, and both are signed in")
def acme(world, operator):
    world.container.application.organizations().create(CreateOrganization(
        name="Acme", slug=world.org, owner_email=world.email("Ada"), actor=operator))
    world.container.application.members().add(AddMember(
        slug=world.org, email=world.email("Vic"), role="member", actor=operator))
    for who in ("Ada", "Vic"):
        _set_password(world.container, world.email(who))
        world.sign_in(who)
        world.tokens[f"{who} refresh"] = world.client.post("/api/v1/auth/login", json={
            "email": world.email(who), "password": PASSWORD}).json["refresh_token"]


@when("Vic deletes his account with his password")
def vic_deletes(world):
    assert world.call("Vic", "delete", "/me", json={"password": PASSWORD}).status_code == 202


@when("the operator's daily erasure run has passed")
def daily_run(world, operator):
    world.container.application.erasure().finish_pending(operator)


@when("Ada deletes her account with her password")
def ada_deletes(world):
    world.call("Ada", "delete", "/me", json={"password": PASSWORD})


@then("his session, his refresh token and his password no longer work")
def nothing_works(world):
    assert world.call("Vic", "get", "/me").status_code == 401
    assert world.client.post("/api/v1/auth/refresh", json={
        "refresh_token": world.tokens["Vic refresh"]}).status_code == 401
    assert world.client.post("/api/v1/auth/login", json={
        "email": world.email("Vic"), "password": PASSWORD}).status_code == 401


@then("acme's audit log no longer holds his address, and says he was erased")
def log_erased(world):
    entries = _log(world, world.org)
    assert world.email("Vic") not in repr(entries)
    assert entries[-1].action == "user.erased"


@then("every audit chain still verifies")
def chains_verify(world):
    verifier = world.container.application.audit_verifier()
    with world.container.adapters.unit_of_work() as uow:
        slugs = [s for s in (world.org, world.answers[0]) if uow.orgs.get_by_slug(s)]
    for slug in slugs:  # the scenario's: the session's database holds others' on purpose
        [report] = verifier.verify(slug)
        assert report.intact, report


@then("she is told that acme has no other owner")
def no_other_owner(world):
    answer = world.response
    assert answer.status_code == 409 and answer.content_type == "application/problem+json"
    assert answer.json["code"] == "sole_owner" and answer.json["orgs"] == [world.org]


@then("her session still works")
def still_works(world):
    assert world.call("Ada", "get", "/me").status_code == 200


@given("globex invited Vic")
def globex_invites(world, operator):
    globex = world.answers[0]
    world.container.application.organizations().create(CreateOrganization(
        name="Globex", slug=globex, owner_email=f"gus@{globex}.test", actor=operator))
    world.container.application.invitations().invite(Invite(
        slug=globex, email=world.email("Vic"), role="viewer", actor=operator))


@when("an operator erases Vic")
def operator_erases(world, operator):
    world.container.application.erasure().erase(world.email("Vic"), operator)


@then("neither acme's nor globex's audit log holds his address")
def nowhere(world):
    for slug in (world.org, world.answers[0]):
        assert world.email("Vic") not in repr(_log(world, slug))


@given("acme keeps its audit entries for 30 days")
def thirty_days(world, operator):
    world.container.application.quotas().override(world.org, "audit_retention_days", 30,
                                                  operator)


@given("31 days later Vic became a viewer")
def later(world, operator):
    world.container.adapters.clock().advance(timedelta(days=31))
    world.container.application.members().change_role(ChangeRole(
        slug=world.org, member=world.email("Vic"), role="viewer", actor=operator))


@when("an operator prunes the audit logs")
@given("an operator has pruned the audit logs")
def prunes(world, operator):
    [pruned] = world.container.application.audit_retention().prune(world.org, operator)
    assert pruned.removed > 0
    world.answers.append(pruned)


@then("acme's log starts after a checkpoint where its oldest entries were")
def starts_after(world):
    pruned = world.answers[-1]
    entries = _log(world, world.org)
    assert entries[0].seq == pruned.checkpoint_seq + 1
    assert [e.action for e in entries] == ["member.role_changed", "audit.pruned"]


@when("someone with the owner's password removes an entry and moves the checkpoint over it")
def insider(world):
    seq = world.answers[-1].checkpoint_seq
    with world.container.adapters.unit_of_work() as uow:
        org_id = uow.orgs.get_by_slug(world.org).id
    with maintenance(world.container.adapters.owner_engine(), org_id) as conn:
        conn.execute(text("UPDATE audit_checkpoints SET seq = seq + 1, hash = (SELECT hash FROM "
                          "audit_entries WHERE org_id = :o AND seq = :s + 1) WHERE org_id = :o"),
                     {"o": org_id, "s": seq})
        conn.execute(text("DELETE FROM audit_entries WHERE org_id = :o AND seq = :s + 1"),
                     {"o": org_id, "s": seq})


@then("verifying acme's audit chain names a checkpoint this server did not sign")
def not_signed(world):
    [report] = world.container.application.audit_verifier().verify(world.org)
    assert not report.intact and "not signed with this server's key" in report.broken.reason
