"""Erasure and retention against what PostgreSQL lets through: the app role writes no
checkpoint, a checkpoint changed or made up and a deletion past one are named, entries written
before 0019 keep their values, and the downgrade will not strand digested chains."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from adapters.postgres.maintenance import maintenance
from adapters.postgres.migrator import Migrator
from adapters.system import FrozenClock
from application.members import AddMember
from application.organizations import CreateOrganization
from domain.audit import ActorType, entry_hash

pytestmark = pytest.mark.postgres


@pytest.fixture
def pruned(pg_container, operator, unique_slug):
    """An org whose oldest entries were pruned: (org, its checkpoint's seq)."""
    pg_container.adapters.clock.override(FrozenClock(datetime.now(UTC) - timedelta(days=800)))
    try:
        org = pg_container.application.organizations().create(CreateOrganization(
            name="Pruned", slug=unique_slug("pruned"), owner_email=f"o@{unique_slug()}.test",
            actor=operator))
        for n in range(3):
            pg_container.application.members().add(AddMember(
                slug=org.slug, email=f"m{n}@{org.slug}.test", role="member", actor=operator))
    finally:
        pg_container.adapters.clock.reset_override()
    pg_container.application.members().add(AddMember(
        slug=org.slug, email=f"late@{org.slug}.test", role="member", actor=operator))
    [done] = pg_container.application.audit_retention().prune(org.slug, operator)
    assert done.removed == 5
    return org, done.checkpoint_seq


def _verify(pg_container, slug):
    [report] = pg_container.application.audit_verifier().verify(slug)
    return report


def test_the_app_role_writes_no_checkpoint(app_engine, pruned):
    org, _ = pruned
    with app_engine.begin() as conn:
        conn.execute(text(f"SET LOCAL app.org_id = '{org.id}'"))
        assert conn.execute(text("SELECT count(*) FROM audit_checkpoints")).scalar() == 1
        with pytest.raises(DBAPIError, match="permission denied"):
            conn.execute(text("UPDATE audit_checkpoints SET seq = 1"))


@pytest.mark.parametrize(("change", "reason"), [
    ("UPDATE audit_checkpoints SET hash = repeat('0', 64) WHERE org_id = :o",
     "not signed with this server's key"),
    ("UPDATE audit_checkpoints SET removed = 1 WHERE org_id = :o",
     "not signed with this server's key"),
    ("DELETE FROM audit_entries WHERE org_id = :o AND seq = :seq + 1", "is missing"),
    ("UPDATE audit_checkpoints SET seq = seq + 1, hash = (SELECT hash FROM audit_entries "
     "WHERE org_id = :o AND seq = :seq + 1) WHERE org_id = :o; "
     "DELETE FROM audit_entries WHERE org_id = :o AND seq = :seq + 1",
     "not signed with this server's key"),  # an entry removed, and a checkpoint made up for it
])
def test_a_changed_checkpoint_or_an_entry_removed_past_it_is_named(
        pg_container, owner_engine, pruned, change, reason):
    org, seq = pruned
    assert _verify(pg_container, org.slug).intact
    with maintenance(owner_engine, org.id) as conn:
        for statement in change.split("; "):
            conn.execute(text(statement), {"o": org.id, "seq": seq})
    report = _verify(pg_container, org.slug)
    assert not report.intact and reason in report.broken.reason


def test_entries_written_before_0019_keep_their_values(pg_container, owner_engine, operator,
                                                       unique_slug):
    slug = unique_slug("old")
    org = pg_container.application.organizations().create(CreateOrganization(
        name="Old", slug=slug, owner_email=f"o@{slug}.test", actor=operator))
    pg_container.application.members().add(AddMember(
        slug=slug, email=f"vic@{slug}.test", role="member", actor=operator))
    with pg_container.adapters.unit_of_work() as uow:
        uow.bind(org.id)
        head = list(uow.audit.entries(org.id))[-1]
    old = attrs.evolve(head, id=uuid.uuid4(), seq=head.seq + 1, prev_hash=head.hash,
                       hash_version=1, pii_salts={}, erased={}, actor_type=ActorType.USER,
                       actor_id=None, actor_label="someone", action="invitation.created",
                       details={"email": f"vic@{slug}.test"}, ip=None, user_agent=None)
    old = attrs.evolve(old, hash=entry_hash(old.content()))
    with maintenance(owner_engine, org.id) as conn:  # as the code before 0019 wrote it
        conn.execute(text(
            "INSERT INTO audit_entries (org_id, id, seq, actor_type, actor_label, action, "
            "resource_type, resource_id, details, created_at, prev_hash, hash) VALUES (:org_id, "
            ":id, :seq, 'user', :actor_label, :action, :resource_type, :resource_id, "
            "CAST(:details AS jsonb), :created_at, :prev_hash, :hash)"),
            {k: getattr(old, k) for k in (
                "org_id", "id", "seq", "actor_label", "action", "resource_type", "resource_id",
                "created_at", "prev_hash", "hash")} | {"details": json.dumps(old.details)})

    done = pg_container.application.erasure().erase(f"vic@{slug}.test", operator)

    assert (done.entries_erased, done.entries_kept) == (1, 1)
    assert _verify(pg_container, slug).intact


def test_the_downgrade_keeps_digested_chains_verifiable(fresh_database):
    urls = fresh_database()
    migrator = Migrator(urls.owner_url)
    migrator.upgrade()
    engine = create_engine(urls.owner_url)
    org_id = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO org (id, name, slug) VALUES (:o, 'X', 'x')"), {"o": org_id})
        conn.execute(text(f"SET LOCAL app.org_id = '{org_id}'"))
        conn.execute(text(
            "INSERT INTO audit_entries (org_id, id, seq, actor_type, actor_label, action, "
            "resource_type, resource_id, prev_hash, hash, hash_version) VALUES "
            "(:o, gen_random_uuid(), 1, 'system', 's', 'a', 't', 'r', 'p', 'h', 2)"), {"o": org_id})
    engine.dispose()
    with pytest.raises(RuntimeError, match="hash version 2"):
        migrator.downgrade("0018")
    assert migrator.current() == migrator.head()
