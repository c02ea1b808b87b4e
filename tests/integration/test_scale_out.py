"""One tenant's rows through any node: on a Citus cluster (CITUS_URL) every node serves the app,
a tenant's query is routed to the one shard that holds the org, and audit appends sent through
different nodes at once still make one unbroken chain. On a single PostgreSQL the same tests run
on its one node, where "one shard" is one range of the org_id index."""

from contextlib import contextmanager

import pytest
from sqlalchemy import text

from adapters.postgres.transaction import Transaction
from application.organizations import CreateOrganization
from domain.audit import Actor, AuditEvent, find_broken_link
from tests.fixtures.app import postgres_container_on_own_pool
from tests.fixtures.concurrency import all_at_once

pytestmark = pytest.mark.postgres
MEMBERS_PAGE = ("SELECT members.id FROM members JOIN users ON users.id = members.user_id "
                "WHERE members.org_id = :org ORDER BY members.created_at, members.id LIMIT 50")


@pytest.fixture
def two_orgs(pg_container, operator, unique_slug):
    ids = []
    for _ in range(2):
        slug = unique_slug("shard")
        ids.append(pg_container.application.organizations().create(CreateOrganization(
            name="Shard", slug=slug, owner_email=f"owner@{slug}.test", actor=operator)).id)
    return ids


@pytest.fixture
def containers(node_urls, request):
    """A container per node, each on its own pool of connections to that node."""
    made = []
    for urls in node_urls:
        container, engine = postgres_container_on_own_pool(urls, pool_size=2)
        request.addfinalizer(engine.dispose)
        made.append(container)
    return made


def test_every_node_shows_the_bound_tenant_only_and_fails_closed(containers, two_orgs):
    mine, theirs = two_orgs
    for container in containers:
        engine = container.adapters.engine()
        with _transaction(engine, tenant=mine) as tx:
            seen = {row.org_id for row in tx.execute(text("SELECT org_id FROM members"))}
            foreign = tx.execute(text("SELECT count(*) FROM members WHERE org_id = :o"),
                                 {"o": theirs}).scalar_one()
        assert seen == {mine} and foreign == 0, engine.url
        with pytest.raises(Exception, match="tenant context missing"), _transaction(engine) as tx:
            tx.execute(text("SELECT count(*) FROM audit_entries")).scalar_one()


def test_a_tenant_query_reads_one_orgs_slice(containers, two_orgs, admin_engine):
    mine = two_orgs[0]
    with _transaction(containers[0].adapters.engine(), tenant=mine) as tx:
        plan = "\n".join(tx.execute(text(f"EXPLAIN {MEMBERS_PAGE}"), {"org": mine}).scalars())
    with admin_engine.connect() as conn:
        shards = conn.execute(text(
            "SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'members'::regclass"
        )).scalar_one() if _citus(conn) else 0
    if shards:
        assert shards > 1 and "Task Count: 1" in plan, plan  # one shard of many, by org_id
    else:
        assert "Index Cond: (org_id = " in plan or "Index Cond: ((org_id = " in plan, plan


def test_audit_appends_through_every_node_at_once_make_one_chain(containers, two_orgs):
    org_id = two_orgs[0]
    writers = [container for container in containers for _ in range(3)]

    def append(container, n):
        for i in range(5):
            with container.adapters.unit_of_work() as uow:
                uow.bind(org_id)
                uow.audit.append(org_id, AuditEvent(
                    actor=Actor.operator("operator:test"), action="test.appended",
                    resource_type="writer", resource_id=f"{n}.{i}"))
                uow.commit()

    outcomes = all_at_once([lambda c=c, n=n: append(c, n) for n, c in enumerate(writers)])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    with containers[-1].adapters.unit_of_work() as uow:
        uow.bind(org_id)
        entries = list(uow.audit.entries(org_id))
    appended = [e for e in entries if e.action == "test.appended"]
    assert len(appended) == 5 * len(writers) and find_broken_link(entries) is None
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))


@contextmanager
def _transaction(engine, tenant=None):
    """The app's own transaction (BEGIN and SET LOCAL sent with the first statement)."""
    tx = Transaction(engine)
    try:
        if tenant is not None:
            tx.set_local("app.org_id", tenant)
        yield tx
    finally:
        tx.close()


def _citus(conn) -> bool:
    return conn.execute(text(
        "SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')")).scalar_one()


def test_a_setting_left_on_a_connection_is_never_a_tenant_or_a_user(node_urls, two_orgs, request):
    """A session-level set_config() (through a shard query on Citus, which leaves it on the
    cached connection to that worker) is overridden by every later transaction."""
    mine, theirs = two_orgs
    for urls in node_urls:
        container, engine = postgres_container_on_own_pool(urls, pool_size=1)
        request.addfinalizer(engine.dispose)
        tx = Transaction(engine)
        tx.set_local("app.org_id", mine)
        tx.execute(text("SELECT set_config('app.org_id', :o, false) FROM members "
                        "WHERE org_id = :m LIMIT 1"), {"o": str(theirs), "m": mine})
        tx.commit()
        tx.close()
        with pytest.raises(Exception, match="tenant context missing"), _transaction(engine) as tx:
            tx.execute(text("SELECT org_id FROM members WHERE org_id = :o"), {"o": theirs}).all()
        with container.adapters.unit_of_work() as uow:
            owner = uow.users.get_by_email(_owner_email(uow, mine))
            uow.bind_user(owner.id)
            assert [m.org_id for m in uow.members.memberships_of_user(owner.id)] == [mine]


def _owner_email(uow, org_id) -> str:
    org = uow.orgs.get(org_id)
    return f"owner@{org.slug}.test"
