"""Row-level security policies with and without a subquery around app_current_org(), in one run.

    .venv/bin/python bench/policies.py [--rounds N] [--batch N]

Migration 0010 turned `USING (org_id = (SELECT app_current_org()))` (an InitPlan: the function
runs once per statement) into `USING (org_id = app_current_org())`, which Citus accepts in the
policies of distributed tables. On one throwaway embedded PostgreSQL this migrates a database,
fills it in bulk (2,000 orgs x 25 members out of 10,000 users, each in 5 orgs; one more org of
all 10,000 users; a session per membership; 100 audit entries per org), then times the app's
hot statements as the application role, each inside `BEGIN; SET LOCAL app.org_id` (or
app.user_id for the user scope), with the policies as migrated (new) and rewritten by the owner
to the old form (ALTER POLICY, every call wrapped in a subquery, restored at the end), the two
forms alternating for --rounds rounds.

Each statement is a server-side prepared statement, as psycopg makes them after 5 uses, run as
`EXPLAIN (ANALYZE, TIMING OFF, BUFFERS OFF) EXECUTE` --batch times per form and round (or for
at most 2 s): PostgreSQL's own "Execution Time", no client or network in it. Prints the median
µs per form and new/old, how many times one execution calls app_current_org() (counted with
track_functions = all in a separate transaction, not while timing) and the plan's scans.
"""

# ruff: noqa: E402  (the imports below must come after the sys.path fix)
from __future__ import annotations

import sys
from pathlib import Path

_BENCH = Path(__file__).resolve().parent  # first on sys.path, where http.py hides `http`
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
if str(_BENCH.parent) not in sys.path:
    sys.path.insert(0, str(_BENCH.parent))

import argparse
import re
import statistics
import time

import psycopg

from bench.server import embedded_database

DATABASE = "gw_bench"
ORGS, MEMBERS_PER_ORG, USERS, AUDIT_PER_ORG = 2_000, 25, 10_000, 100
BATCH_SECONDS = 2.0
SEED = f"""
INSERT INTO org (id, name, slug) SELECT gen_random_uuid(), 'Org ' || i, 'org-' || i
  FROM generate_series(0, {ORGS}) i;  -- org-{ORGS} is the large one
INSERT INTO users (id, email, full_name) SELECT gen_random_uuid(), 'user-' || i || '@bench.example',
  'User ' || i FROM generate_series(0, {USERS - 1}) i;
INSERT INTO members (org_id, id, user_id, role, created_at)
  SELECT o.id, gen_random_uuid(), u.id, CASE WHEN j = 0 THEN 'owner' ELSE 'member' END,
         now() + j * interval '1 second'
  FROM generate_series(0, {ORGS - 1}) i CROSS JOIN generate_series(0, {MEMBERS_PER_ORG - 1}) j
  JOIN org o ON o.slug = 'org-' || i
  JOIN users u ON u.email = 'user-' || (i * {MEMBERS_PER_ORG} + j) % {USERS} || '@bench.example';
INSERT INTO members (org_id, id, user_id, role)
  SELECT o.id, gen_random_uuid(), u.id, 'member' FROM org o, users u WHERE o.slug = 'org-{ORGS}';
INSERT INTO sessions (org_id, id, user_id, refresh_token_id, expires_at)
  SELECT org_id, gen_random_uuid(), user_id, md5(id::text), now() + interval '30 days' FROM members;
INSERT INTO audit_entries (org_id, id, seq, actor_type, actor_label, action, resource_type,
                           resource_id, prev_hash, hash)
  SELECT o.id, gen_random_uuid(), s, 'operator', 'bench', 'member.added', 'member', s::text,
         md5((s - 1)::text), md5(s::text)
  FROM org o CROSS JOIN generate_series(1, {AUDIT_PER_ORG}) s WHERE o.slug <> 'org-{ORGS}';
"""
# name: (scope, SQL, parameters) -- the statements of adapters/postgres, with $n placeholders.
QUERIES = {
    "members page": ("org", """
        SELECT members.id, members.org_id, members.user_id, users.email, users.full_name,
               members.role, members.created_at
        FROM members JOIN users ON users.id = members.user_id
        WHERE members.org_id = $1 ORDER BY members.created_at, members.id LIMIT $2""",  # read_models
        "org, 50"),
    "session by (org_id, id)": ("org", """
        SELECT * FROM sessions WHERE org_id = $1 AND id = $2""",  # PgSessions.get
        "org, session"),
    "principal (session join)": ("org", """
        SELECT org.*, sessions.id, members.id, members.role, users.id, users.email, users.full_name
        FROM sessions JOIN members ON members.org_id = sessions.org_id
                                  AND members.user_id = sessions.user_id
        JOIN users ON users.id = sessions.user_id JOIN org ON org.id = sessions.org_id
        WHERE sessions.org_id = $1 AND members.org_id = $1 AND sessions.id = $2
          AND sessions.user_id = $3 AND sessions.revoked_at IS NULL AND sessions.expires_at > now()
          AND users.status = 'active' AND org.status = 'active'""",  # read_models._SESSION
        "org, session, user"),
    "audit page": ("org", """
        SELECT * FROM audit_entries WHERE org_id = $1 AND seq > $2
        ORDER BY seq LIMIT 50""",  # PgAuditLog.page, the first page
        "org, 0"),
    "count members, 25": ("org", "SELECT count(*) FROM members WHERE org_id = $1", "org"),
    "count members, 10,000": ("large", "SELECT count(*) FROM members WHERE org_id = $1", "large"),
    "user scope: memberships": ("user", """
        SELECT org.*, members.id, members.role FROM members JOIN org ON org.id = members.org_id
        WHERE members.user_id = $1 ORDER BY members.created_at, members.id""",  # read_models
        "user"),
    "user scope: own sessions": ("user", """
        SELECT * FROM sessions WHERE user_id = $1 AND revoked_at IS NULL
          AND expires_at > now()""",  # what PgSessions.revoke_all_of_user's UPDATE reads
        "user"),
}
FORMS = ("old", "new")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=300)
    args = parser.parse_args()
    with (embedded_database("gw-bench-policies-", DATABASE) as (urls, _), _connect(urls.owner_url) as owner,
          _connect(urls.app_url) as app):
        _seed(owner)
        new = _policies(owner)
        old = {key: tuple(_wrapped(e) for e in exprs) for key, exprs in new.items()}
        params = _params(owner)
        _prepare(app)
        try:
            times, calls, plans = _measure(owner, app, {"old": old, "new": new}, params,
                                           args.rounds, args.batch)
        finally:
            _alter(owner, new)
    _report(times, calls, plans, args.rounds, args.batch)
    return 0


