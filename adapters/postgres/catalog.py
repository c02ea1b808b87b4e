"""What a backup records about a database, read as its owner: every table's row count, each
org's audit chain head, and the application role's grants (which pg_restore --no-privileges
leaves out, since the role is named after the database and a restored copy gets its own)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import Connection, text

from application.ports.database_dump import ChainHead, DatabaseFacts
from domain.backup import BackupFailed

# The schemas the application works in: its own, and the job queue's (migration 0020).
_GRANTS = text("""
WITH role AS (SELECT oid FROM pg_roles WHERE rolname = :role),
     app AS (SELECT oid FROM pg_namespace WHERE nspname IN ('public', 'procrastinate'))
SELECT kind, name, string_agg(privilege, ', ' ORDER BY privilege) FROM (
  SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind,
         c.oid::regclass::text AS name, a.privilege_type AS privilege
  FROM pg_class c, aclexplode(c.relacl) a, role, app
  WHERE c.relnamespace = app.oid AND a.grantee = role.oid
  UNION ALL
  SELECT 'FUNCTION', p.oid::regprocedure::text, a.privilege_type
  FROM pg_proc p, aclexplode(p.proacl) a, role, app
  WHERE p.pronamespace = app.oid AND a.grantee = role.oid
  UNION ALL
  SELECT 'SCHEMA', quote_ident(n.nspname), a.privilege_type
  FROM pg_namespace n, aclexplode(n.nspacl) a, role, app
  WHERE n.oid = app.oid AND a.grantee = role.oid
) granted GROUP BY kind, name ORDER BY kind, name""")

# How each kind of object is found again by name in the restored database: the server's own
# spelling of the name is what goes into the GRANT, never the manifest's text.
_RESOLVE = {"TABLE": "to_regclass(:n)::text", "SEQUENCE": "to_regclass(:n)::text",
            "FUNCTION": "to_regprocedure(:n)::text", "SCHEMA": "to_regnamespace(:n)::text"}
_PRIVILEGES = re.compile(r"^[A-Z]+(, [A-Z]+)*$")


def facts(conn: Connection) -> DatabaseFacts:
    tables = conn.execute(text(
        "SELECT tablename, quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' "
        "ORDER BY tablename")).all()
    counts = {table: conn.execute(text(f"SELECT count(*) FROM public.{quoted}")).scalar_one()
              for table, quoted in tables}
    heads = ()
    if "audit_entries" in counts:
        heads = tuple(ChainHead(org_id=uuid.UUID(str(org)), seq=seq, hash=digest)
                      for org, seq, digest in conn.execute(text(
                          "SELECT DISTINCT ON (org_id) org_id, seq, hash FROM audit_entries "
                          "ORDER BY org_id, seq DESC")))
    return DatabaseFacts(row_counts=counts, chain_heads=heads)


def schema_revision(conn: Connection) -> str | None:
    if conn.execute(text("SELECT to_regclass('public.alembic_version')")).scalar() is None:
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def access(conn: Connection, role: str) -> dict[str, Any]:
    grants = [{"on": kind, "name": name, "privileges": privileges}
              for kind, name, privileges in conn.execute(_GRANTS, {"role": role})]
    return {"role": role, "grants": grants}


def grant(conn: Connection, role: str, recorded: dict[str, Any]) -> None:
    """Give `role` what the backed-up database's application role had."""
    quoted = conn.execute(text("SELECT quote_ident(:r)"), {"r": role}).scalar_one()
    for item in recorded.get("grants", []):
        kind, privileges = item["on"], item["privileges"]
        if kind not in _RESOLVE or not _PRIVILEGES.match(privileges):
            raise BackupFailed(f"the manifest's grant {item!r} is not one a backup writes")
        name = conn.execute(text(f"SELECT {_RESOLVE[kind]}"), {"n": item["name"]}).scalar()
        if name is None:
            raise BackupFailed(f"the restored database has no {kind.lower()} {item['name']}")
        conn.execute(text(f"GRANT {privileges} ON {kind} {name} TO {quoted}"))
