"""The README's "Your account, step by step" runs as written, by bash, against a real server:
sign up, confirm the address, invite a colleague who accepts, two-factor sign-in, a forgotten
password, the sessions. If the README drifts from the API, this fails."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from adapters.postgres.migrator import Migrator
from tests.e2e.live_server import NO_ATTEMPT_LIMITS, live_server, postgres_env

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


def walkthrough(heading: str = "## Your account, step by step") -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split(heading, 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def _run(base: str, env: dict, script: str) -> subprocess.CompletedProcess:
    return subprocess.run([shutil.which("bash"), "-c", "set -o pipefail\n" + script], cwd=ROOT,
                          env={**os.environ, **env, "GROUNDWORK_URL": base},
                          capture_output=True, text=True, timeout=120)


def test_the_readme_walkthrough_works_by_copy_paste(fresh_database, tmp_path):
    env = postgres_env(fresh_database(), tmp_path, **NO_ATTEMPT_LIMITS)
    with live_server(env, workers=1) as (base, _):
        run = _run(base, env, walkthrough())
    out = run.stdout
    assert run.returncode == 0, (out, run.stderr)
    assert "problems/" not in out, out  # no problem answered, at any step
    assert out.splitlines().count("204") == 2  # the address confirmed, the password set
    assert "\nlumon\n" in out  # Helly, signed in to lumon by accepting
    assert '"current":true' in out and '"recovery_codes_left":9' in out, out


def test_the_readme_tour_of_the_api_runs_as_written(fresh_database, tmp_path):
    env = postgres_env(fresh_database(), tmp_path, **NO_ATTEMPT_LIMITS)
    with live_server(env, workers=1) as (base, _):
        run = _run(base, env, walkthrough("## Signing in and calling the API"))
    out = run.stdout
    assert "problems/" not in out, out  # every step answered as the comments say
    assert '"org":{"id"' in out.replace(" ", "") and '"secret"' not in out
    assert out.count('"sessions_ended"') == 2  # end-others, then the password change


def test_the_readme_purge_and_import_run_as_written(fresh_database, tmp_path):
    """"Deleting an org, purging it, bringing it back": the operator's commands, by bash, on a
    database of their own."""
    urls = fresh_database()
    Migrator(urls.owner_url).upgrade()  # as `make run` leaves it
    env = postgres_env(urls, tmp_path)
    block = walkthrough("### Deleting an org, purging it, bringing it back")
    run = subprocess.run([shutil.which("bash"), "-c", "set -eo pipefail\n" + block], cwd=ROOT,
                         env={**os.environ, **env}, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, (run.stdout, run.stderr)
    assert "initech is gone" in run.stdout
    assert "platform/purged/" not in run.stderr and "Traceback" not in run.stderr
    verified = run.stdout.strip().splitlines()[-1]
    assert verified.split()[:3] == ["initech", str(int(verified.split()[1])), "True"], verified
