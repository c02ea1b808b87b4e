"""HTTP benchmark: the members endpoint against a bare endpoint on one gunicorn server, and login.

    .venv/bin/python bench/http.py [--tool auto|wrk|python]

Prints, in one run:
  1. requests/s, p50 and p95 of an authenticated, RLS-protected
     `GET /api/v1/orgs/{slug}/members` versus a bare `GET /bench/bare` (constant JSON, same
     Flask app and hooks) served by the same gunicorn server, and the ratio ours/bare;
  2. `POST /api/v1/auth/login` p50/p95 with the production argon2 parameters, sequentially;
  3. the members endpoint again with 1,000 orgs in the tables instead of 10 (flatness), the
     bare endpoint measured again alongside, so a machine that slowed down meanwhile shows.

Starts a throwaway embedded PostgreSQL in a temporary directory, or, when DATABASE_URL is
set, creates a fresh database `gw_bench_<random>` on that server and drops it afterwards.
The app is bench/wsgi.py under gunicorn (gthread) on 127.0.0.1, a free port. The load comes
from `wrk` when it is installed (a tiny Lua `done` hook only reads p50/p95), else from
Python threads on keep-alive `http.client` connections; both run on the same machine.
"""

# ruff: noqa: E402  (the imports below must come after the sys.path fix)
from __future__ import annotations

import sys
from pathlib import Path

# This file is called http.py and Python puts its folder first on sys.path, where it would
# hide the standard library's `http` package from everything imported below.
_BENCH = Path(__file__).resolve().parent
_ROOT = _BENCH.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import argparse
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable

from attrs import define, field
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
from adapters.security.argon2_hasher import PRODUCTION
from application.members import AddMember
from application.organizations import CreateOrganization
from domain.audit import Actor
from entrypoints.config import Settings
from entrypoints.container import build_container

