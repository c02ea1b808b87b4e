"""Tenancy benchmark: migration time, org creation, and slug lookups at 10 vs 1,000 orgs.

    .venv/bin/python bench/tenancy.py          (or: make bench)

Starts a throwaway embedded PostgreSQL in a temporary directory, or, when DATABASE_URL is
set, creates a fresh database `gw_bench_<random>` on that server and drops it afterwards.
Everything goes through the real code: the Migrator, the dependency-injector container,
the OrganizationService over PostgreSQL with row-level security, as the app role.
"""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from adapters.postgres.migrator import Migrator
from adapters.postgres.server import (
    DatabaseUrls,
    drop_database,
    ensure_database,
    start_embedded,
    stop_embedded,
)
from application.organizations import CreateOrganization, GetOrganization
from domain.audit import Actor
from entrypoints.config import Settings
from entrypoints.container import build_container

TOTAL_ORGS = 1_000
SMALL_ORGS = 10
LOOKUPS = 1_000
WARMUP = 100
ACTOR = Actor.operator("bench")


def main() -> int:
    started = time.perf_counter()
    rows: list[tuple[str, str]] = []
    server_url = os.environ.get("DATABASE_URL")
    tmpdir: Path | None = None
    if server_url:
        database = f"gw_bench_{secrets.token_hex(4)}"
        # The migration gives the app role this password; the app then logs in with it.
        os.environ.setdefault("APP_DB_PASSWORD", secrets.token_urlsafe(24))
        where = f"DATABASE_URL server, database {database} (dropped afterwards)"
    else:
        database = "gw_bench"
        tmpdir = Path(tempfile.mkdtemp(prefix="gw-bench-"))
        t0 = time.perf_counter()
        server_url = start_embedded(tmpdir / "pgdata")
        rows.append(("embedded PostgreSQL start (initdb + start)", _secs(time.perf_counter() - t0)))
        where = f"embedded PostgreSQL in {tmpdir} (deleted afterwards)"

    container = None
    try:
        ensure_database(server_url, database)
        urls = DatabaseUrls.for_server(server_url, database,
                                       app_password=os.environ.get("APP_DB_PASSWORD") or None)

        # (a) migrations on the empty database
        migrator = Migrator(urls.owner_url)
        t0 = time.perf_counter()
        migrator.upgrade()
        rows.append(("migrate empty database (upgrade head)", _secs(time.perf_counter() - t0)))
        migrator.dispose()

        container = build_container(Settings.from_env({}))
        container.adapters.database_urls.override(urls)
        service = container.application.organizations()

        # (b) create orgs through the use case, (c) lookups at 10 and at 1,000 orgs
        create_times: list[float] = []
        _create_orgs(service, 0, SMALL_ORGS, create_times)
        small = _lookups(service, urls, SMALL_ORGS)
        _create_orgs(service, SMALL_ORGS, TOTAL_ORGS, create_times)
        large = _lookups(service, urls, TOTAL_ORGS)

        total = sum(create_times)
        rows.append((f"create {TOTAL_ORGS:,} orgs (CreateOrganization)",
                     f"{_secs(total)}  ({total / TOTAL_ORGS * 1000:.1f} ms/org, "
                     f"{TOTAL_ORGS / total:.0f} orgs/s)"))
    finally:
        if container is not None:
            container.adapters.engine().dispose()
        if tmpdir is None:
            drop_database(server_url, database)
        else:
            stop_embedded(tmpdir / "pgdata")
            shutil.rmtree(tmpdir, ignore_errors=True)

    print(f"Groundwork tenancy benchmark: {where}")
    print()
    _table(["step", "time"], rows)
    print()
    print(f"lookup by slug: GetOrganization as an operator, {LOOKUPS} calls each "
          f"(after {WARMUP} warm-up calls; VACUUM ANALYZE + CHECKPOINT first)")
    _table(["orgs", "median", "p95", "mean"], [
        (f"{count:,}", _ms(statistics.median(s)), _ms(_p95(s)), _ms(statistics.fmean(s)))
        for count, s in ((SMALL_ORGS, small), (TOTAL_ORGS, large))
    ])
    median_ratio = statistics.median(large) / statistics.median(small)
    print(f"ratio {TOTAL_ORGS}/{SMALL_ORGS}: median {median_ratio:.2f}x, "
          f"p95 {_p95(large) / _p95(small):.2f}x")
    print()
    print(f"total run time {time.perf_counter() - started:.1f} s")
    return 0


def _create_orgs(service, start: int, stop: int, times: list[float]) -> None:
    for i in range(start, stop):
        cmd = CreateOrganization(name=f"Bench Org {i:04d}", slug=_slug(i),
                                 owner_email=f"owner-{i:04d}@bench.example", actor=ACTOR)
        t0 = time.perf_counter()
        service.create(cmd)
        times.append(time.perf_counter() - t0)


def _lookups(service, urls: DatabaseUrls, org_count: int) -> list[float]:
    _settle(urls)
    rng = random.Random(org_count)
    slugs = [_slug(rng.randrange(org_count)) for _ in range(WARMUP + LOOKUPS)]
    samples = _timed(lambda slug: service.get(GetOrganization(slug=slug, actor=ACTOR)), slugs)
    return samples[WARMUP:]


def _timed(call: Callable[[str], object], args: list[str]) -> list[float]:
    samples = []
    for arg in args:
        t0 = time.perf_counter()
        call(arg)
        samples.append(time.perf_counter() - t0)
    return samples


def _settle(urls: DatabaseUrls) -> None:
    """Fresh statistics, and no checkpoint of the inserts landing inside the measurement."""
    engine = create_engine(urls.owner_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
            # Needs superuser or pg_checkpoint on a DATABASE_URL server; optional there.
            with contextlib.suppress(DBAPIError):
                conn.execute(text("CHECKPOINT"))
    finally:
        engine.dispose()



def _slug(i: int) -> str:
    return f"bench-org-{i:04d}"


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def _secs(seconds: float) -> str:
    return f"{seconds:.2f} s"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def _table(header: list[str], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(r[i])) for r in [tuple(header), *rows]) for i in range(len(header))]
    for row in [tuple(header), *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


if __name__ == "__main__":
    sys.exit(main())
