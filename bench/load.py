"""Load generators for the HTTP benchmark: wrk when installed, else Python threads; and one
connection alone, for latency without queueing. Every answer must have the target's status."""

from __future__ import annotations

import http.client
import json
import re
import statistics
import subprocess
import threading
import time
from pathlib import Path

from attrs import define, field

HOST = "127.0.0.1"
CONNECTIONS = 8           # = workers x threads: every server thread busy, little queueing
ALONE_REQUESTS = 200      # sequential, one connection
WRK_SCRIPT = """
wrk.method = {method}
local bodies = {bodies}
local sent = 0
if #bodies > 0 then
  request = function()
    sent = sent + 1
    return wrk.format(nil, nil, nil, bodies[sent % #bodies + 1])
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("GW p50_us=%d p99_us=%d requests=%d errors=%d\\n",
    latency:percentile(50), latency:percentile(99), summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


@define(frozen=True)
class Target:
    label: str
    path: str
    headers: dict[str, str] = field(factory=dict)
    method: str = "GET"
    bodies: tuple[dict, ...] = ()  # sent in turn, e.g. two settings so that every PATCH writes

    def send(self, conn: http.client.HTTPConnection, n: int = 0) -> int:
        body = json.dumps(self.bodies[n % len(self.bodies)]) if self.bodies else None
        headers = {**self.headers, **({"Content-Type": "application/json"} if body else {})}
        conn.request(self.method, self.path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status


@define
class Load:
    """One measured run, or several pooled."""

    requests: int
    seconds: float
    p50: float
    p99: float
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
            p50, p99 = statistics.median(samples), p99_of(samples)
        else:  # wrk gives percentiles per run only: average them
            p50 = statistics.fmean(run.p50 for run in runs)
            p99 = statistics.fmean(run.p99 for run in runs)
        return cls(requests=sum(r.requests for r in runs), seconds=sum(r.seconds for r in runs),
                   p50=p50, p99=p99, errors=sum(r.errors for r in runs), samples=samples,
                   rounds=[run.rate for run in runs])


def alone(port: int, target: Target) -> Load:
    """ALONE_REQUESTS back to back on one keep-alive connection: latency without queueing."""
    samples = []
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        for n in range(ALONE_REQUESTS):
            t0 = time.perf_counter()
            status = target.send(conn, n)
            samples.append(time.perf_counter() - t0)
            if status != 200:
                raise RuntimeError(f"{target.path} answered {status}")
    finally:
        conn.close()
    return Load(requests=len(samples), seconds=sum(samples), p50=statistics.median(samples),
                p99=p99_of(samples), errors=0, samples=samples)


def python_load(port: int, target: Target, seconds: float) -> Load:
    """CONNECTIONS threads, each a keep-alive connection sending requests back to back."""
    samples: list[list[float]] = [[] for _ in range(CONNECTIONS)]
    errors = [0] * CONNECTIONS
    gate = threading.Barrier(CONNECTIONS + 1)
    deadline = [0.0]

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        gate.wait()
        sent = 0
        try:
            while (t0 := time.perf_counter()) < deadline[0]:
                sent += 1
                try:
                    ok = target.send(conn, sent) == 200
                except (OSError, http.client.HTTPException):
                    ok = False
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=10)
                if ok:
                    samples[n].append(time.perf_counter() - t0)
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
        raise RuntimeError(f"no successful request to {target.path} ({sum(errors)} errors)")
    return Load(requests=len(pooled), seconds=elapsed, p50=statistics.median(pooled),
                p99=p99_of(pooled), errors=sum(errors), samples=pooled)


def wrk_load(wrk: str, port: int, target: Target, seconds: float, tmpdir: Path) -> Load:
    script = tmpdir / f"wrk-{abs(hash((target.method, target.path, str(target.bodies))))}.lua"
    bodies = ", ".join(json.dumps(json.dumps(b)) for b in target.bodies)
    script.write_text(WRK_SCRIPT.format(method=json.dumps(target.method), bodies="{" + bodies + "}"))
    body = bool(target.bodies)
    command = [wrk, "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds:g}s", "--latency",
               "--timeout", "10s", "-s", str(script)]
    headers = {**target.headers, **({"Content-Type": "application/json"} if body else {})}
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://{HOST}:{port}{target.path}")
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30,  # noqa: S603
                         check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    ours = re.search(r"GW p50_us=(\d+) p99_us=(\d+) requests=(\d+) errors=(\d+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if not (rate and ours):
        raise RuntimeError(f"could not read wrk's output:\n{out}")
    p50_us, p99_us, requests, errors = (int(x) for x in ours.groups())
    errors += int(non_2xx.group(1)) if non_2xx else 0
    if requests == errors:
        raise RuntimeError(f"no successful request to {target.path}:\n{out}")
    return Load(requests=requests, seconds=requests / float(rate.group(1)), p50=p50_us / 1e6,
                p99=p99_us / 1e6, errors=errors)


def wrk_version(wrk: str) -> str:
    out = subprocess.run([wrk, "--version"], capture_output=True, text=True, timeout=10,  # noqa: S603
                         check=False)
    first = (out.stdout or out.stderr).strip().splitlines()
    return first[0].split(" Copyright")[0] if first else "wrk"


def p99_of(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]
