"""Groundwork on a Citus cluster against the single-node embedded PostgreSQL, in one run.

    CITUS_URL=postgresql+psycopg://citusrig@127.0.0.1:9700/postgres \\
    CITUS_WORKERS=127.0.0.1:9701,127.0.0.1:9702 .venv/bin/python bench/scale_out.py [--quick]

CITUS_URL is a superuser on the coordinator of a running cluster (../shared/tools/citus-rig/
builds one on loopback); CITUS_OWNER (default groundwork) the non-superuser owner, as in the test
suite. Each side gets a fresh database with the same migrations (on Citus: every tenant table
distributed, every global one a reference table), 10 orgs of 20 members made through the use
cases, and its own gunicorn server (bench/server.py: 2 workers x 4 threads). Rounds alternate
between the two servers: the members list (by access token) and a settings write (PATCH,
audited). Then both grow in bulk to 10,000 orgs (on Citus spread over the shards) and the list
is measured again: p50 at 10,000 orgs over p50 at 10 orgs, per side. Everything runs on one
machine, so the cluster's three nodes share its cores with the load generator and the app.
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
import os
import secrets
import shutil
import time
import uuid
from contextlib import ExitStack

from sqlalchemy import create_engine, text

from adapters.postgres.migrator import Migrator
from adapters.postgres.server import DatabaseUrls
from bench import seed, server
from bench.load import CONNECTIONS, Load, Target, alone, python_load, wrk_load, wrk_version
from bench.phases import ROUND_SECONDS, ROUNDS, WARMUP_SECONDS
from entrypoints.config import Settings
from entrypoints.container import build_container
from tests.fixtures.database import CitusCluster

SMALL_ORGS, LARGE_ORGS = 10, 10_000
PASSWORD = secrets.token_urlsafe(24)
SECRET_KEY = secrets.token_urlsafe(48)
SIDES = ("single", "citus")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 s rounds: a smoke run")
    args = parser.parse_args()
    if not os.environ.get("CITUS_URL"):
        parser.error("set CITUS_URL (and CITUS_WORKERS) to a running Citus cluster")
    cluster = CitusCluster(os.environ["CITUS_URL"], os.environ.get("CITUS_WORKERS", ""),
                           os.environ.get("CITUS_OWNER", "groundwork"))
    wrk = shutil.which("wrk")
    started = time.perf_counter()
    with ExitStack() as stack:
        single, tmpdir = stack.enter_context(server.embedded_database("gw-bench-scale-"))
        name = f"gw_bench_{uuid.uuid4().hex[:8]}"
        citus = cluster.create(name)
        stack.callback(cluster.drop, name)
        Migrator(citus.owner_url).upgrade()
        admin = {"single": single, "citus": DatabaseUrls(
            owner_url=cluster.coordinator.set(database=name), app_url=citus.app_url)}
        ports, sessions = {}, {}
        for side, urls in (("single", single), ("citus", citus)):
            container = build_container(Settings.from_env({}))
            container.adapters.database_urls.override(urls)
            stack.callback(container.adapters.engine().dispose)
            seed.through_use_cases(container, SMALL_ORGS)
            seed.set_password(container, container.adapters.password_hasher(), seed.owner(0),
                              PASSWORD)
            server.settle(urls)
            (tmpdir / side).mkdir()
            process, ports[side], _ = server.start(urls, tmpdir / side, SECRET_KEY)
            stack.callback(server.stop, process)
            sessions[side] = _session(ports[side])
        measure = _Measure(ports, tmpdir, wrk, args.quick)
        small = measure.alternate(sessions)
        for side in SIDES:
            seed.in_bulk(admin[side], SMALL_ORGS, LARGE_ORGS, 0)
            server.settle(admin[side])
        large = measure.alternate(sessions, lists_only=True)
        shards = _shards(admin["citus"])
    tool = wrk_version(wrk) if wrk else "python threads"
    print(f"Groundwork on Citus vs one PostgreSQL: {os.cpu_count()} CPUs, load {tool}, "
          f"{CONNECTIONS} connections; "
          + ("one 1 s round (--quick: a smoke run, not a result)" if args.quick
             else f"rounds of {ROUND_SECONDS:g} s x {ROUNDS}, alternating"))
    print(f"cluster: coordinator + {len(cluster.workers)} workers on this machine; "
          f"members in {shards} shards\n")
    print(f"{'route':<26}{'single req/s':>13}{'citus req/s':>13}{'ratio':>8}"
          f"{'single p50 alone':>18}{'citus p50 alone':>17}{'ratio':>8}")
    for label in ("list", "write"):
        _row(f"{label}, {SMALL_ORGS} orgs", small[("single", label)], small[("citus", label)])
    _row(f"list, {LARGE_ORGS:,} orgs", large[("single", "list")], large[("citus", "list")])
    print(f"\np50 alone at {LARGE_ORGS:,} orgs over {SMALL_ORGS} orgs: " + ", ".join(
        f"{side} {large[(side, 'list')][1].p50 / small[(side, 'list')][1].p50:.2f}x"
        for side in SIDES))
    print(f"total run time {time.perf_counter() - started:.1f} s")
    return 0


def _session(port: int) -> dict[str, str]:
    status, tokens = server.request(port, "POST", "/api/v1/auth/login",
                                    body={"email": seed.owner(0), "password": PASSWORD})
    if status != 200:
        raise RuntimeError(f"login answered {status}: {tokens}")
    return {"Authorization": f"Bearer {tokens['access_token']}"}


class _Measure:
    def __init__(self, ports: dict[str, int], tmpdir: Path, wrk: str | None, quick: bool) -> None:
        self._ports, self._tmpdir, self._wrk, self._quick = ports, tmpdir, wrk, quick

    def _load(self, side: str, target: Target, seconds: float) -> Load:
        seconds = min(seconds, 1.0) if self._quick else seconds
        if self._wrk:
            return wrk_load(self._wrk, self._ports[side], target, seconds, self._tmpdir)
        return python_load(self._ports[side], target, seconds)

    def alternate(self, sessions: dict[str, dict[str, str]], *, lists_only: bool = False
                  ) -> dict[tuple[str, str], tuple[Load, Load]]:
        slug = seed.slug(0)
        settings = ({"settings": {"timezone": "Europe/Berlin"}},
                    {"settings": {"timezone": "America/Lima"}})
        targets = {(side, "list"): Target("list", f"/api/v1/orgs/{slug}/members?limit=20",
                                          sessions[side]) for side in SIDES}
        if not lists_only:
            targets |= {(side, "write"): Target("write", f"/api/v1/orgs/{slug}", sessions[side],
                                                "PATCH", settings) for side in SIDES}
        for (side, _), target in targets.items():
            status, body = server.request(self._ports[side], target.method, target.path,
                                          target.headers, target.bodies[0] if target.bodies else None)
            if status != 200:
                raise RuntimeError(f"{side} {target.label} answered {status}: {str(body)[:300]}")
            self._load(side, target, WARMUP_SECONDS)
        runs: dict[tuple[str, str], list[Load]] = {key: [] for key in targets}
        for n in range(1 if self._quick else ROUNDS):
            order = list(targets.items())
            for key, target in order if n % 2 == 0 else reversed(order):
                runs[key].append(self._load(key[0], target, ROUND_SECONDS))
        return {key: (Load.pooled(runs[key]), alone(self._ports[key[0]], target))
                for key, target in targets.items()}


def _row(label: str, single: tuple[Load, Load], citus: tuple[Load, Load]) -> None:
    print(f"{label:<26}{single[0].rate:>13,.0f}{citus[0].rate:>13,.0f}"
          f"{citus[0].rate / single[0].rate:>7.2f}x{single[1].p50 * 1000:>15.2f} ms"
          f"{citus[1].p50 * 1000:>14.2f} ms{citus[1].p50 / single[1].p50:>7.2f}x")


def _shards(urls: DatabaseUrls) -> int:
    engine = create_engine(urls.owner_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM pg_dist_shard "
                                     "WHERE logicalrelid = 'members'::regclass")).scalar_one()
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
