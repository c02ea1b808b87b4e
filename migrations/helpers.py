"""Building blocks every migration uses, so each tenant table follows the same conventions."""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql import TIMESTAMP

REQUIRED_EXTENSIONS = ("pg_trgm", "vector")
_HOW_TO_GET = {
    "vector": "install pgvector on the server (Debian/Ubuntu: apt-get install "
              "postgresql-<version>-pgvector; Docker: the pgvector/pgvector:pg18 image), "
              "or unset DATABASE_URL to use the embedded PostgreSQL, which ships it",
    "pg_trgm": "install the PostgreSQL contrib modules on the server "
               "(Debian/Ubuntu: postgresql-contrib)",
}


class MissingExtension(RuntimeError):
    pass


def require_extensions(conn: Connection, names=REQUIRED_EXTENSIONS) -> None:
    """Refuse to migrate a server that lacks an extension, saying which and how to get it."""
    available = {row[0] for row in conn.execute(
        text("SELECT name FROM pg_available_extensions WHERE name = ANY(:names)"),
        {"names": list(names)})}
    missing = [name for name in names if name not in available]
    if missing:
        reasons = "; ".join(f"{name}: {_HOW_TO_GET.get(name, 'install it on the server')}"
                            for name in missing)
        raise MissingExtension(
            f"PostgreSQL extension(s) {', '.join(missing)} not available on this server. {reasons}")


def ensure_extensions(names=REQUIRED_EXTENSIONS) -> None:
    """Create each extension only when it is missing: on a managed server (or Citus, which forwards
    even `CREATE EXTENSION IF NOT EXISTS` to its workers) a superuser has created them once and
    the owner, not a superuser, could not run the statement at all."""
    conn = op.get_bind()
    present = {row[0] for row in conn.execute(
        text("SELECT extname FROM pg_extension WHERE extname = ANY(:names)"), {"names": list(names)})}
    for name in names:
        if name not in present:
            op.execute(text(f"CREATE EXTENSION {quoted(name)}"))


def drop_own_extensions(names=REQUIRED_EXTENSIONS) -> None:
    """The downgrade of ensure_extensions: drops those that the migrating role owns (it created
    them); an extension a superuser provisioned stays."""
    conn = op.get_bind()
    owned = {row[0] for row in conn.execute(text(
        "SELECT extname FROM pg_extension WHERE extname = ANY(:names) "
        "AND extowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"),
        {"names": list(names)})}
    for name in reversed(names):
        if name in owned:
            op.execute(text(f"DROP EXTENSION {quoted(name)}"))


