"""`groundwork db check`: inspect the live catalog and name every broken schema convention.

A product team that adds a tenant table and forgets its policy, its composite foreign key
or its org_id-leading index learns it here, before a customer does.
"""

from __future__ import annotations

from attrs import define
from sqlalchemy import Connection, create_engine, pool, text

from adapters.postgres.tables import GLOBAL_TABLES

IGNORED_TABLES = frozenset({"alembic_version"})


@define(frozen=True)
class Violation:
    table: str
    rule: str
    message: str


_COLUMNS = text("""
    SELECT c.table_name, c.column_name, c.data_type, c.is_nullable
    FROM information_schema.columns c
    JOIN information_schema.tables t USING (table_schema, table_name)
    WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
""")
_TABLES = text("""
    SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
           (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies,
           EXISTS (SELECT 1 FROM pg_trigger t JOIN pg_proc f ON f.oid = t.tgfoid
                   WHERE t.tgrelid = c.oid AND f.proname = 'set_updated_at') AS updated_at_trigger,
           has_table_privilege(:app_role, c.oid, 'UPDATE') AS app_updates,
           pg_get_userbyid(c.relowner) AS owner
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
""")
_CONSTRAINTS = text("""
    SELECT c.conrelid::regclass::text AS table_name, c.contype, c.confrelid::regclass::text AS ref,
           c.confdeltype,
           ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
                 ORDER BY k.i) AS columns
    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
    WHERE n.nspname = 'public' AND c.contype IN ('p', 'f')
""")
_INDEX_LEADS = text("""
    SELECT t.relname AS table_name, a.attname AS first_column
    FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
    WHERE n.nspname = 'public'
""")
_POLICIES = text("""
    SELECT tablename, policyname, permissive, cmd, coalesce(qual, '') AS qual,
           coalesce(with_check, '') AS with_check
    FROM pg_policies WHERE schemaname = 'public'
""")
TENANT_GUARDS = ("app_current_org()", "app_current_user()")
_ROLE = text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :app_role")


def check_conventions(conn: Connection, app_role: str) -> list[Violation]:
    violations: list[Violation] = []
    role = conn.execute(_ROLE, {"app_role": app_role}).one_or_none()
    if role is None:
        return [Violation("-", "app_role", f"the application role {app_role} does not exist")]
    if role.rolsuper or role.rolbypassrls:
        violations.append(Violation("-", "app_role",
                                    f"{app_role} is a superuser or bypasses row-level security"))
    columns: dict[str, dict[str, tuple[str, str]]] = {}
    for row in conn.execute(_COLUMNS):
        columns.setdefault(row.table_name, {})[row.column_name] = (row.data_type, row.is_nullable)
    constraints = list(conn.execute(_CONSTRAINTS))
    policies: dict[str, list] = {}
    for row in conn.execute(_POLICIES):
        policies.setdefault(row.tablename, []).append(row)
    leads: dict[str, set[str]] = {}
    for row in conn.execute(_INDEX_LEADS):
        leads.setdefault(row.table_name, set()).add(row.first_column)
    violations += citus_layout(conn)
    for table in conn.execute(_TABLES, {"app_role": app_role}):
        name = table.relname
        if name in IGNORED_TABLES:
            continue
        cols = columns.get(name, {})
        violations += _common_rules(name, cols, table, app_role)
        if name not in GLOBAL_TABLES:
            mine = [c for c in constraints if c.table_name == name]
            violations += _tenant_rules(name, cols, table, mine, leads.get(name, set()))
            violations += _policy_rules(name, policies.get(name, []))
    return violations


def _common_rules(name: str, cols: dict, table, app_role: str) -> list[Violation]:
    found = []
    if cols.get("id", ("",))[0] != "uuid":
        found.append(Violation(name, "uuid_id", "has no UUID `id` column"))
    for ts in ("created_at", "updated_at"):
        if cols.get(ts) != ("timestamp with time zone", "NO"):
            found.append(Violation(name, "timestamps", f"lacks `{ts} TIMESTAMPTZ NOT NULL`"))
    for column, (data_type, _) in cols.items():
        if data_type == "timestamp without time zone":
            found.append(Violation(name, "timestamptz", f"`{column}` is a TIMESTAMP without time zone"))
    if table.app_updates and not table.updated_at_trigger:
        found.append(Violation(name, "updated_at_trigger", "has no set_updated_at() trigger"))
    if table.owner == app_role:
        found.append(Violation(name, "ownership", f"is owned by the application role {app_role}"))
    return found


