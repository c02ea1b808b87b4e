"""The in-memory store: a unit of work costs what it touches, and stays fully isolated.

Kept whole (a little over 200 lines): cost, isolation and commit are one story about one class."""

import copy
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory.jobs import InlineJobs
from adapters.memory.store import MemoryStore, Tables, TransactionClosed
from adapters.memory.unit_of_work import MemoryUnitOfWork
from adapters.system import SystemClock, Uuid7Generator
from domain.api_key import ApiKey
from domain.audit import Actor, AuditEvent
from domain.member import Member, Role
from domain.organization import Organization

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MANY = 10_000


def _org(n: int) -> Organization:
    return Organization(id=uuid.uuid4(), name=f"Org {n}", slug=f"org-{n}", created_at=NOW,
                        updated_at=NOW, settings={"nested": {"n": [n]}})


def _uow(store: MemoryStore) -> MemoryUnitOfWork:
    return MemoryUnitOfWork(store, SystemClock(), Uuid7Generator(), InlineJobs(dict).within)


@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore()
    orgs = [_org(n) for n in range(MANY)]
    store.committed = Tables(orgs={o.id: o for o in orgs})
    return store


@pytest.fixture
def org_copies(monkeypatch) -> list:
    """Every Organization that copy.deepcopy is asked to copy, as it is asked."""
    copied: list = []
    deepcopy = copy.deepcopy

    def counting(value, memo=None, _nil=[]):  # noqa: B006 - copy.deepcopy's own signature
        if isinstance(value, Organization):
            copied.append(value)
        return deepcopy(value, memo, _nil)

    monkeypatch.setattr(copy, "deepcopy", counting)
    return copied


def _some(store: MemoryStore, n: int = 0) -> Organization:
    return list(store.committed.orgs.values())[n]


def test_a_unit_of_work_on_one_org_copies_that_org_only(store, org_copies):
    target, untouched = _some(store, 0), _some(store, 1)
    before = store.committed
    with _uow(store) as uow:
        org = uow.orgs.get(target.id)
        assert uow.orgs.get_by_slug(untouched.slug).id == untouched.id  # a scan, one copy out
        org.rename("Renamed", NOW + timedelta(seconds=1))
        uow.orgs.update(org)
        uow.commit()
    # The one org read, the one found by the scan, the one published: never the other 9,998.
    assert len(org_copies) <= 3
    assert {o.id for o in org_copies} <= {target.id, untouched.id}
    after = store.committed
    assert after.orgs is not before.orgs and after.orgs[target.id].name == "Renamed"
    assert after.orgs[untouched.id] is before.orgs[untouched.id]  # rows shared, not copied
    for name in ("users", "members", "audit", "sessions", "api_keys", "invitations"):
        assert getattr(after, name) is getattr(before, name), name  # untouched tables kept


def test_reading_copies_only_what_is_handed_out_and_publishes_nothing(store, org_copies):
    before = store.committed
    wanted = _some(store, 5)
    with _uow(store) as uow:
        assert uow.orgs.get_by_slug(wanted.slug.upper()).id == wanted.id
        assert uow.orgs.get(uuid.uuid4()) is None
        uow.commit()
    assert [o.id for o in org_copies] == [wanted.id]
    assert store.committed.orgs is before.orgs


def test_a_rollback_after_changes_in_place_leaves_the_committed_state_as_it_was(store):
    target = _some(store)
    committed = copy.deepcopy(target)
    with pytest.raises(RuntimeError), _uow(store) as uow:
        org = uow.orgs.get(target.id)
        org.rename("Changed in place", NOW)
        org.settings["nested"]["n"].append("mutated deep inside")
        uow.orgs.update(org)
        assert uow.orgs.get(target.id).name == "Changed in place"  # its own write, seen
        raise RuntimeError("the use case fails after the update")
    with _uow(store) as uow:
        org = uow.orgs.get(target.id)
        org.rename("Changed in place, never updated, never committed", NOW)
    assert store.committed.orgs[target.id] == committed
    with _uow(store) as uow:
        assert uow.orgs.get(target.id) == committed


