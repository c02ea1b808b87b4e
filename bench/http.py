"""HTTP benchmark: Groundwork's request path against a bare route and a lean hand-written route
with the same guarantees, on one gunicorn server, in one run.

    .venv/bin/python bench/http.py [--tool auto|wrk|python] [--quick]

Prints, with ratios measured in the same run (rounds alternate between routes, against drift):
  1. the members list by access token and by API key, and a settings write (PATCH, audited):
     req/s under load, p50/p99, p50/p99 alone; ours/bare and ours/lean;
  2. concurrent sign-ins (8 at once) as a rate, against the raw argon2 verify rate with the same
     parameters on the same machine;
  3. the members list with 10 orgs and with 10,000 orgs (and ~10,000 members in the measured org).
Starts a throwaway embedded PostgreSQL, or creates a fresh database on DATABASE_URL's server
(whose owner must be a superuser for the bulk seeding) and drops it afterwards.
"""

# ruff: noqa: E402  (the imports below must come after the sys.path fix)
from __future__ import annotations

import sys
from pathlib import Path

# This file is called http.py and Python puts its folder first on sys.path, where it would
# hide the standard library's `http` package from everything imported below.
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
if str(_BENCH.parent) not in sys.path:
    sys.path.insert(0, str(_BENCH.parent))

import argparse
import os
import secrets
import shutil
import tempfile
import time

from adapters.postgres.migrator import Migrator
from adapters.postgres.server import (
    DatabaseUrls,
    drop_database,
    ensure_database,
    start_embedded,
    stop_embedded,
)
from bench import seed, server
from bench.delay_proxy import DelayProxy
from bench.load import CONNECTIONS, HOST, wrk_version
from bench.phases import Bench, report
from entrypoints.config import Settings
from entrypoints.container import build_container

SMALL_ORGS = 10
LARGE_ORGS = 10_000
PASSWORD = secrets.token_urlsafe(24)
SECRET_KEY = secrets.token_urlsafe(48)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator (auto: wrk when installed, else python)")
    parser.add_argument("--quick", action="store_true", help="1 s rounds: a smoke run, not a result")
    parser.add_argument("--db-latency-ms", type=float, default=0.0,
                        help="hold every packet between the app and the (embedded) database this "
                             "long in each direction, through a loopback proxy; part 1 only")
    args = parser.parse_args()
    wrk = shutil.which("wrk") if args.tool in ("auto", "wrk") else None
    if args.tool == "wrk" and wrk is None:
        parser.error("wrk is not installed")
    if args.db_latency_ms and os.environ.get("DATABASE_URL"):
        parser.error("--db-latency-ms works on the embedded PostgreSQL only")
    started = time.perf_counter()
    tmpdir = Path(tempfile.mkdtemp(prefix="gw-bench-http-"))
    server_url = os.environ.get("DATABASE_URL")
    embedded = not server_url
    database = "gw_bench" if embedded else f"gw_bench_{secrets.token_hex(4)}"
    if not embedded:
        os.environ.setdefault("APP_DB_PASSWORD", secrets.token_urlsafe(24))
    container = process = log_path = proxy = None
    created = False
    try:
        if embedded:
            server_url = start_embedded(tmpdir / "pgdata")
        ensure_database(server_url, database)
        created = True
        urls = DatabaseUrls.for_server(server_url, database,
                                       app_password=os.environ.get("APP_DB_PASSWORD") or None)
        migrator = Migrator(urls.owner_url)
        migrator.upgrade()
        migrator.dispose()
        container = build_container(Settings.from_env({}))  # the production password hasher
        container.adapters.database_urls.override(urls)
        seed.through_use_cases(container, SMALL_ORGS)
        seed.set_password(container, container.adapters.password_hasher(), seed.owner(0), PASSWORD)
        key = seed.api_key(container, 0)
        server.settle(urls)
        served = urls
        if args.db_latency_ms:
            proxy = DelayProxy(_socket_of(urls), args.db_latency_ms / 1000)
            served = DatabaseUrls(owner_url=urls.owner_url,
                                  app_url=urls.app_url.set(host=HOST, port=proxy.port, query={}))
        process, port, log_path = server.start(served, tmpdir, SECRET_KEY)
        bench = Bench(port=port, tmpdir=tmpdir, wrk=wrk, quick=args.quick,
                      first_part_only=bool(args.db_latency_ms))
        results = bench.run(seed.slug(0), seed.owner(0), PASSWORD, key,
                            grow=lambda: (seed.in_bulk(urls, SMALL_ORGS, LARGE_ORGS, 9_980),
                                          server.settle(urls)))
    except BaseException:
        if process is not None:
            print(server.tail(log_path), file=sys.stderr)
        raise
    finally:
        if process is not None:
            server.stop(process)
        if container is not None:
            container.adapters.engine().dispose()
        if proxy is not None:
            proxy.close()
        if embedded:
            stop_embedded(tmpdir / "pgdata")
        elif created:
            drop_database(server_url, database)
        shutil.rmtree(tmpdir, ignore_errors=True)
    where = ("embedded PostgreSQL (temporary)" if embedded
             else f"DATABASE_URL server, database {database} (dropped afterwards)")
    tool = wrk_version(wrk) if wrk else "python (threads, keep-alive http.client, same machine)"
    print(f"Groundwork HTTP benchmark: {where}; {os.cpu_count()} CPUs")
    if args.db_latency_ms:
        print(f"database reached through a loopback proxy holding each packet "
              f"{args.db_latency_ms:g} ms in each direction")
    print(f"server: gunicorn bench.wsgi:app, {server.WORKERS} workers x gthread {server.THREADS} "
          f"threads, LOG_LEVEL=WARNING; load: {tool}, {CONNECTIONS} keep-alive connections")
    report(results, small=SMALL_ORGS, large=LARGE_ORGS)
    print(f"\ntotal run time {time.perf_counter() - started:.1f} s")
    return 0


def _socket_of(urls: DatabaseUrls) -> str:
    """The embedded server's Unix socket: <socket dir>/.s.PGSQL.<port>."""
    return f"{urls.owner_url.query['host']}/.s.PGSQL.{urls.owner_url.port or 5432}"


if __name__ == "__main__":
    sys.exit(main())
