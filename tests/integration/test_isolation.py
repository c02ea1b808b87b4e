"""Row-level security with raw SQL as the application role: what application code cannot undo."""

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from application.members import AddMember
from application.organizations import CreateOrganization

pytestmark = pytest.mark.postgres


@pytest.fixture
def two_orgs(pg_container, operator, unique_slug):
    orgs = {}
    for name in ("a", "b"):
        slug = unique_slug(name)
        view = pg_container.application.organizations().create(CreateOrganization(
            name=name.upper(), slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
        pg_container.application.members().add(AddMember(
            slug=slug, email=f"member@{slug}.test", role="member", actor=operator))
        orgs[name] = view.id
    return orgs


def _in_tenant(conn, org_id):
    conn.execute(text(f"SET LOCAL app.org_id = '{org_id}'"))


def test_a_tenant_sees_only_its_own_rows(app_engine, two_orgs):
    with app_engine.begin() as conn:
        _in_tenant(conn, two_orgs["a"])
        member_orgs = set(conn.execute(text("SELECT org_id FROM members")).scalars())
        audit_orgs = set(conn.execute(text("SELECT org_id FROM audit_entries")).scalars())
        asked_for_b = conn.execute(text("SELECT count(*) FROM members WHERE org_id = :b"),
                                   {"b": two_orgs["b"]}).scalar()
    assert member_orgs == {two_orgs["a"]}
    assert audit_orgs == {two_orgs["a"]}
    assert asked_for_b == 0


def test_no_tenant_context_is_an_error_not_an_empty_result(app_engine, two_orgs):
    for table in ("members", "audit_entries"):
        with app_engine.begin() as conn, pytest.raises(DBAPIError, match="tenant context missing"):
            conn.execute(text(f"SELECT * FROM {table}")).all()


def test_the_context_ends_with_the_transaction(app_engine, two_orgs):
    with app_engine.connect() as conn:
        with conn.begin():
            _in_tenant(conn, two_orgs["a"])
        with conn.begin(), pytest.raises(DBAPIError, match="tenant context missing"):
            conn.execute(text("SELECT * FROM members")).all()


def test_a_tenant_cannot_write_into_another(app_engine, two_orgs):
    with app_engine.begin() as conn:
        _in_tenant(conn, two_orgs["a"])
        user_id = conn.execute(text("SELECT user_id FROM members LIMIT 1")).scalar()
        with pytest.raises(DBAPIError, match="row-level security"):
            conn.execute(text("INSERT INTO members (org_id, id, user_id, role) "
                              "VALUES (:b, :id, :u, 'owner')"),
                         {"b": two_orgs["b"], "id": uuid.uuid4(), "u": user_id})


def test_updates_and_deletes_cannot_reach_another_tenant(app_engine, two_orgs):
    with app_engine.begin() as conn:
        _in_tenant(conn, two_orgs["a"])
        updated = conn.execute(text("UPDATE members SET role = 'viewer' WHERE org_id = :b"),
                               {"b": two_orgs["b"]}).rowcount
        deleted = conn.execute(text("DELETE FROM members WHERE org_id = :b"),
                               {"b": two_orgs["b"]}).rowcount
    assert (updated, deleted) == (0, 0)


def test_a_composite_foreign_key_refuses_a_cross_tenant_reference(admin_engine, two_orgs):
    with admin_engine.begin() as conn:  # not held back by row-level security
        member_of_a = conn.execute(text("SELECT id FROM members WHERE org_id = :a LIMIT 1"),
                                   {"a": two_orgs["a"]}).scalar()
        with pytest.raises(DBAPIError, match="foreign key"):
            conn.execute(text("UPDATE members SET invited_by = :m WHERE org_id = :b"),
                         {"m": member_of_a, "b": two_orgs["b"]})


def test_the_app_role_cannot_escape(app_engine, pg_urls):
    with app_engine.connect() as conn:
        role = conn.execute(text(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
        assert (role.rolsuper, role.rolbypassrls) == (False, False)
        conn.rollback()
        for attack in ("SET ROLE postgres", "ALTER TABLE members DISABLE ROW LEVEL SECURITY",
                       "ALTER TABLE members NO FORCE ROW LEVEL SECURITY",
                       "DROP POLICY tenant_isolation ON members"):
            with conn.begin(), pytest.raises(DBAPIError):
                conn.execute(text(attack))
        with conn.begin():
            conn.execute(text("RESET ROLE"))
            assert conn.execute(text("SELECT current_user")).scalar() == pg_urls.app_url.username


def test_a_malformed_tenant_id_is_refused(app_engine):
    with app_engine.begin() as conn:
        conn.execute(text("SET LOCAL app.org_id = 'not-a-uuid'"))
        with pytest.raises(DBAPIError):
            conn.execute(text("SELECT * FROM members")).all()


def test_a_user_scope_reads_own_memberships_and_writes_nothing(app_engine, admin_engine, two_orgs):
    with admin_engine.connect() as conn:
        user_id = conn.execute(text("SELECT user_id FROM members WHERE org_id = :a AND role = 'owner'"),
                               {"a": two_orgs["a"]}).scalar()
    with app_engine.begin() as conn:
        conn.execute(text(f"SET LOCAL app.user_id = '{user_id}'"))
        visible = conn.execute(text("SELECT org_id, user_id FROM members")).all()
        assert visible == [(two_orgs["a"], user_id)]
        assert conn.execute(text("SELECT count(*) FROM audit_entries")).scalar() == 0
        with pytest.raises(DBAPIError, match="row-level security"):
            conn.execute(text("INSERT INTO members (org_id, id, user_id, role) "
                              "VALUES (:a, :id, :u, 'owner')"),
                         {"a": two_orgs["a"], "id": uuid.uuid4(), "u": user_id})


def test_a_user_scope_does_not_widen_a_tenant_transaction(app_engine, admin_engine, pg_container,
                                                           operator, two_orgs):
    with admin_engine.connect() as conn:
        user_id = conn.execute(text("SELECT user_id FROM members WHERE org_id = :a AND role = 'owner'"),
                               {"a": two_orgs["a"]}).scalar()
        email = conn.execute(text("SELECT email FROM users WHERE id = :u"), {"u": user_id}).scalar()
        slug_b = conn.execute(text("SELECT slug FROM org WHERE id = :b"), {"b": two_orgs["b"]}).scalar()
    pg_container.application.members().add(AddMember(slug=slug_b, email=email, role="viewer",
                                                     actor=operator))
    with app_engine.begin() as conn:
        _in_tenant(conn, two_orgs["a"])
        conn.execute(text(f"SET LOCAL app.user_id = '{user_id}'"))
        orgs_seen = set(conn.execute(text("SELECT org_id FROM members")).scalars())
    assert orgs_seen == {two_orgs["a"]}


def test_a_user_scope_may_end_its_sessions_and_nothing_more(app_engine, admin_engine, two_orgs):
    """Signed in to org a and to org b, a person's user scope (no tenant bound) ends both sessions;
    it cannot bring one back, add one, delete one, or touch another person's."""
    with admin_engine.begin() as conn:
        user_id = conn.execute(text("SELECT user_id FROM members WHERE org_id = :a AND role = 'owner'"),
                               {"a": two_orgs["a"]}).scalar()
        other = conn.execute(text("SELECT user_id FROM members WHERE org_id = :b AND role = 'owner'"),
                             {"b": two_orgs["b"]}).scalar()
        for org_id, person in ((two_orgs["a"], user_id), (two_orgs["b"], user_id),
                               (two_orgs["b"], other)):
            conn.execute(text("INSERT INTO sessions (org_id, id, user_id, refresh_token_id, "
                              "expires_at) VALUES (:o, :id, :u, 'r', now() + interval '1 hour')"),
                         {"o": org_id, "id": uuid.uuid4(), "u": person})
    scope = f"SET LOCAL app.user_id = '{user_id}'"
    with app_engine.begin() as conn:
        conn.execute(text(scope))
        ended = conn.execute(text("UPDATE sessions SET revoked_at = now(), revoked_reason = 'x' "
                                  "WHERE revoked_at IS NULL")).rowcount
        assert ended == 2  # both of their own, in two orgs; not the other person's
    attacks = [
        "UPDATE sessions SET revoked_at = NULL",
        "DELETE FROM sessions",
        f"INSERT INTO sessions (org_id, id, user_id, refresh_token_id, expires_at) VALUES "
        f"('{two_orgs['b']}', '{uuid.uuid4()}', '{user_id}', 'r', now() + interval '1 hour')",
    ]
    for attack in attacks:
        with app_engine.begin() as conn:
            conn.execute(text(scope))
            try:
                touched = conn.execute(text(attack)).rowcount
            except DBAPIError:
                continue
            assert touched == 0, attack
    with admin_engine.connect() as conn:
        live = conn.execute(text("SELECT user_id FROM sessions WHERE revoked_at IS NULL "
                                 "AND org_id IN (:a, :b)"), two_orgs).scalars().all()
    assert live == [other]
