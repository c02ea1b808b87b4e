"""The audit trail on PostgreSQL: written with its change, append-only, tamper-evident."""

import threading

import attrs
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from adapters.postgres.maintenance import maintenance
from application.members import AddMember
from application.organizations import CreateOrganization
from domain.audit import AuditEvent
from domain.errors import Conflict, InvalidInput

pytestmark = pytest.mark.postgres


@pytest.fixture
def org(pg_container, operator, unique_slug):
    return pg_container.application.organizations().create(CreateOrganization(
        name="Audited", slug=unique_slug("audit"), owner_email=f"{unique_slug()}@a.test",
        actor=operator))


def _actions(admin_engine, org_id):
    with admin_engine.connect() as conn:
        return list(conn.execute(text(
            "SELECT action FROM audit_entries WHERE org_id = :o ORDER BY seq"), {"o": org_id}).scalars())


def test_an_entry_is_committed_with_its_change(pg_container, admin_engine, operator, org):
    pg_container.application.members().add(AddMember(slug=org.slug, email="n@a.test",
                                                     role="viewer", actor=operator))
    assert _actions(admin_engine, org.id) == ["org.created", "member.added", "member.added"]


def test_an_entry_is_rolled_back_with_its_failed_change(pg_container, admin_engine, operator, org):
    members = pg_container.application.members()
    members.add(AddMember(slug=org.slug, email="dup@a.test", role="viewer", actor=operator))
    before = _actions(admin_engine, org.id)
    with pytest.raises(Conflict):
        members.add(AddMember(slug=org.slug, email="dup@a.test", role="viewer", actor=operator))
    assert _actions(admin_engine, org.id) == before
    uow_factory = pg_container.adapters.unit_of_work
    with uow_factory() as uow:
        uow.bind(org.id)
        uow.audit.append(org.id, AuditEvent(actor=operator, action="never.committed",
                                            resource_type="x", resource_id="1"))
    assert "never.committed" not in _actions(admin_engine, org.id)


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET action = 'forged'",
    "DELETE FROM audit_entries",
    "TRUNCATE audit_entries",
])
def test_the_app_role_cannot_rewrite_history(app_engine, org, statement):
    with app_engine.begin() as conn:
        conn.execute(text(f"SET LOCAL app.org_id = '{org.id}'"))
        with pytest.raises(DBAPIError, match="permission denied"):
            conn.execute(text(statement))


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET action = 'forged' WHERE org_id = :o",
    "DELETE FROM audit_entries WHERE org_id = :o",
])
def test_even_the_owner_is_stopped_by_the_trigger(owner_engine, org, statement):
    with owner_engine.begin() as conn, pytest.raises(DBAPIError, match="append-only"):
        conn.execute(text(f"SET LOCAL app.org_id = '{org.id}'"))  # an owner that is no superuser
        conn.execute(text(statement), {"o": org.id})


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET action = 'forged'",
    "DELETE FROM audit_entries",
])
def test_the_maintenance_flag_gives_the_app_role_nothing(app_engine, org, statement):
    with app_engine.begin() as conn:
        conn.execute(text(f"SET LOCAL app.org_id = '{org.id}'"))
        conn.execute(text("SET LOCAL groundwork.audit_maintenance = 'on'"))
        with pytest.raises(DBAPIError, match="permission denied"):
            conn.execute(text(statement))


def test_the_owner_changes_entries_only_on_the_declared_maintenance_path(owner_engine, org):
    with maintenance(owner_engine, org.id) as conn:
        removed = conn.execute(text("DELETE FROM audit_entries WHERE org_id = :o"),
                               {"o": org.id}).rowcount
    assert removed == 2
    with owner_engine.begin() as conn, pytest.raises(DBAPIError, match="append-only"):
        conn.execute(text("SET LOCAL groundwork.audit_maintenance = 'off'"))
        conn.execute(text("TRUNCATE audit_entries"))


def test_a_tampered_row_is_named_by_verify(pg_container, admin_engine, org):
    with admin_engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # a superuser's bypass
        conn.execute(text("UPDATE audit_entries SET details = '{\"name\": \"Evil\"}' "
                          "WHERE org_id = :o AND seq = 1"), {"o": org.id})
        tampered_id = conn.execute(text("SELECT id FROM audit_entries WHERE org_id = :o AND seq = 1"),
                                   {"o": org.id}).scalar()
    [report] = pg_container.application.audit_verifier().verify(org.slug)
    assert not report.intact
    assert (report.broken.seq, report.broken.entry_id) == (1, tampered_id)


