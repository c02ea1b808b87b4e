"""Application CPU per request, ours against the lean hand-written route, in one process.

    .venv/bin/python bench/cpu.py [--rounds N] [--batch N]

Under load on a 2-core machine that also runs PostgreSQL and the load generator, req/s ratios
swing by about 10 % between runs. This measures the part that the issue's target is about, the
Python work per request, with less noise: the same WSGI app as bench/wsgi.py (real routes, the
lean routes and the bare one) called directly (no HTTP client, no server), in alternating
batches, counting this process's CPU time only (PostgreSQL's backends are other processes).
Prints µs of CPU per request, the median over the rounds, and lean/ours (above 1.0: ours does
less Python work than the hand-written route).
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
import io
import os
import secrets
import statistics
import time

from werkzeug.test import EnvironBuilder

from adapters.postgres.server import DatabaseUrls
from bench import seed
from bench.server import embedded_database
from entrypoints.config import Settings
from entrypoints.container import build_container

SECRET_KEY = secrets.token_urlsafe(48)
PASSWORD = secrets.token_urlsafe(24)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    with embedded_database("gw-bench-cpu-") as (urls, tmpdir):
        container = build_container(Settings.from_env({}))
        container.adapters.database_urls.override(urls)
        seed.through_use_cases(container, 2)
        seed.set_password(container, container.adapters.password_hasher(), seed.owner(0), PASSWORD)
        key = seed.api_key(container, 0)
        container.adapters.engine().dispose()
        app = _app(urls, tmpdir)
        calls = _calls(app, key)
        medians = _measure(calls, args.rounds, args.batch)
    print(f"app CPU per request, one process, median of {args.rounds} rounds of {args.batch} "
          f"alternating calls per route")
    print(f"{'route':<24}{'µs CPU':>10}{'lean/ours':>12}")
    for kind in ("list", "list by key"):
        ours, lean = medians[f"ours {kind}"], medians[f"lean {kind}"]
        print(f"{'ours ' + kind:<24}{ours:>10.0f}{lean / ours:>11.2f}x")
        print(f"{'lean ' + kind:<24}{lean:>10.0f}")
    print(f"{'bare':<24}{medians['bare']:>10.0f}")
    return 0


def _app(urls: DatabaseUrls, tmpdir: Path):
    """bench/wsgi.py's app, configured from the environment as gunicorn's workers are."""
    os.environ.update({
        "GROUNDWORK_BACKEND": "postgres", "SECRET_KEY": SECRET_KEY, "LOG_LEVEL": "WARNING",
        "DATABASE_URL": urls.owner_url.render_as_string(hide_password=False),
        "APP_DATABASE_URL": urls.app_url.render_as_string(hide_password=False),
        "LOGIN_LIMIT_PER_ACCOUNT": "1000000/minute", "LOGIN_LIMIT_PER_IP": "1000000/minute",
        "GROUNDWORK_HOME": str(tmpdir / "home")})
    os.environ.pop("REDIS_URL", None)
    from bench import wsgi
    return wsgi.app


def _calls(app, key: str) -> dict:
    login = app.test_client().post("/api/v1/auth/login",
                                   json={"email": seed.owner(0), "password": PASSWORD})
    token, slug = login.json["access_token"], seed.slug(0)
    paths = {"ours list": (f"/api/v1/orgs/{slug}/members", token),
             "lean list": (f"/bench/lean/orgs/{slug}/members", token),
             "ours list by key": (f"/api/v1/orgs/{slug}/members", key),
             "lean list by key": (f"/bench/lean/key/orgs/{slug}/members", key),
             "bare": ("/bench/bare", token)}
    calls = {}
    for name, (path, bearer) in paths.items():
        environ = EnvironBuilder(path=path, headers={"Authorization": f"Bearer {bearer}"}).get_environ()
        calls[name] = _caller(app, environ)
        for _ in range(20):  # warm: psycopg prepares statements on their 5th use
            calls[name]()
    return calls


def _caller(app, environ: dict):
    def call() -> None:
        statuses = []
        body = b"".join(app({**environ, "wsgi.input": io.BytesIO(b"")},
                            lambda status, headers, exc_info=None: statuses.append(status)))
        if not statuses[0].startswith("200"):
            raise RuntimeError(f"{environ['PATH_INFO']}: {statuses[0]} {body[:200]!r}")
    return call


def _measure(calls: dict, rounds: int, batch: int) -> dict[str, float]:
    per_request: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            started = time.process_time()
            for _ in range(batch):
                call()
            per_request[name].append((time.process_time() - started) / batch * 1e6)
    return {name: statistics.median(values) for name, values in per_request.items()}


if __name__ == "__main__":
    sys.exit(main())