def timestamps() -> list[sa.Column]:
    """`created_at` and `updated_at`, as every table has them (pair with updated_at_trigger)."""
    return [
        sa.Column("created_at", TIMESTAMP(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TIMESTAMP(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


def app_role() -> str:
    """The role the application logs in as: `<database>_app`, one per database."""
    return op.get_bind().execute(text("SELECT current_database() || '_app'")).scalar_one()


def quoted(identifier: str) -> str:
    return op.get_bind().execute(text("SELECT quote_ident(:i)"), {"i": identifier}).scalar_one()


def create_app_role() -> None:
    role = quoted(app_role())
    op.execute(text(f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_literal(app_role())}) THEN
            CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
          END IF;
        END $$"""))
    password = os.environ.get("APP_DB_PASSWORD")
    if password:
        op.execute(text(f"ALTER ROLE {role} PASSWORD {_literal(password)}"))
    op.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))


def drop_app_role() -> None:
    """The role owns nothing (db check), so revoking its grants frees it. Not DROP OWNED BY: that
    needs the role's own privileges, which a non-superuser owner (managed PostgreSQL) lacks."""
    role = quoted(app_role())
    for objects in ("TABLES", "SEQUENCES", "FUNCTIONS"):
        op.execute(text(f"REVOKE ALL ON ALL {objects} IN SCHEMA public FROM {role}"))
    op.execute(text(f"REVOKE ALL ON SCHEMA public FROM {role}"))
    op.execute(text(f"DROP ROLE IF EXISTS {role}"))


def grant(table: str, privileges: str) -> None:
    op.execute(text(f"GRANT {privileges} ON {quoted(table)} TO {quoted(app_role())}"))


def updated_at_trigger(table: str) -> None:
    op.execute(text(f"CREATE TRIGGER {quoted(table + '_updated_at')} BEFORE UPDATE ON "
                    f"{quoted(table)} FOR EACH ROW EXECUTE FUNCTION set_updated_at()"))


def tenant_isolation(table: str) -> None:
    """RLS enabled and forced, one policy on org_id = the transaction's tenant. No subquery around
    the function: Citus refuses subqueries in the policies of distributed tables. With this one
    policy the planner calls the function once per statement (a one-time filter); where a second
    permissive policy is OR-ed in (members, sessions) it is called per row scanned, about 1 µs
    each (bench/README.md, "RLS policies without a subquery")."""
    name = quoted(table)
    op.execute(text(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY"))
    op.execute(text(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY"))
    op.execute(text(f"CREATE POLICY tenant_isolation ON {name} "
                    f"USING ({TENANT_ROWS}) WITH CHECK ({TENANT_ROWS})"))


TENANT_ROWS = "org_id = app_current_org()"
USER_ROWS = "user_id = app_current_user()"
COLOCATION = "members"  # every tenant table is co-located with it: one org, one shard


def citus() -> bool:
    """Whether this database runs Citus (the extension is created by whoever provisions it)."""
    return op.get_bind().execute(text(
        "SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')")).scalar_one()


def reference_table(table: str) -> None:
    """A global table: on Citus a reference table (a copy on every node, so a tenant shard joins
    it locally); on plain PostgreSQL nothing to do."""
    if citus():
        op.execute(text(f"SELECT create_reference_table({_literal(table)})"))


def distributed_table(table: str) -> None:
    """A tenant table: on Citus distributed by org_id, co-located with every other tenant table;
    on plain PostgreSQL nothing to do. Call it after the table's policy and triggers (allowed by
    migrations/env.py); FORCE is lifted while Citus copies rows and checks foreign keys, which
    it does without a tenant."""
    if not citus():
        return
    name = quoted(table)
    colocate = "none" if table == COLOCATION else COLOCATION
    op.execute(text(f"ALTER TABLE {name} NO FORCE ROW LEVEL SECURITY"))
    op.execute(text(f"SELECT create_distributed_table({_literal(table)}, 'org_id', "
                    f"colocate_with => {_literal(colocate)})"))
    op.execute(text(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY"))


def undistribute(tenant_tables, global_tables) -> None:
    """Back to plain tables on the coordinator (a downgrade): tenant tables and every table
    linked to them by foreign keys, then the global tables left over."""
    if not citus():
        return
    for table in tenant_tables:
        op.execute(text(f"ALTER TABLE {quoted(table)} NO FORCE ROW LEVEL SECURITY"))
    for table in (*tenant_tables, *global_tables):
        if op.get_bind().execute(text("SELECT EXISTS (SELECT FROM pg_dist_partition "
                                      "WHERE logicalrelid = to_regclass(:t))"), {"t": table}).scalar_one():
            op.execute(text(f"SELECT undistribute_table({_literal(table)}, "
                            "cascade_via_foreign_keys => true)"))
    for table in tenant_tables:
        op.execute(text(f"ALTER TABLE {quoted(table)} FORCE ROW LEVEL SECURITY"))
    _restore_not_null_names((*tenant_tables, *global_tables))


def _restore_not_null_names(tables) -> None:
    """undistribute_table() rebuilds a table under a temporary name and renames it; PostgreSQL
    18's named NOT NULL constraints keep the temporary name (`members_2431097652_id_not_null1`).
    Give them back the names that CREATE TABLE gives (`members_id_not_null`). Distributing a
    table renames them the same way, and Citus cannot rename a distributed table's constraints:
    on Citus they keep its names until the tables are plain again."""
    renames = op.get_bind().execute(text("""
        SELECT c.conrelid::regclass::text, c.conname, t.relname || '_' || a.attname || '_not_null'
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'n' AND t.relname = ANY(:tables)
          AND c.conname <> t.relname || '_' || a.attname || '_not_null'"""),
        {"tables": list(tables)}).all()
    for table, old, new in renames:
        op.execute(text(f"ALTER TABLE {quoted(table)} RENAME CONSTRAINT {quoted(old)} "
                        f"TO {quoted(new)}"))


def _literal(value: str) -> str:
    return op.get_bind().execute(text("SELECT quote_literal(:v)"), {"v": value}).scalar_one()


def register_backfill(name: str) -> None:
    """Ask `db upgrade` to run the tenant backfill `name` (migrations/backfills.py) once this
    revision has committed."""
    op.execute(text("INSERT INTO maintenance.tenant_backfills (name) VALUES (:name) "
                    "ON CONFLICT (name) DO NOTHING").bindparams(name=name))


def forget_backfill(name: str) -> None:
    op.execute(text("DELETE FROM maintenance.tenant_backfills WHERE name = :name")
               .bindparams(name=name))