def test_entities_inside_grants_are_copies_too(store):
    org = _some(store)
    key = ApiKey(org_id=org.id, id=uuid.uuid4(), name="ci", prefix="gw_abc", secret_hash="h",
                 created_by=None, created_at=NOW, updated_at=NOW)
    with _uow(store) as uow:
        uow.bind(org.id)
        uow.api_keys.add(key)
        uow.commit()
    with _uow(store) as uow:
        uow.bind(org.id)
        grant = uow.principals.of_api_key(org.id, "gw_abc")
        grant.key.record_use(NOW + timedelta(hours=1), resolution=timedelta(minutes=1))
        grant.org.rename("Renamed through a grant", NOW)
        assert uow.api_keys.get(org.id, key.id) is grant.key  # one row per transaction
    assert store.committed.api_keys[(org.id, key.id)].last_used_at is None
    assert store.committed.orgs[org.id].name == org.name


def test_removal_and_mass_revocation_are_rolled_back_too(store):
    org = _some(store)
    inviter = Member(org_id=org.id, id=uuid.uuid4(), user_id=uuid.uuid4(), role=Role.OWNER,
                     created_at=NOW, updated_at=NOW)
    invited = Member(org_id=org.id, id=uuid.uuid4(), user_id=uuid.uuid4(), role=Role.MEMBER,
                     created_at=NOW, updated_at=NOW, invited_by=inviter.id)
    with _uow(store) as uow:
        uow.bind(org.id)
        uow.members.add(inviter)
        uow.members.add(invited)
        uow.commit()
    with _uow(store) as uow:
        uow.bind(org.id)
        uow.members.remove(org.id, inviter.id)
        assert uow.members.get(org.id, invited.id).invited_by is None
    with _uow(store) as uow:
        uow.bind(org.id)
        stored = {m: uow.members.get(org.id, m) for m in (inviter.id, invited.id)}
    assert stored == {inviter.id: inviter, invited.id: invited}
    assert stored[invited.id].invited_by == inviter.id


def test_an_audit_append_copies_the_one_chain_it_extends(store):
    a, b = _some(store, 0), _some(store, 1)
    event = AuditEvent(actor=Actor.operator("op"), action="thing.done", resource_type="thing",
                       resource_id="1")
    for org in (a, b):
        with _uow(store) as uow:
            uow.bind(org.id)
            uow.audit.append(org.id, event)
            uow.commit()
    chain_a, chain_b = store.committed.audit[a.id], store.committed.audit[b.id]
    with _uow(store) as uow:
        uow.bind(a.id)
        uow.audit.append(a.id, event)
    assert store.committed.audit[a.id] is chain_a and len(chain_a) == 1  # rolled back
    with _uow(store) as uow:
        uow.bind(a.id)
        uow.audit.append(a.id, event)
        uow.commit()
    assert [e.seq for e in store.committed.audit[a.id]] == [1, 2] and len(chain_a) == 1
    assert store.committed.audit[b.id] is chain_b


def test_nothing_is_visible_before_commit_and_transactions_are_serialised(store):
    new = _org(MANY)
    others_may_start = []

    def another_transaction_tries_to_start():
        acquired = store.lock.acquire(blocking=False)
        others_may_start.append(acquired)
        if acquired:
            store.lock.release()

    with _uow(store) as uow:
        uow.orgs.add(new)
        assert uow.orgs.get_by_slug(new.slug).id == new.id
        assert new.id not in store.committed.orgs
        probe = threading.Thread(target=another_transaction_tries_to_start)
        probe.start()
        probe.join()
        uow.commit()
        assert new.id in store.committed.orgs
    probe = threading.Thread(target=another_transaction_tries_to_start)
    probe.start()
    probe.join()
    assert others_may_start == [False, True]
    with _uow(store) as uow:
        assert uow.orgs.get(new.id) == new
        assert len(uow.orgs.list()) == MANY + 1


def test_what_commit_publishes_is_no_longer_the_callers_object(store):
    new = _org(MANY)
    with _uow(store) as uow:
        uow.orgs.add(new)
        uow.commit()
    new.rename("Changed after the commit", NOW)
    assert store.committed.orgs[new.id].name == f"Org {MANY}"


def test_a_unit_of_work_that_has_ended_refuses_writes(store):
    with _uow(store) as uow:
        uow.commit()
    with pytest.raises(TransactionClosed):
        uow.orgs.add(_org(MANY))
    assert uow.orgs.get(_some(store).id) is not None  # reading still works
