import uuid
from datetime import UTC, datetime, timedelta

import attrs

from domain.audit import GENESIS_HASH, Actor, AuditEntry, AuditEvent, find_broken_link

ORG = uuid.uuid4()
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _chain(length: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    for i in range(length):
        event = AuditEvent(actor=Actor.operator("op"), action=f"thing.{i}", resource_type="thing",
                           resource_id=str(i), details={"n": i, "nested": {"k": [1, 2]}})
        entries.append(AuditEntry.chained(event, org_id=ORG, id=uuid.uuid4(),
                                          now=T0 + timedelta(seconds=i),
                                          previous=entries[-1] if entries else None))
    return entries


def test_a_chain_links_each_entry_to_its_predecessor():
    chain = _chain(3)
    assert chain[0].prev_hash == GENESIS_HASH
    assert [e.seq for e in chain] == [1, 2, 3]
    assert chain[2].prev_hash == chain[1].hash
    assert find_broken_link(chain) is None


def test_changed_content_is_named():
    chain = _chain(4)
    chain[2] = attrs.evolve(chain[2], details={"n": 99})
    broken = find_broken_link(chain)
    assert broken.seq == 3 and broken.entry_id == chain[2].id


def test_a_removed_entry_is_named():
    chain = _chain(4)
    del chain[1]
    assert find_broken_link(chain).seq == 2


def test_a_rehashed_forgery_still_breaks_the_next_link():
    chain = _chain(3)
    forged = attrs.evolve(chain[1], action="nothing.happened")
    chain[1] = attrs.evolve(forged, hash=forged.recomputed_hash())
    broken = find_broken_link(chain)
    assert broken.seq == 3 and "prev_hash" in broken.reason


def test_the_hash_does_not_depend_on_the_timezone_of_the_timestamp():
    entry = _chain(1)[0]
    shifted = attrs.evolve(entry, created_at=entry.created_at.astimezone(
        datetime.now().astimezone().tzinfo))
    assert shifted.recomputed_hash() == entry.hash
