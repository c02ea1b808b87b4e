"""The benchmark's phases and its report: routes measured in alternating rounds, ratios per row."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from attrs import define, field

from adapters.security.argon2_hasher import PRODUCTION, Argon2Hasher
from bench import server
from bench.load import CONNECTIONS, Load, Target, alone, python_load, wrk_load

WARMUP_SECONDS, ROUND_SECONDS, ROUNDS = 2.0, 2.0, 6  # short rounds, often alternated: drift cancels
LOGIN_SECONDS = 8.0
# Counted on the wire (tests/integration/test_round_trips.py for ours; the lean routes by
# construction: psycopg's implicit BEGIN, SET LOCAL, principal, read(s) or writes, COMMIT).
ROUND_TRIPS = {"list": (4, 5), "list by key": (4, 6), "write": (6, 7)}


@define
class Measured:
    load: Load
    alone: Load


@define
class Results:
    small: dict[str, Measured] = field(factory=dict)
    large: dict[str, Measured] = field(factory=dict)
    login_rate: float = 0.0
    login_errors: int = 0
    argon2_rate: float = 0.0


@define
class Bench:
    port: int
    tmpdir: Path
    wrk: str | None
    quick: bool = False
    first_part_only: bool = False

    def load(self, target: Target, seconds: float) -> Load:
        seconds = min(seconds, 1.0) if self.quick else seconds
        if self.wrk:
            return wrk_load(self.wrk, self.port, target, seconds, self.tmpdir)
        return python_load(self.port, target, seconds)

    def alternate(self, targets: list[Target]) -> dict[str, Measured]:
        for target in targets:
            self.load(target, WARMUP_SECONDS)
        runs: dict[str, list[Load]] = {t.label: [] for t in targets}
        for _ in range(1 if self.quick else ROUNDS):
            for target in targets:
                runs[target.label].append(self.load(target, ROUND_SECONDS))
        return {t.label: Measured(Load.pooled(runs[t.label]), alone(self.port, t)) for t in targets}

    def run(self, slug: str, email: str, password: str, key: str,
            grow: Callable[[], object]) -> Results:
        status, tokens = server.request(self.port, "POST", "/api/v1/auth/login",
                                        body={"email": email, "password": password})
        if status != 200:
            raise RuntimeError(f"login answered {status}: {tokens}")
        session = {"Authorization": f"Bearer {tokens['access_token']}"}
        by_key = {"Authorization": f"Bearer {key}"}
        page = "members?limit=20"
        settings = ({"settings": {"timezone": "Europe/Berlin"}},
                    {"settings": {"timezone": "America/Lima"}})
        lists = [Target("bare", "/bench/bare"),
                 Target("ours list", f"/api/v1/orgs/{slug}/{page}", session),
                 Target("lean list", f"/bench/lean/orgs/{slug}/{page}", session)]
        small = lists + [
            Target("ours list by key", f"/api/v1/orgs/{slug}/{page}", by_key),
            Target("lean list by key", f"/bench/lean/key/orgs/{slug}/{page}", by_key),
            Target("ours write", f"/api/v1/orgs/{slug}", session, "PATCH", settings),
            Target("lean write", f"/bench/lean/orgs/{slug}", session, "PATCH", settings)]
        for target in small:
            status, body = server.request(self.port, target.method, target.path, target.headers,
                                          target.bodies[0] if target.bodies else None)
            if status != 200 or (target.label.endswith("list") and len(body) != 20):
                raise RuntimeError(f"{target.label} answered {status}: {str(body)[:300]}")
        results = Results(small=self.alternate(small))
        if self.first_part_only:
            return results
        login = Target("login", "/api/v1/auth/login", method="POST",
                       bodies=({"email": email, "password": password},))
        measured = self.load(login, LOGIN_SECONDS)
        results.login_rate, results.login_errors = measured.rate, measured.errors
        results.argon2_rate = raw_argon2_rate(password, LOGIN_SECONDS / (8 if self.quick else 1))
        grow()
        results.large = self.alternate(lists)
        return results


def raw_argon2_rate(password: str, seconds: float) -> float:
    """Verifications per second by CONNECTIONS threads (argon2-cffi releases the GIL)."""
    hasher = Argon2Hasher.production()
    stored = hasher.hash(password)
    done = [0] * CONNECTIONS
    deadline = time.perf_counter() + seconds

    def verify(n: int) -> None:
        while time.perf_counter() < deadline:
            hasher.verify(stored, password)
            done[n] += 1

    threads = [threading.Thread(target=verify, args=(n,)) for n in range(CONNECTIONS)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - t0)


def report(results: Results, *, small: int, large: int) -> None:
    bare = results.small["bare"]
    print(f"\n1. {small} orgs, pages of 20 members; ours/bare and ours/lean from alternating rounds")
    rows = [_row("bare (constant JSON, same app and hooks)", bare, bare)]
    for kind in ("list", "list by key", "write"):
        ours, lean = results.small[f"ours {kind}"], results.small[f"lean {kind}"]
        trips = ROUND_TRIPS[kind]
        rows.append(_row(f"ours {kind} ({trips[0]} round trips)", ours, bare, lean))
        rows.append(_row(f"lean {kind} ({trips[1]} round trips)", lean, bare))
    _table(["route", "req/s", "p50", "p99", "errors", "alone p50", "alone p99", "ours/bare",
            "ours/lean", "alone p50 ours/lean"], rows)
    if not results.large:
        return
    print(f"\n2. sign-in, {CONNECTIONS} at once for {LOGIN_SECONDS:.0f} s, argon2id "
          f"t={PRODUCTION['time_cost']} m={PRODUCTION['memory_cost'] // 1024} MiB "
          f"p={PRODUCTION['parallelism']}")
    _table(["", "per second"], [
        ("POST /api/v1/auth/login", f"{results.login_rate:.1f} ({results.login_errors} errors)"),
        (f"raw argon2 verify, {CONNECTIONS} threads", f"{results.argon2_rate:.1f}"),
        ("ratio login/raw", f"{results.login_rate / results.argon2_rate:.2f}x"
         if not results.login_errors else "not measured: sign-ins failed (a limit was hit?)")])
    print(f"\n3. the members list with {small} orgs and with {large:,} orgs (+ ~10,000 members "
          "in the measured org, after VACUUM ANALYZE)")
    rows = []
    for count, phase in ((small, results.small), (large, results.large)):
        for name in ("ours list", "lean list"):
            rows.append(_row(f"{name}, {count:,} orgs", phase[name], phase["bare"],
                             phase["lean list"] if name == "ours list" else None))
    _table(["route", "req/s", "p50", "p99", "errors", "alone p50", "alone p99", "ours/bare",
            "ours/lean", "alone p50 ours/lean"], rows)
    flat = results.large["ours list"].alone.p50 / results.small["ours list"].alone.p50
    print(f"   ours alone p50 at {large:,} / at {small} orgs: {flat:.2f}x")


def _row(label: str, m: Measured, bare: Measured, lean: Measured | None = None) -> tuple:
    ratio_lean = f"{m.load.rate / lean.load.rate:.2f}x" if lean else ""
    alone_lean = f"{lean.alone.p50 / m.alone.p50:.2f}x" if lean else ""
    return (label, f"{m.load.rate:,.0f}", _ms(m.load.p50), _ms(m.load.p99), str(m.load.errors),
            _ms(m.alone.p50), _ms(m.alone.p99), f"{m.load.rate / bare.load.rate:.2f}x", ratio_lean,
            alone_lean)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def _table(header: list[str], rows: list[tuple]) -> None:
    widths = [max(len(str(r[i])) for r in [tuple(header), *rows]) for i in range(len(header))]
    for row in [tuple(header), *rows]:
        print("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip())


