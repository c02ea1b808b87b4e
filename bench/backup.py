"""Backup benchmark: `groundwork backup create` and `restore` of a database of 1,000 orgs.

    .venv/bin/python bench/backup.py [--orgs N] [--members M]     (or: make bench-backup)

Starts a throwaway embedded PostgreSQL in a temporary directory (or, when DATABASE_URL is set,
creates `gw_bench_<random>` on that server; the owner must be a superuser or have BYPASSRLS),
makes the orgs through CreateOrganization (so every org has a real audit chain) and adds M
members to each in bulk SQL as the owner. Then it times the BackupService itself: pg_dump
streamed into the filesystem object store with its manifest, and pg_restore into a new
database with the checks a restore makes (sha256 first, row counts and chain heads after).
The process's peak memory is printed before and after: the dump is streamed, never held.
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from adapters.postgres.migrator import Migrator
from adapters.postgres.server import (
    DatabaseUrls,
    drop_database,
    ensure_database,
    start_embedded,
    stop_embedded,
)
from application.organizations import CreateOrganization
from domain.audit import Actor
from entrypoints.config import Settings
from entrypoints.container import build_container

ACTOR = Actor.operator("bench")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=1_000)
    parser.add_argument("--members", type=int, default=20, help="members added per org (bulk)")
    args = parser.parse_args()
    tmpdir = Path(tempfile.mkdtemp(prefix="gw-bench-backup-"))
    server_url = os.environ.get("DATABASE_URL") or start_embedded(tmpdir / "pgdata")
    database, copy = f"gw_bench_{secrets.token_hex(4)}", f"gw_bench_{secrets.token_hex(4)}"
    container = None
    try:
        ensure_database(server_url, database)
        urls = DatabaseUrls.for_server(server_url, database)
        Migrator(urls.owner_url).upgrade()
        settings = Settings.from_env({"GROUNDWORK_HOME": str(tmpdir), "SECRET_KEY": "b" * 40})
        container = build_container(settings)
        container.adapters.database_urls.override(urls)
        t0 = time.perf_counter()
        seed(container, urls, args.orgs, args.members)
        seeded = time.perf_counter() - t0
        backups = container.application.backups()
        rss_before = _peak_rss_mb()
        t0 = time.perf_counter()
        manifest = backups.create()
        created = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = backups.restore(manifest["id"], database=copy)
        restored = time.perf_counter() - t0
        rss_after = _peak_rss_mb()
    finally:
        if container is not None:
            container.adapters.engine().dispose()
        for name in (copy, database):
            drop_database(server_url, name)
        if not os.environ.get("DATABASE_URL"):
            stop_embedded(tmpdir / "pgdata")
        shutil.rmtree(tmpdir, ignore_errors=True)

    rows = sum(manifest["row_counts"].values())
    print(f"Groundwork backup benchmark: {args.orgs:,} orgs x {args.members + 1} members, "
          f"{rows:,} rows in {len(manifest['row_counts'])} tables "
          f"(seeded in {seeded:.1f} s)")
    print(f"  backup create   {created:6.2f} s   dump {manifest['size'] / 1e6:.2f} MB "
          f"(pg_dump -Fc), sha256 and manifest included")
    print(f"  backup restore  {restored:6.2f} s   into a new database: checksum, pg_restore, "
          f"grants, {report.rows:,} rows and {report.chains:,} chains checked")
    print(f"  peak RSS of this process: {rss_before:.0f} MB before, {rss_after:.0f} MB after")
    return 0


def seed(container, urls: DatabaseUrls, orgs: int, members: int) -> None:
    service = container.application.organizations()
    for i in range(orgs):
        service.create(CreateOrganization(name=f"Bench Org {i:05d}", slug=f"bench-{i:05d}",
                                          owner_email=f"owner-{i:05d}@bench.example",
                                          actor=ACTOR, plan="enterprise"))
    engine = create_engine(urls.owner_url)
    try:
        with engine.begin() as conn:  # the owner: a superuser here, past row-level security
            conn.execute(text(
                "CREATE TEMP TABLE people ON COMMIT DROP AS SELECT o.id AS org_id, n, o.slug, "
                "gen_random_uuid() AS user_id FROM org o, generate_series(1, :m) n"), {"m": members})
            conn.execute(text(
                "INSERT INTO users (id, email, full_name) SELECT user_id, "
                "slug || '-m' || n || '@bench.example', 'Member ' || n FROM people"))
            conn.execute(text(
                "INSERT INTO members (org_id, id, user_id, role) "
                "SELECT org_id, gen_random_uuid(), user_id, 'member' FROM people"))
    finally:
        engine.dispose()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    sys.exit(main())