def _connect(url) -> psycopg.Connection:
    return psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False),
                           autocommit=True, prepare_threshold=None)


def _seed(owner: psycopg.Connection) -> None:
    """As the owner, a superuser on the embedded server: row-level security does not apply."""
    started = time.perf_counter()
    with owner.transaction():
        owner.execute(SEED)
    owner.execute("VACUUM ANALYZE")
    print(f"seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def _policies(owner: psycopg.Connection) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """(table, policy): (USING, WITH CHECK) of every policy that calls app_current_*()."""
    rows = owner.execute("SELECT tablename, policyname, qual, with_check FROM pg_policies "
                         "WHERE concat(qual, with_check) LIKE '%app_current_%'").fetchall()
    if any("SELECT" in f"{using}{check}" for _, _, using, check in rows):
        raise RuntimeError("the migrated policies already hold a subquery")
    return {(table, policy): (using, check) for table, policy, using, check in rows}


def _wrapped(expression: str | None) -> str | None:
    """The old form: each call in a subquery, `org_id = (SELECT app_current_org())`."""
    return expression and re.sub(r"(app_current_(?:org|user)\(\))", r"(SELECT \1)", expression)


def _alter(owner: psycopg.Connection, form: dict) -> None:
    with owner.transaction():
        for (table, policy), (using, check) in form.items():
            clauses = (f" USING ({using})" if using else "") + (f" WITH CHECK ({check})" if check else "")
            owner.execute(f"ALTER POLICY {policy} ON {table}{clauses}")


def _params(owner: psycopg.Connection) -> dict[str, str]:
    """A typical org (org-1), one of its members' sessions, the large org, a user in 6 orgs."""
    org, session, user = owner.execute(
        "SELECT s.org_id, s.id, s.user_id FROM sessions s JOIN org o ON o.id = s.org_id "
        "WHERE o.slug = 'org-1' ORDER BY s.user_id LIMIT 1").fetchone()
    large = owner.execute(f"SELECT id FROM org WHERE slug = 'org-{ORGS}'").fetchone()[0]
    return {"org": f"'{org}'", "session": f"'{session}'", "user": f"'{user}'",
            "large": f"'{large}'", "0": "0", "50": "50"}


def _prepare(conn: psycopg.Connection) -> None:
    for i, (_, sql, _) in enumerate(QUERIES.values()):
        conn.execute(f"PREPARE q{i} AS {sql}")


def _execute(i: int, values: str, params: dict[str, str]) -> str:
    return f"EXECUTE q{i}({', '.join(params[v] for v in values.split(', '))})"


def _scope(scope: str, params: dict[str, str]) -> str:
    """The tenant (`org`, or `large`, the org of 10,000) or the user scope (`user`)."""
    setting = "app.user_id" if scope == "user" else "app.org_id"
    return f"BEGIN; SET LOCAL {setting} = {params[scope]}"


def _measure(owner, app, forms: dict, params: dict[str, str], rounds: int, batch: int):
    times = {(name, form): [] for name in QUERIES for form in FORMS}
    calls, plans = {}, {}
    for round_ in range(rounds):
        for form in FORMS if round_ % 2 == 0 else reversed(FORMS):
            _alter(owner, forms[form])
            for i, (name, (scope, _, values)) in enumerate(QUERIES.items()):
                statement = _execute(i, values, params)
                app.execute(_scope(scope, params))
                _warm(app, statement)
                deadline = time.perf_counter() + BATCH_SECONDS
                for _ in range(batch):
                    plan = app.execute("EXPLAIN (ANALYZE, TIMING OFF, BUFFERS OFF, FORMAT JSON) "
                                       + statement).fetchone()[0][0]
                    times[name, form].append(plan["Execution Time"] * 1000)
                    if time.perf_counter() > deadline:
                        break
                if round_ == 0:
                    plans[name, form] = [line for (line,) in app.execute(
                        f"EXPLAIN (COSTS OFF) {statement}")]
                    calls[name, form] = _calls(owner, scope, statement, params, i)
                app.execute("COMMIT")
    return times, calls, plans


def _warm(conn: psycopg.Connection, statement: str) -> None:
    """Past PostgreSQL's first 5 custom plans: the plan a prepared statement keeps reusing."""
    for _ in range(10):
        conn.execute(statement)


def _calls(owner: psycopg.Connection, scope: str, statement: str, params: dict[str, str],
           i: int) -> int:
    """Calls of app_current_org() in one warm execution (planning left out), as the app role: the
    owner counts them with track_functions, which the app may not set. app_current_user() is
    SQL and inlined into the plan (current_setting() calls), never called as a function."""
    count = "SELECT coalesce(pg_stat_get_xact_function_calls('app_current_org'::regproc), 0)"
    owner.execute(_scope(scope, params) + "; SET LOCAL track_functions = 'all'; "
                  f"SET LOCAL ROLE {DATABASE}_app")
    owner.execute(f"PREPARE q{i} AS {list(QUERIES.values())[i][1]}")
    _warm(owner, statement)
    before = owner.execute(count).fetchone()[0]
    owner.execute(statement)
    after = owner.execute(count).fetchone()[0]
    owner.execute("ROLLBACK; DEALLOCATE ALL")
    return after - before


def _report(times: dict, calls: dict, plans: dict, rounds: int, batch: int) -> None:
    print(f"server-side Execution Time (EXPLAIN ANALYZE, TIMING OFF) of prepared statements, "
          f"median over {rounds} alternating rounds of up to {batch} executions or "
          f"{BATCH_SECONDS:g} s; calls = app_current_org() calls per execution")
    print(f"{'statement':<28}{'old µs':>9}{'new µs':>9}{'new/old':>9}{'calls old':>11}{'new':>7}")
    for name in QUERIES:
        old, new = (statistics.median(times[name, form]) for form in FORMS)
        print(f"{name:<28}{old:>9.1f}{new:>9.1f}{new / old:>8.2f}x"
              f"{calls[name, 'old']:>11}{calls[name, 'new']:>7}")
    for name in QUERIES:
        for form in FORMS:
            print(f"\n{name}, {form} form:")
            print("\n".join(f"  {line}" for line in plans[name, form]
                            if re.search(r"Scan|Cond|Filter|InitPlan|SubPlan", line)))


if __name__ == "__main__":
    sys.exit(main())
