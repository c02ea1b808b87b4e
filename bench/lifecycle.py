"""An org's data over its life, at 100,000 rows: export, purge, import.

    .venv/bin/python bench/lifecycle.py [--rows N]      (or: make bench-lifecycle)

One org gets N audit entries (a valid chain, bulk-loaded with COPY as the owner), on a throwaway
embedded PostgreSQL and a filesystem object store in a temporary directory. Then, through the
real use cases: the export (`export create`), the purge (`org purge --now`, which exports first)
and the import of that export (`org import`), each timed, and `audit verify` after the import.

Memory: the export and the import stream, so their peak Python allocation (tracemalloc) must not
grow with the org. Each is measured at N/10 rows and at N rows in separate orgs; the printed ratio
is peak(N) / peak(N/10): about 1 when streamed, about 10 when loaded whole.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from adapters.postgres.maintenance import maintenance, owner_engine
from adapters.postgres.migrator import Migrator
from adapters.postgres.server import DatabaseUrls, ensure_database, start_embedded, stop_embedded
from application.org_import import StoredExportFiles
from application.organizations import CreateOrganization, DeleteOrganization
from domain.audit import Actor, AuditEntry, AuditEvent
from domain.export import export_prefix
from entrypoints.config import Settings
from entrypoints.container import build_container

ACTOR = Actor.operator("operator:bench")
COLUMNS = ("org_id", "id", "seq", "actor_type", "actor_id", "actor_label", "action",
           "resource_type", "resource_id", "details", "ip", "user_agent", "created_at",
           "updated_at", "prev_hash", "hash", "hash_version", "pii_salts", "erased")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows
    tmp = Path(tempfile.mkdtemp(prefix="gw-bench-lifecycle-"))
    try:
        server = start_embedded(tmp / "pgdata")
        ensure_database(server, "gw_bench")
        urls = DatabaseUrls.for_server(server, "gw_bench")
        Migrator(urls.owner_url).upgrade()
        container = build_container(Settings.from_env({  # objects under GROUNDWORK_HOME
            "GROUNDWORK_HOME": str(tmp / "home"), "SECRET_KEY": "bench-" + "k" * 40}))
        container.adapters.database_urls.override(urls)
        report = _run(container, urls, rows)
    finally:
        stop_embedded(tmp / "pgdata")
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"Groundwork data life cycle: one org of {rows:,} audit entries, embedded "
          "PostgreSQL, filesystem object store")
    width = max(len(name) for name, _ in report)
    for name, value in report:
        print(f"  {name:<{width}}  {value}")
    return 0


def _run(container, urls: DatabaseUrls, rows: int) -> list[tuple[str, str]]:
    small, large = _org(container, urls, "small", rows // 10), _org(container, urls, "large", rows)
    exports = container.application.exports()
    small_peak, _ = _peak(lambda: exports.create_now(small, ACTOR))
    started = time.perf_counter()
    exported = exports.create_now(large, ACTOR)
    export_time = time.perf_counter() - started
    large_peak, _ = _peak(lambda: exports.create_now(large, ACTOR))
    size = sum(o.size for o in container.adapters.object_store().list(
        export_prefix(_org_id(container, large), exported.id)))

    purges = container.application.org_purge()
    for slug in (small, large):
        container.application.organizations().delete(DeleteOrganization(slug=slug, actor=ACTOR))
    purge_small = purges.purge(small, ACTOR, before_grace_ends=True)
    started = time.perf_counter()
    purge_large = purges.purge(large, ACTOR, before_grace_ends=True)
    purge_time = time.perf_counter() - started

    importer = container.application.org_import()
    store = container.adapters.object_store()
    import_small, _ = _peak(lambda: importer.load(
        StoredExportFiles(store, purge_small.export_manifest), ACTOR))
    started = time.perf_counter()
    loaded = importer.load(StoredExportFiles(store, purge_large.export_manifest), ACTOR)
    import_time = time.perf_counter() - started
    import_large, _ = _peak(lambda: importer.load(  # a copy beside it: re-chained, same rows
        StoredExportFiles(store, purge_large.export_manifest), ACTOR, slug=f"{large}-copy"))
    started = time.perf_counter()
    (chain,) = container.application.audit_verifier().verify(large)
    verify_time = time.perf_counter() - started
    assert chain.intact and loaded.counts == purge_large.body["export"]["counts"]
    total = exported.counts["audit_entries"]
    return [
        ("export (create_now)", f"{export_time:.2f} s  ({total / export_time:,.0f} rows/s, "
                                f"{size / 1e6:.1f} MB written)"),
        ("export peak Python memory", f"{rows // 10:,} rows {small_peak / 1e6:.2f} MB, "
                                      f"{rows:,} rows {large_peak / 1e6:.2f} MB: "
                                      f"ratio {large_peak / small_peak:.2f}x"),
        ("purge --now (export first)", f"{purge_time:.2f} s  "
                                       f"({sum(purge_large.body['rows_deleted'].values()):,} "
                                       "rows deleted)"),
        ("import (checked, one transaction)", f"{import_time:.2f} s  "
                                              f"({sum(loaded.counts.values()) / import_time:,.0f}"
                                              " rows/s)"),
        ("import peak Python memory", f"{rows // 10:,} rows {import_small / 1e6:.2f} MB, "
                                      f"{rows:,} rows {import_large / 1e6:.2f} MB: "
                                      f"ratio {import_large / import_small:.2f}x"),
        ("audit verify after import", f"{verify_time:.2f} s, intact: {chain.intact}"),
    ]


def _org(container, urls: DatabaseUrls, name: str, entries: int) -> str:
    """An org whose audit log is `entries` long: a valid chain, copied in as the owner."""
    slug = f"bench-{name}"
    org = container.application.organizations().create(CreateOrganization(
        name=f"Bench {name}", slug=slug, owner_email=f"owner@{slug}.example", actor=ACTOR,
        plan="enterprise"))
    with container.adapters.unit_of_work() as uow:
        uow.bind(org.id)
        previous = list(uow.audit.entries(org.id))[-1]
    ids = container.adapters.ids()
    buffer = io.StringIO()
    for n in range(entries - previous.seq):
        event = AuditEvent(actor=ACTOR, action="bench.event", resource_type="bench",
                           resource_id=str(n), details={"n": n, "note": "x" * 40})
        previous = AuditEntry.chained(event, org_id=org.id, id=ids.new_id(),
                                      now=datetime.now(tz=UTC), previous=previous)
        buffer.write("\t".join(_cell(previous, c) for c in COLUMNS) + "\n")
    with maintenance(owner_engine(urls.owner_url), org.id) as conn:
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY audit_entries ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
    return slug


def _cell(entry: AuditEntry, column: str) -> str:
    value = entry.created_at if column == "updated_at" else getattr(entry, column)
    if value is None:
        return r"\N"
    if column in ("details", "pii_salts", "erased"):
        return json.dumps(value).replace("\\", "\\\\")
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _org_id(container, slug: str):
    with container.adapters.unit_of_work() as uow:
        return uow.orgs.get_by_slug(slug).id


def _peak(work) -> tuple[int, object]:
    tracemalloc.start()
    try:
        result = work()
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


if __name__ == "__main__":
    sys.exit(main())