HOST = "127.0.0.1"
WORKERS = 2
THREADS = 4
CONNECTIONS = 8           # = workers x threads: every server thread busy, little queueing
WARMUP_SECONDS = 2.0
ROUND_SECONDS = 4.0
ROUNDS = 3                # bare, ours, bare, ours: alternating against drift
ALONE_REQUESTS = 200      # sequential, one connection
SMALL_ORGS = 10
LARGE_ORGS = 1_000
MEMBERS_PER_ORG = 4       # plus the owner: the members list returns 5 rows
LOGIN_ACCOUNTS = 3
LOGINS_PER_ACCOUNT = 10   # the throttle allows 10 per account and 100 per IP per 15 minutes
PASSWORD = secrets.token_urlsafe(24)
SECRET_KEY = secrets.token_urlsafe(48)
ACTOR = Actor.operator("bench")
BARE = "/bench/bare"
WRK_DONE_HOOK = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("GW p50_us=%d p95_us=%d requests=%d errors=%d\\n",
    latency:percentile(50), latency:percentile(95), summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


@define
class Load:
    """One measured run, or several pooled."""

    requests: int
    seconds: float
    p50: float
    p95: float
    errors: int
    samples: list[float] = field(factory=list)
    rounds: list[float] = field(factory=list)  # req/s of each pooled run

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @classmethod
    def pooled(cls, runs: list[Load]) -> Load:
        samples = [s for run in runs for s in run.samples]
        if samples and len(samples) == sum(run.requests for run in runs):
            p50, p95 = statistics.median(samples), _p95(samples)
        else:  # wrk gives percentiles per run only: average them
            p50 = statistics.fmean(run.p50 for run in runs)
            p95 = statistics.fmean(run.p95 for run in runs)
        return cls(requests=sum(r.requests for r in runs), seconds=sum(r.seconds for r in runs),
                   p50=p50, p95=p95, errors=sum(r.errors for r in runs), samples=samples,
                   rounds=[run.rate for run in runs])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator (auto: wrk when installed, else python)")
    args = parser.parse_args()
    wrk = shutil.which("wrk") if args.tool in ("auto", "wrk") else None
    if args.tool == "wrk" and wrk is None:
        parser.error("wrk is not installed")
    started = time.perf_counter()

    tmpdir = Path(tempfile.mkdtemp(prefix="gw-bench-http-"))
    server_url = os.environ.get("DATABASE_URL")
    embedded = not server_url
    if embedded:
        database = "gw_bench"
        where = "embedded PostgreSQL (temporary, deleted afterwards)"
    else:
        database = f"gw_bench_{secrets.token_hex(4)}"
        os.environ.setdefault("APP_DB_PASSWORD", secrets.token_urlsafe(24))
        where = f"DATABASE_URL server, database {database} (dropped afterwards)"

    container = server = log_path = None
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

        container = build_container(Settings.from_env({}))  # production password hasher
        container.adapters.database_urls.override(urls)
        _seed(container, 0, SMALL_ORGS)
        hasher = container.adapters.password_hasher()
        for i in range(LOGIN_ACCOUNTS):
            _set_password(container, hasher, _owner(i))
        _settle(urls)

        server, port, log_path = _start_server(urls, tmpdir)
        token = _login(port, _owner(0))[1]["access_token"]
        ours = f"/api/v1/orgs/{_slug(0)}/members"
        auth = {"Authorization": f"Bearer {token}"}
        status, body = _get(port, ours, auth)
        if status != 200 or len(body) != MEMBERS_PER_ORG + 1:
            raise RuntimeError(f"members endpoint answered {status}: {body!r}")

        def load(path: str, headers: dict[str, str], seconds: float) -> Load:
            if wrk:
                return _wrk_load(wrk, port, path, headers, seconds, tmpdir)
            return _python_load(port, path, headers, seconds)

        # 1. bare vs ours, same server
        small = _phase(load, port, ours, auth)

        # 2. login, sequential: the argon2 verification, not the queue
        logins = []
        for _ in range(LOGINS_PER_ACCOUNT):
            for i in range(LOGIN_ACCOUNTS):
                logins.append(_login(port, _owner(i))[0])

        # 3. the same, with 1,000 orgs in the tables; bare again, as the machine may have drifted
        t0 = time.perf_counter()
        _seed(container, SMALL_ORGS, LARGE_ORGS)
        seed_seconds = time.perf_counter() - t0
        _settle(urls)
        large = _phase(load, port, ours, auth)
    except BaseException:
        if server is not None:
            print(_tail(log_path), file=sys.stderr)
        raise
    finally:
        if server is not None:
            _stop_server(server)
        if container is not None:
            container.adapters.engine().dispose()
        if embedded:
            stop_embedded(tmpdir / "pgdata")
        elif created:
            drop_database(server_url, database)
        shutil.rmtree(tmpdir, ignore_errors=True)

    tool = _wrk_version(wrk) if wrk else "python (threads, keep-alive http.client, same machine)"
    print(f"Groundwork HTTP benchmark: {where}")
    print(f"server: gunicorn bench.wsgi:app, {WORKERS} workers x gthread {THREADS} threads, "
          f"{HOST}, LOG_LEVEL=WARNING, in-process login throttle (no Redis); {os.cpu_count()} CPUs")
    print(f"load: {tool}; {CONNECTIONS} keep-alive connections, "
          f"{ROUNDS} rounds x {ROUND_SECONDS:.0f} s per endpoint (alternating) after "
          f"{WARMUP_SECONDS:.0f} s warm-up each")
    print()
    print(f"1. members endpoint vs bare endpoint, same server, {SMALL_ORGS} orgs "
          f"(alone = 1 connection, {ALONE_REQUESTS} sequential requests, python http.client)")
    members_label = f"GET /api/v1/orgs/{{slug}}/members ({MEMBERS_PER_ORG + 1} rows, JWT + RLS)"
    _table(["endpoint", "req/s", "p50", "p95", "errors", "req/s per round", "alone p50", "alone p95"], [
        (f"GET {BARE} (constant JSON)", *_phase_cells(small.bare, small.bare_alone)),
        (members_label, *_phase_cells(small.ours, small.ours_alone)),
        ("ratio ours/bare", f"{small.ours.rate / small.bare.rate:.3f}x",
         *_ratios(small.ours, small.bare, small.ours_alone, small.bare_alone)),
    ])
    print()
    print(f"2. POST /api/v1/auth/login, sequential, {len(logins)} logins "
          f"({LOGIN_ACCOUNTS} accounts x {LOGINS_PER_ACCOUNT}), argon2id "
          f"t={PRODUCTION['time_cost']} m={PRODUCTION['memory_cost'] // 1024} MiB "
          f"p={PRODUCTION['parallelism']} (production)")
    _table(["p50", "p95", "mean", "min", "max"], [
        (_ms(statistics.median(logins)), _ms(_p95(logins)), _ms(statistics.fmean(logins)),
         _ms(min(logins)), _ms(max(logins)))])
    print()
    print(f"3. members endpoint with {SMALL_ORGS} vs {LARGE_ORGS:,} orgs "
          f"(each with an owner and {MEMBERS_PER_ORG} members; "
          f"{LARGE_ORGS - SMALL_ORGS} orgs seeded in {seed_seconds:.1f} s, then VACUUM ANALYZE);")
    print("   bare measured again alongside, so ours/bare corrects for the machine's drift")
    _table(["orgs", "req/s", "p50", "p95", "errors", "req/s per round", "alone p50", "alone p95",
            "bare req/s", "ours/bare"], [
        (f"{count:,}", *_phase_cells(phase.ours, phase.ours_alone), f"{phase.bare.rate:,.0f}",
         f"{phase.ours.rate / phase.bare.rate:.3f}x")
        for count, phase in ((SMALL_ORGS, small), (LARGE_ORGS, large))
    ] + [
        (f"ratio {LARGE_ORGS}/{SMALL_ORGS}", f"{large.ours.rate / small.ours.rate:.2f}x",
         *_ratios(large.ours, small.ours, large.ours_alone, small.ours_alone),
         f"{large.bare.rate / small.bare.rate:.2f}x",
         f"{(large.ours.rate / large.bare.rate) / (small.ours.rate / small.bare.rate):.2f}x"),
    ])
    print()
    print(f"total run time {time.perf_counter() - started:.1f} s")
    return 0


# --- data -------------------------------------------------------------------------------


@define
class Phase:
    bare: Load
    ours: Load
    bare_alone: Load
    ours_alone: Load


def _phase(load: Callable[[str, dict[str, str], float], Load], port: int, ours: str,
           auth: dict[str, str]) -> Phase:
    """Warm both up, alternate bare and ours under load, then each alone on one connection."""
    for path, headers in ((BARE, {}), (ours, auth)):
        load(path, headers, WARMUP_SECONDS)
    bare_runs, ours_runs = [], []
    for _ in range(ROUNDS):
        bare_runs.append(load(BARE, {}, ROUND_SECONDS))
        ours_runs.append(load(ours, auth, ROUND_SECONDS))
    return Phase(bare=Load.pooled(bare_runs), ours=Load.pooled(ours_runs),
                 bare_alone=_alone(port, BARE, {}), ours_alone=_alone(port, ours, auth))


def _seed(container, start: int, stop: int) -> None:
    orgs, members = container.application.organizations(), container.application.members()
    for i in range(start, stop):
        orgs.create(CreateOrganization(name=f"Bench Org {i:04d}", slug=_slug(i),
                                       owner_email=_owner(i), actor=ACTOR))
        for j in range(MEMBERS_PER_ORG):
            members.add(AddMember(slug=_slug(i), email=f"member-{j}@{_slug(i)}.example",
                                  role="member", actor=ACTOR))


def _set_password(container, hasher, email: str) -> None:
    with container.adapters.unit_of_work() as uow:
        user = uow.users.get_by_email(email)
        user.password_hash = hasher.hash(PASSWORD)
        uow.users.update(user)
        uow.commit()


def _settle(urls: DatabaseUrls) -> None:
    """Fresh statistics, and no checkpoint of the inserts landing inside a measurement."""
    engine = create_engine(urls.owner_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
            with contextlib.suppress(DBAPIError):  # needs pg_checkpoint on a shared server
                conn.execute(text("CHECKPOINT"))
    finally:
        engine.dispose()



def _slug(i: int) -> str:
    return f"bench-org-{i:04d}"


def _owner(i: int) -> str:
    return f"owner-{i:04d}@bench.example"


# --- server -----------------------------------------------------------------------------


def _start_server(urls: DatabaseUrls, tmpdir: Path) -> tuple[subprocess.Popen, int, Path]:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    env = {**os.environ,
           "GROUNDWORK_BACKEND": "postgres",
           "DATABASE_URL": urls.owner_url.render_as_string(hide_password=False),
           "APP_DATABASE_URL": urls.app_url.render_as_string(hide_password=False),
           "SECRET_KEY": SECRET_KEY,
           "LOG_LEVEL": "WARNING",
           "GROUNDWORK_HOME": str(tmpdir / "home")}
    env.pop("REDIS_URL", None)
    log_path = tmpdir / "gunicorn.log"
    command = [str(Path(sys.executable).parent / "gunicorn"), "--chdir", str(_ROOT),
               "--bind", f"{HOST}:{port}", "--workers", str(WORKERS), "--worker-class", "gthread",
               "--threads", str(THREADS), "--graceful-timeout", "10", "--log-level", "warning",
               "bench.wsgi:app"]
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                                  start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError, http.client.HTTPException):
                if _get(port, "/health")[0] == 200 and _get(port, BARE)[0] == 200:
                    break
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"gunicorn did not come up:\n{_tail(log_path)}")
            time.sleep(0.2)
    except BaseException:
        _stop_server(server)
        raise
    return server, port, log_path


