"""The tenant is bound with SET LOCAL only: a plain `SET app.org_id` (or set_config with
is_local false) would outlive its transaction on a pooled connection and hand the next request
on that connection another tenant's rows. The database side of this is in
tests/integration/test_isolation.py (the context ends with the transaction)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = [p for folder in ("adapters", "application", "entrypoints", "domain", "migrations")
        for p in (ROOT / folder).rglob("*.py")]
_PLAIN_SET = re.compile(r"\bSET\s+(?!LOCAL\b)(SESSION\s+)?app\.", re.IGNORECASE)
_SET_CONFIG_SESSION = re.compile(r"set_config\(\s*'app\.[^']+'\s*,[^)]*,\s*false\s*\)", re.IGNORECASE)


def test_the_code_binds_a_tenant_only_for_one_transaction():
    assert len(CODE) > 50  # the scan sees the code
    offenders = [f"{path.relative_to(ROOT)}:{n}" for path in CODE
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if _PLAIN_SET.search(line) or _SET_CONFIG_SESSION.search(line)]
    assert offenders == []


def test_the_scan_would_see_a_plain_set():
    assert _PLAIN_SET.search("conn.execute(text('SET app.org_id = 1'))")
    assert _PLAIN_SET.search("SET SESSION app.user_id = 'x'")
    assert not _PLAIN_SET.search("SET LOCAL app.org_id = 'x'")
    assert _SET_CONFIG_SESSION.search("SELECT set_config('app.org_id', :id, false)")