def test_concurrent_writers_keep_one_unbroken_chain(pg_container, operator, org):
    uow_factory = pg_container.adapters.unit_of_work
    errors = []

    def write(n: int) -> None:
        try:
            for i in range(5):
                with uow_factory() as uow:
                    uow.bind(org.id)
                    uow.audit.append(org.id, AuditEvent(actor=operator, action="load.test",
                                                        resource_type="t", resource_id=f"{n}-{i}"))
                    uow.commit()
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    [report] = pg_container.application.audit_verifier().verify(org.slug)
    assert report.intact and report.entries == 2 + 20


def _grow(pg_container, operator, org, count):
    for n in range(count):
        pg_container.application.members().add(AddMember(
            slug=org.slug, email=f"m{n}@{org.slug}.test", role="member", actor=operator))


def test_a_chain_cut_short_after_a_digest_is_named_as_truncated(pg_container, admin_engine,
                                                                 operator, org):
    _grow(pg_container, operator, org, 3)
    verifier = pg_container.application.audit_verifier()
    digests = verifier.digest(org.slug)
    assert digests[0].digest.seq >= 4  # the org's creation (with its owner) and three members
    with admin_engine.begin() as conn:  # someone with table access drops the newest entries
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("DELETE FROM audit_entries WHERE org_id = :o AND seq > 2"), {"o": org.id})
    [plain] = verifier.verify(org.slug)
    assert plain.intact  # a recomputation alone cannot see a clean cut
    [anchored] = verifier.verify(org.slug, digests)
    assert not anchored.intact and anchored.broken.reason.startswith("truncated")


def test_a_chain_rewritten_whole_after_a_digest_is_named_as_recomputed(pg_container, admin_engine,
                                                                       operator, org):
    _grow(pg_container, operator, org, 2)
    verifier = pg_container.application.audit_verifier()
    digests = verifier.digest(org.slug)
    with pg_container.adapters.unit_of_work() as uow:
        uow.bind(org.id)
        entries = list(uow.audit.entries(org.id))
    forged, prev = [], entries[0].prev_hash
    for entry in entries:  # every hash recomputed with plain SHA-256, as an insider could
        changed = attrs.evolve(entry, actor_label="nobody", prev_hash=prev)
        changed = attrs.evolve(changed, hash=changed.recomputed_hash())
        forged.append(changed)
        prev = changed.hash
    with admin_engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for entry in forged:
            conn.execute(text("UPDATE audit_entries SET actor_label = :label, prev_hash = :prev, "
                              "hash = :hash WHERE org_id = :o AND seq = :seq"),
                         {"label": entry.actor_label, "prev": entry.prev_hash, "hash": entry.hash,
                          "o": org.id, "seq": entry.seq})
    [plain] = verifier.verify(org.slug)
    assert plain.intact
    [anchored] = verifier.verify(org.slug, digests)
    assert not anchored.intact and anchored.broken.reason.startswith("recomputed")


def test_a_digest_not_signed_with_the_servers_key_is_refused(pg_container, org):
    verifier = pg_container.application.audit_verifier()
    [signed] = verifier.digest(org.slug)
    forged = attrs.evolve(signed, digest=attrs.evolve(signed.digest, seq=1))
    with pytest.raises(InvalidInput) as refused:
        verifier.verify(org.slug, [forged])
    assert refused.value.code == "invalid_digest"


def test_an_entry_that_is_no_json_object_where_one_belongs_is_refused(app_engine, org):
    """The app role may append; not an entry every reader of the chain would stumble on."""
    with app_engine.begin() as conn:
        conn.execute(text(f"SET LOCAL app.org_id = '{org.id}'"))
        with pytest.raises(DBAPIError, match="ck_audit_entries_json_objects"):
            conn.execute(text(
                "INSERT INTO audit_entries (org_id, id, seq, actor_type, actor_label, action, "
                "resource_type, resource_id, details, prev_hash, hash) VALUES (:o, "
                "gen_random_uuid(), 99, 'user', 'x', 'x', 'x', 'x', '\"str\"', 'p', 'h')"),
                {"o": org.id})


def test_an_unreadable_entry_breaks_its_own_orgs_chain_and_no_other(pg_container, admin_engine,
                                                                    operator, org, unique_slug):
    other = pg_container.application.organizations().create(CreateOrganization(
        name="Other", slug=unique_slug("other"), owner_email=f"{unique_slug()}@b.test",
        actor=operator))
    with admin_engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # a superuser's bypass
        conn.execute(text("UPDATE audit_entries SET hash_version = 2, "
                          "pii_salts = '{\"actor_label\": \"not hex\"}' "
                          "WHERE org_id = :o AND seq = 1"), {"o": org.id})
    reports = {r.slug: r for r in pg_container.application.audit_verifier().verify()}
    assert not reports[org.slug].intact and "cannot be read" in reports[org.slug].broken.reason
    assert reports[other.slug].intact
