"""Schemathesis hooks for the fuzz run (loaded by the CLI through SCHEMATHESIS_HOOKS).

Operations that need a session sign in as the fuzz org's owner; the token is kept until an
answer is 401 (a fuzzed logout or switch-org ends the session), then fetched again.
"""

from __future__ import annotations

import json
import os
import urllib.request

import schemathesis


@schemathesis.auth(refresh_interval=3600, retry_on=[401])
class OwnerSession:
    def get(self, case, context):
        body = json.dumps({"email": os.environ["GW_FUZZ_EMAIL"],  # the org named: a fuzzed
                           "password": os.environ["GW_FUZZ_PASSWORD"],  # POST /orgs makes
                           "org": os.environ["GW_FUZZ_SLUG"]}).encode()  # the owner's second
        request = urllib.request.Request(  # noqa: S310 - the loopback server under test
            f"{os.environ['GW_FUZZ_BASE']}/api/v1/auth/login", data=body, method="POST",
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.load(response)["access_token"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
