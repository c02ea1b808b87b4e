"""Benchmark data: a few orgs through the use cases, then thousands more in bulk SQL."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from adapters.postgres.server import DatabaseUrls
from application.api_keys import CreateApiKey
from application.members import AddMember
from application.organizations import CreateOrganization
from domain.audit import Actor

ACTOR = Actor.operator("bench")
MEMBERS_PER_ORG = 20      # the owner included: every page the benchmark reads has 20 rows


def slug(i: int) -> str:
    return f"bench-org-{i:05d}"


def owner(i: int) -> str:
    return f"owner-{i:05d}@bench.example"


def through_use_cases(container, count: int) -> None:
    orgs, members = container.application.organizations(), container.application.members()
    for i in range(count):
        orgs.create(CreateOrganization(name=f"Bench Org {i:05d}", slug=slug(i), owner_email=owner(i),
                                       actor=ACTOR, plan="enterprise"))  # no member limit
        for j in range(MEMBERS_PER_ORG - 1):
            members.add(AddMember(slug=slug(i), email=f"member-{j}@{slug(i)}.example", role="member",
                                  actor=ACTOR))


def set_password(container, hasher, email: str, password: str) -> None:
    with container.adapters.unit_of_work() as uow:
        user = uow.users.get_by_email(email)
        user.password_hash = hasher.hash(password)
        uow.users.update(user)
        uow.commit()


def api_key(container, i: int) -> str:
    return container.application.api_keys().create(CreateApiKey(
        slug=slug(i), actor=ACTOR, name="bench", scopes=["org:read", "org:write"])).secret


def in_bulk(urls: DatabaseUrls, first: int, last: int, extra_members_of_first_org: int) -> None:
    """Orgs first..last-1, each with an owner, and more members in org 0, as the schema owner
    (a superuser on the embedded server, so row-level security does not stand in the way)."""
    engine = create_engine(urls.owner_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("""
                INSERT INTO org (id, name, slug) SELECT gen_random_uuid(), 'Bench Org ' || i,
                  'bench-org-' || lpad(i::text, 5, '0') FROM generate_series(:first, :last - 1) i;
                INSERT INTO users (id, email, full_name) SELECT gen_random_uuid(),
                  'owner-' || lpad(i::text, 5, '0') || '@bench.example', 'Owner ' || i
                  FROM generate_series(:first, :last - 1) i;
                INSERT INTO members (org_id, id, user_id, role) SELECT o.id, gen_random_uuid(), u.id,
                  'owner' FROM generate_series(:first, :last - 1) i
                  JOIN org o ON o.slug = 'bench-org-' || lpad(i::text, 5, '0')
                  JOIN users u ON u.email = 'owner-' || lpad(i::text, 5, '0') || '@bench.example';
                INSERT INTO users (id, email, full_name) SELECT gen_random_uuid(),
                  'bulk-' || i || '@bench-org-00000.example', 'Bulk ' || i
                  FROM generate_series(1, :extra) i;
                INSERT INTO members (org_id, id, user_id, role, created_at)
                  SELECT o.id, gen_random_uuid(), u.id, 'member', now() + interval '1 hour'
                  FROM org o, users u WHERE o.slug = 'bench-org-00000'
                  AND u.email LIKE 'bulk-%@bench-org-00000.example';
            """.replace(":first", str(int(first))).replace(":last", str(int(last)))
                .replace(":extra", str(int(extra_members_of_first_org)))))
    finally:
        engine.dispose()