def _tenant_rules(name: str, cols: dict, table, constraints: list, leads: set[str]) -> list[Violation]:
    found = []
    if cols.get("org_id") != ("uuid", "NO"):
        found.append(Violation(name, "org_id", "lacks `org_id UUID NOT NULL`"))
    if not (table.relrowsecurity and table.relforcerowsecurity):
        found.append(Violation(name, "rls", "row-level security is not enabled and forced"))
    if table.policies == 0:
        found.append(Violation(name, "policy", "has no row-level security policy"))
    pk = next((c for c in constraints if c.contype == "p"), None)
    if pk is None or list(pk.columns) != ["org_id", "id"]:
        found.append(Violation(name, "composite_key", "primary key is not (org_id, id)"))
    fks = [c for c in constraints if c.contype == "f"]
    if not any(c.ref == "org" and list(c.columns) == ["org_id"] and c.confdeltype == "r"
               for c in fks):
        found.append(Violation(name, "org_fk",
                               "lacks FOREIGN KEY (org_id) REFERENCES org(id) ON DELETE RESTRICT"))
    for fk in fks:
        if fk.ref not in GLOBAL_TABLES and "org_id" not in fk.columns:
            found.append(Violation(name, "composite_fk",
                                   f"foreign key {list(fk.columns)} to {fk.ref} omits org_id"))
    if "org_id" not in leads:
        found.append(Violation(name, "org_id_index", "has no index that leads with org_id"))
    return found


def _policy_rules(name: str, policies: list) -> list[Violation]:
    """Permissive policies are OR-ed: one that does not filter on the tenant opens the table."""
    found = []
    if policies and not any("app_current_org()" in p.qual for p in policies):
        found.append(Violation(name, "policy_filter",
                               "no policy filters on org_id = app_current_org()"))
    for policy in policies:
        expressions = [e for e in (policy.qual, policy.with_check) if e]
        if policy.permissive == "PERMISSIVE" and not all(
                any(guard in e for guard in TENANT_GUARDS) for e in expressions):
            found.append(Violation(name, "permissive_policy",
                                   f"policy {policy.policyname} lets rows through without "
                                   "app_current_org() or app_current_user()"))
        if any("SELECT" in e.upper() for e in expressions):
            found.append(Violation(name, "policy_subquery",
                                   f"policy {policy.policyname} holds a subquery, which Citus "
                                   "refuses on distributed tables"))
        user_only = any("app_current_user()" in e for e in expressions) and not any(
            "app_current_org()" in e for e in expressions)
        if user_only and policy.cmd not in ("SELECT", "UPDATE"):
            found.append(Violation(name, "user_scope_policy",
                                   f"policy {policy.policyname} lets the user scope {policy.cmd} "
                                   "rows of every organization (it may only read, or update)"))
    return found


_CITUS = text("SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')")
_LAYOUT = text("""
    SELECT c.relname, p.partmethod, p.colocationid,
           CASE WHEN p.partkey IS NOT NULL AND p.partmethod = 'h'
                THEN column_to_column_name(p.logicalrelid, p.partkey) END AS column
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_dist_partition p ON p.logicalrelid = c.oid
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
""")


def on_citus(conn: Connection) -> bool:
    return conn.execute(_CITUS).scalar_one()


def set_commands_reach_shards(conn: Connection) -> bool:
    """The tenant binding is a SET LOCAL: Citus must forward it to the shards."""
    return conn.execute(text("SELECT current_setting('citus.propagate_set_commands', true)")
                        ).scalar_one() == "local"


def citus_layout(conn: Connection) -> list[Violation]:
    """On Citus: each global table a reference table, each tenant table distributed by org_id in
    one co-location group, SET LOCAL forwarded. Nothing to check on plain PostgreSQL."""
    if not on_citus(conn):
        return []
    found = []
    if not set_commands_reach_shards(conn):
        found.append(Violation("-", "citus_set_commands",
                               "citus.propagate_set_commands is not 'local' for this database"))
    groups = set()
    for row in conn.execute(_LAYOUT):
        if row.relname in IGNORED_TABLES:
            continue
        if row.relname in GLOBAL_TABLES:
            if row.partmethod != "n":
                found.append(Violation(row.relname, "citus_reference",
                                       "a global table that is not a reference table"))
        elif row.partmethod != "h" or row.column != "org_id":
            found.append(Violation(row.relname, "citus_distributed",
                                   "a tenant table that is not distributed by org_id"))
        else:
            groups.add(row.colocationid)
    if len(groups) > 1:
        found.append(Violation("-", "citus_colocation",
                               f"tenant tables span {len(groups)} co-location groups, not one"))
    return found


def serving_refusal(url) -> str | None:
    """Why the app must not serve this database, in one line, or None: on Citus without SET
    LOCAL forwarded to the shards, tenant queries there would run with no tenant bound."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            if on_citus(conn) and not set_commands_reach_shards(conn):
                name = conn.execute(text("SELECT current_database()")).scalar_one()
                return ("this Citus database does not forward SET LOCAL to its shards: as its "
                        f"owner, run ALTER DATABASE {name} SET citus.propagate_set_commands = "
                        "'local', then start again")
    finally:
        engine.dispose()
    return None