def _stop_server(server: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def _tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


# --- requests ---------------------------------------------------------------------------


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, object]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()


def _login(port: int, email: str) -> tuple[float, dict]:
    """One login on a fresh connection; (seconds, token pair)."""
    body = json.dumps({"email": email, "password": PASSWORD})
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        t0 = time.perf_counter()
        conn.request("POST", "/api/v1/auth/login", body=body,
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        payload = response.read()
        seconds = time.perf_counter() - t0
    finally:
        conn.close()
    if response.status != 200:
        raise RuntimeError(f"login of {email} answered {response.status}: {payload[:300]!r}")
    return seconds, json.loads(payload)


def _alone(port: int, path: str, headers: dict[str, str]) -> Load:
    """ALONE_REQUESTS back to back on one keep-alive connection: latency without queueing."""
    samples = []
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        for _ in range(ALONE_REQUESTS):
            t0 = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            samples.append(time.perf_counter() - t0)
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")
    finally:
        conn.close()
    return Load(requests=len(samples), seconds=sum(samples), p50=statistics.median(samples),
                p95=_p95(samples), errors=0, samples=samples)


def _python_load(port: int, path: str, headers: dict[str, str], seconds: float) -> Load:
    """CONNECTIONS threads, each a keep-alive connection sending requests back to back."""
    samples: list[list[float]] = [[] for _ in range(CONNECTIONS)]
    errors = [0] * CONNECTIONS
    gate = threading.Barrier(CONNECTIONS + 1)
    deadline = [0.0]

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        mine = samples[n]
        gate.wait()
        end = deadline[0]
        try:
            while (t0 := time.perf_counter()) < end:
                try:
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    ok = response.status == 200
                except (OSError, http.client.HTTPException):
                    ok = False
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=10)
                if ok:
                    mine.append(time.perf_counter() - t0)
                else:
                    errors[n] += 1
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    gate.wait()
    t0 = time.perf_counter()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    elapsed = time.perf_counter() - t0
    pooled = [s for mine in samples for s in mine]
    if not pooled:
        raise RuntimeError(f"no successful request to {path} ({sum(errors)} errors)")
    return Load(requests=len(pooled), seconds=elapsed, p50=statistics.median(pooled),
                p95=_p95(pooled), errors=sum(errors), samples=pooled)


