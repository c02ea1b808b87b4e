"""Personal fields in the audit chain: hashed as salted digests, erasable without breaking it."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from domain.audit import (
    GENESIS_HASH,
    Actor,
    ActorType,
    AuditEntry,
    AuditEvent,
    entry_hash,
    find_broken_link,
)
from domain.audit_pii import ERASED, Person, pii_fields

ORG = uuid.uuid4()
ADA = uuid.uuid4()
T0 = datetime(2026, 1, 1, tzinfo=UTC)
ADA_EMAIL = "ada@acme.test"
ADA_ACTS = Actor(type=ActorType.USER, label=ADA_EMAIL, id=ADA)


def _chain(*events: AuditEvent) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    for i, event in enumerate(events):
        entries.append(AuditEntry.chained(event, org_id=ORG, id=uuid.uuid4(),
                                          now=T0 + timedelta(seconds=i),
                                          previous=entries[-1] if entries else None))
    return entries


def _event(action="thing.done", actor=ADA_ACTS, resource_id="r", details=None, **kwargs):
    return AuditEvent(actor=actor, action=action, resource_type="thing", resource_id=resource_id,
                      details=details or {}, **kwargs)


def _ada() -> Person:
    return Person.of(ADA, [ADA_EMAIL.upper(), ""])


def test_new_entries_hash_a_salted_digest_of_each_personal_field_never_the_value():
    [entry] = _chain(_event(details={"email": "bob@acme.test", "role": "member"},
                            ip="203.0.113.9", user_agent="curl/8"))
    assert entry.hash_version == 2
    assert set(entry.pii_salts) == {"actor_label", "ip", "user_agent", "details.email"}
    assert len({*entry.pii_salts.values()}) == 4 and all(len(s) == 32 for s in entry.pii_salts.values())
    hashed = json.dumps(entry.hashed_content(), default=str)
    for value in (ADA_EMAIL, "bob@acme.test", "203.0.113.9", "curl/8"):
        assert value not in hashed
    assert "member" in hashed and entry.recomputed_hash() == entry.hash
    assert find_broken_link([entry]) is None


def test_which_fields_are_personal_depends_on_the_action():
    assert pii_fields("user.renamed", {"actor_label": "a", "ip": None}, {"from": "A", "to": "B"}) \
        == ["actor_label", "details.from", "details.to"]
    assert pii_fields("member.role_changed", {"actor_label": "a"}, {"from": "admin"}) \
        == ["actor_label"]
    assert pii_fields("auth.login_failed", {"actor_label": "x@y.test", "resource_id": "x@y.test"}, {}) \
        == ["actor_label", "resource_id"]


def test_a_client_address_or_agent_in_the_details_is_personal_in_any_action():
    details = {"asked_from": "198.51.100.7", "user_agent": "curl/8", "ip": "192.0.2.1",
               "expires_at": "soon"}
    for action in ("auth.password_link_issued", "thing.done"):
        assert pii_fields(action, {"actor_label": None}, details) \
            == ["details.asked_from", "details.ip", "details.user_agent"]


def test_the_client_in_the_details_of_what_a_person_did_is_erased_with_them():
    [acted, other] = _chain(
        _event(resource_id="elsewhere", details={"asked_from": "198.51.100.7", "n": 1}),
        _event(actor=Actor.operator("op"), resource_id="elsewhere",
               details={"asked_from": "192.0.2.1"}))
    erased = acted.erased_for(_ada())
    assert erased.details == {"asked_from": ERASED, "n": 1} and erased.actor_label == ERASED
    assert other.erased_for(_ada()) is other  # someone else's client stays
    assert find_broken_link([erased, other]) is None


def test_a_changed_personal_value_is_still_caught():
    chain = _chain(_event(), _event())
    chain[0] = attrs.evolve(chain[0], actor_label="mallory@acme.test")
    broken = find_broken_link(chain)
    assert (broken.seq, broken.reason) == (1, "its content does not match its hash")


def test_erasing_keeps_the_chain_and_forgets_the_salt():
    chain = _chain(_event(ip="203.0.113.9"), _event(actor=Actor.operator("op"),
                                                    details={"email": ADA_EMAIL, "n": 1}))
    erased = [entry.erased_for(_ada()) for entry in chain]
    assert erased[0].actor_label == ERASED and erased[0].ip == ERASED
    assert set(erased[0].erased) == {"actor_label", "ip"} and erased[0].pii_salts == {}
    assert erased[1].details == {"email": ERASED, "n": 1} and erased[1].actor_label == "op"
    assert find_broken_link(erased) is None
    assert [e.hash for e in erased] == [e.hash for e in chain]
    assert erased[1].erased_for(_ada()) is erased[1]  # again: nothing left to erase


@pytest.mark.parametrize("forge", [
    lambda e: attrs.evolve(e, actor_label=ERASED),  # a marker with the salt still there
    lambda e: attrs.evolve(e.erase(["actor_label"]), erased={"actor_label": "0" * 64}),
    lambda e: attrs.evolve(e.erase(["actor_label"]), pii_salts={}, erased={}),  # not personal
])
def test_a_forged_erasure_breaks_the_hash(forge):
    [entry] = _chain(_event())
    assert find_broken_link([forge(entry)]).reason == "its content does not match its hash"


@pytest.mark.parametrize(("forge", "reason"), [
    (lambda e: attrs.evolve(e.erase(["actor_label"]), actor_label="eve@acme.test"),
     "its erased field 'actor_label' holds a value"),
    (lambda e: attrs.evolve(e, erased={"actor_label": "0" * 64}),
     "a field is both salted and erased"),
    (lambda e: attrs.evolve(e, pii_salts={**e.pii_salts, "details.email": "00" * 16}),
     "it has no field 'details.email' to digest"),
    (lambda e: attrs.evolve(e, pii_salts={**e.pii_salts, "nickname": "00" * 16}),
     "it has no field 'nickname' to digest"),
    (lambda e: attrs.evolve(e, hash_version=3), "its hash version 3 is unknown"),
    (lambda e: attrs.evolve(e, hash_version=1), "a version 1 entry has no digested fields"),
])
def test_an_erasure_record_that_cannot_be_right_is_named(forge, reason):
    [entry] = _chain(_event())
    assert find_broken_link([forge(entry)]).reason == reason


def _version_1(event: AuditEvent) -> AuditEntry:
    """An entry as written before 0019: its hash covers the values themselves."""
    entry = attrs.evolve(_chain(event)[0], hash_version=1, pii_salts={}, erased={})
    return attrs.evolve(entry, hash=entry_hash(entry.content()))


def test_a_version_1_entry_verifies_and_keeps_its_values():
    entry = _version_1(_event(details={"email": ADA_EMAIL}))
    assert entry.prev_hash == GENESIS_HASH and find_broken_link([entry]) is None
    assert entry.erased_for(_ada()) is entry and entry.keeps_data_of(_ada())
    assert not _version_1(_event(actor=Actor.operator("op"))).keeps_data_of(_ada())
    assert not _chain(_event())[0].keeps_data_of(_ada())  # version 2: erasable, not kept


@pytest.mark.parametrize(("event", "erased"), [
    (_event(ip="198.51.100.1", user_agent="ua"), ["actor_label", "ip", "user_agent"]),
    (_event(actor=Actor(type=ActorType.USER, label=ADA_EMAIL), action="auth.login_failed",
            resource_id=ADA_EMAIL), ["actor_label", "resource_id"]),
    (_event(actor=Actor(type=ActorType.USER, label=str(ADA), id=ADA)), []),
    (_event(actor=Actor.operator("op"), action="user.renamed", resource_id=str(ADA),
            details={"from": "Ada", "to": "Ada L."}), ["details.from", "details.to"]),
    (_event(actor=Actor.operator("op"), details={"user_id": str(ADA), "email": "old@x.test"}),
     ["details.email"]),
    (_event(actor=Actor.operator("op"), details={"email": ADA_EMAIL.title()}), ["details.email"]),
    (_event(actor=Actor.operator("op"), details={"email": "bob@acme.test"}), []),
    (_event(actor=Actor.operator("op"), action="member.role_changed", resource_id=str(ADA),
            details={"from": "admin", "to": "member"}), []),
])
def test_what_an_erasure_takes_of_an_entry(event, erased):
    [entry] = _chain(event)
    assert sorted(entry.erased_for(_ada()).erased) == erased
