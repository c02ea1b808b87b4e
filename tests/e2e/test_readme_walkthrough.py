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

from tests.e2e.live_server import NO_ATTEMPT_LIMITS, live_server, postgres_env

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


def walkthrough() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Your account, step by step", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def test_the_readme_walkthrough_works_by_copy_paste(fresh_database, tmp_path):
    env = postgres_env(fresh_database(), tmp_path, **NO_ATTEMPT_LIMITS)
    with live_server(env, workers=1) as (base, _):
        run = subprocess.run([shutil.which("bash"), "-c", "set -o pipefail\n" + walkthrough()], cwd=ROOT,
                             env={**os.environ, **env, "GROUNDWORK_URL": base},
                             capture_output=True, text=True, timeout=120)
    out = run.stdout
    assert run.returncode == 0, (out, run.stderr)
    assert "problems/" not in out, out  # no problem answered, at any step
    assert out.count("204") == 2  # the address confirmed, the password set
    assert "'slug': 'acme'" in out  # Grace, signed in to acme by accepting
    assert '"current":true' in out and '"recovery_codes_left":9' in out, out