def _wrk_load(wrk: str, port: int, path: str, headers: dict[str, str], seconds: float,
              tmpdir: Path) -> Load:
    hook = tmpdir / "done.lua"
    if not hook.exists():
        hook.write_text(WRK_DONE_HOOK)
    command = [wrk, "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds:g}s", "--latency",
               "--timeout", "10s", "-s", str(hook)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://{HOST}:{port}{path}")
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30,  # noqa: S603
                         check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    ours = re.search(r"GW p50_us=(\d+) p95_us=(\d+) requests=(\d+) errors=(\d+)", out)
    if not (rate and ours):
        raise RuntimeError(f"could not read wrk's output:\n{out}")
    p50_us, p95_us, requests, errors = (int(x) for x in ours.groups())
    if requests == errors:
        raise RuntimeError(f"no successful request to {path}:\n{out}")
    return Load(requests=requests, seconds=requests / float(rate.group(1)), p50=p50_us / 1e6,
                p95=p95_us / 1e6, errors=errors)


def _wrk_version(wrk: str) -> str:
    out = subprocess.run([wrk, "--version"], capture_output=True, text=True, timeout=10,  # noqa: S603
                         check=False)
    first = (out.stdout or out.stderr).strip().splitlines()
    return first[0].split(" Copyright")[0] if first else "wrk"


# --- output -----------------------------------------------------------------------------


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def _phase_cells(load: Load, alone: Load) -> tuple[str, ...]:
    return (f"{load.rate:,.0f}", _ms(load.p50), _ms(load.p95), str(load.errors),
            " / ".join(f"{run:,.0f}" for run in load.rounds), _ms(alone.p50), _ms(alone.p95))


def _ratios(a: Load, b: Load, a_alone: Load, b_alone: Load) -> tuple[str, ...]:
    """a/b for p50, p95, (errors), (rounds), alone p50, alone p95."""
    return (f"{a.p50 / b.p50:.2f}x", f"{a.p95 / b.p95:.2f}x", "", "",
            f"{a_alone.p50 / b_alone.p50:.2f}x", f"{a_alone.p95 / b_alone.p95:.2f}x")


def _table(header: list[str], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(r[i])) for r in [tuple(header), *rows]) for i in range(len(header))]
    for row in [tuple(header), *rows]:
        cells = [str(cell).ljust(width) if i == 0 else str(cell).rjust(width)
                 for i, (cell, width) in enumerate(zip(row, widths, strict=True))]
        print("  ".join(cells).rstrip())


if __name__ == "__main__":
    sys.exit(main())
