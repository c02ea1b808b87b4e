"""The OpenAPI document is a contract: Schemathesis fuzzes every operation of the live document
against `groundwork serve` on PostgreSQL, with every check (server errors, status codes, content
types, response schemas and headers, positive and negative data, auth, stateful links), from a
fixed seed (tests/fuzz/schemathesis.toml). Any failure fails `make test` with Schemathesis's
report, which says how to reproduce it."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from application.members import AddMember
from application.organizations import CreateOrganization
from tests.e2e.live_server import NO_ATTEMPT_LIMITS, live_server, postgres_env
from tests.fixtures.app import PASSWORD, set_password

pytestmark = pytest.mark.postgres
HERE = Path(__file__).resolve().parent
SCHEMATHESIS = Path(sys.executable).parent / "st"


@pytest.fixture
def fuzz_org(pg_container, operator, unique_slug):
    """An org with people in it, so that a fuzzed DELETE of it is refused (409) and the run goes
    on against a live tenant."""
    slug = unique_slug("fuzz")
    owner = f"owner@{slug}.test"
    pg_container.application.organizations().create(CreateOrganization(
        name="Fuzz", slug=slug, owner_email=owner, actor=operator,
        plan="enterprise"))
    pg_container.application.members().add(AddMember(
        slug=slug, email=f"member@{slug}.test", role="member", actor=operator))
    set_password(pg_container, owner)
    return slug, owner


def test_the_live_api_keeps_its_openapi_contract_and_its_logs_keep_no_secret(
        pg_container, pg_urls, tmp_path, fuzz_org):
    slug, owner = fuzz_org
    env = postgres_env(pg_urls, tmp_path, LOG_LEVEL="INFO", **NO_ATTEMPT_LIMITS)
    with live_server(env, workers=1) as (base, server):
        run = subprocess.run(  # noqa: S603 - our own virtualenv's Schemathesis
            [str(SCHEMATHESIS), "--config-file", str(HERE / "schemathesis.toml"), "--no-color",
             "run", f"{base}/openapi.json"],
            env={**os.environ, "GW_FUZZ_BASE": base, "GW_FUZZ_SLUG": slug,
                 "GW_FUZZ_EMAIL": owner, "GW_FUZZ_PASSWORD": PASSWORD,
                 "PYTHONPATH": str(HERE.parent.parent)},
            capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    # ~1,500 hostile requests later (NUL bytes, bad tokens, wrong passwords, sign-ins and sign-ups),
    # the server's whole log holds no password, password hash, access token or API key secret.
    with pg_container.adapters.unit_of_work() as uow:
        password_hash = uow.users.get_by_email(owner).password_hash
    log = server.output
    assert "request" in log  # the log was captured, so the checks below can fail
    for secret in (PASSWORD, password_hash, password_hash.split("$")[-1]):
        assert secret not in log
    assert not re.search(r"eyJ[\w-]{10,}\.eyJ", log), "a JWT in the log"
    assert not re.search(r"gw_[A-Za-z0-9]{6,}_[\w-]{16,}", log), "an API key in the log"
