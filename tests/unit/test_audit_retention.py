"""A chain cut by retention verifies from its checkpoint; a person's erasure is final."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.audit import Actor, AuditEntry, AuditEvent, ChainDigest, check_against_digest, find_broken_link
from domain.audit_retention import AuditCheckpoint, checkpoint_for, expired_before
from domain.errors import Conflict
from domain.user import User, UserStatus, erased_address

ORG = uuid.uuid4()
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _chain(length: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    for i in range(length):
        event = AuditEvent(actor=Actor.operator("op"), action="thing.done", resource_type="t",
                           resource_id=str(i))
        entries.append(AuditEntry.chained(event, org_id=ORG, id=uuid.uuid4(),
                                          now=T0 + timedelta(days=i),
                                          previous=entries[-1] if entries else None))
    return entries


def _cut(chain: list[AuditEntry], through: int) -> tuple[list[AuditEntry], AuditCheckpoint]:
    last = chain[through - 1]
    return chain[through:], AuditCheckpoint(org_id=ORG, id=uuid.uuid4(), seq=last.seq,
                                            hash=last.hash, removed=through, created_at=T0)


def test_a_pruned_chain_verifies_from_its_checkpoint_and_not_without():
    rest, checkpoint = _cut(_chain(5), 3)
    assert find_broken_link(rest, checkpoint) is None
    assert find_broken_link(rest).reason == "entry #1 is missing (found #4 next)"


def test_a_changed_checkpoint_or_a_deletion_past_it_is_named():
    rest, checkpoint = _cut(_chain(5), 3)
    other = AuditCheckpoint(org_id=ORG, id=checkpoint.id, seq=3, hash="0" * 64, removed=3,
                            created_at=T0)
    assert "prev_hash" in find_broken_link(rest, other).reason
    assert find_broken_link(rest[1:], checkpoint).reason == "entry #4 is missing (found #5 next)"
    assert find_broken_link([], checkpoint).reason == (
        "entry #4 is missing (the chain ends at its checkpoint #3)")


def test_the_checkpoint_a_chain_starts_from():
    older = AuditCheckpoint(org_id=ORG, id=uuid.uuid4(), seq=2, hash="a", removed=2, created_at=T0)
    newer = AuditCheckpoint(org_id=ORG, id=uuid.uuid4(), seq=7, hash="b", removed=5, created_at=T0)
    assert checkpoint_for(3, [newer, older]) is older
    assert checkpoint_for(8, [older, newer]) is newer
    assert checkpoint_for(5, [older, newer]) is None
    assert checkpoint_for(None, [newer, older]) is newer
    assert checkpoint_for(None, []) is None


def test_the_message_a_checkpoint_is_signed_over_does_not_depend_on_the_time_zone():
    _, checkpoint = _cut(_chain(2), 1)
    shifted = AuditCheckpoint(**{**{f: getattr(checkpoint, f) for f in (
        "org_id", "id", "seq", "hash", "removed")}, "created_at": T0.astimezone(
        datetime.now().astimezone().tzinfo)})
    assert shifted.message() == checkpoint.message()
    assert checkpoint.message().startswith(b"checkpoint|")


def test_a_digest_of_a_pruned_entry_is_vouched_for_by_the_checkpoint():
    chain = _chain(5)
    rest, checkpoint = _cut(chain, 3)
    seen = [ChainDigest(org_id=ORG, seq=e.seq, hash=e.hash, made_at=T0) for e in chain]
    assert check_against_digest(rest, seen[1], checkpoint) is None  # removed before the cut
    assert check_against_digest(rest, seen[2], checkpoint) is None  # the cut itself
    assert check_against_digest(rest, seen[4], checkpoint) is None
    forged = ChainDigest(org_id=ORG, seq=3, hash="f" * 64, made_at=T0)
    assert check_against_digest(rest, forged, checkpoint).reason.startswith("recomputed")


def test_retention_in_days():
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert expired_before(now, 30) == now - timedelta(days=30)
    assert expired_before(now, None) is None


def test_an_erased_person_has_no_way_in_then_no_profile():
    user = User.create(id=uuid.uuid4(), email="Ada@Acme.test", full_name="Ada", now=T0)
    user.set_password("h$1", T0)
    with pytest.raises(Conflict):
        user.anonymise(T0)
    with pytest.raises(Conflict):
        user.set_status(UserStatus.ERASED, T0)
    user.begin_erasure(T0)
    assert user.erased and user.password_hash is None and not user.anonymised
    user.anonymise(T0)
    assert user.email == erased_address(user.id) and user.full_name == "" and user.anonymised
    assert user.email.endswith("@erased.invalid")
    with pytest.raises(Conflict):
        user.set_status(UserStatus.ACTIVE, T0)
