"""One person switching between two orgs from eight clients at once, half of them each way:
every switch succeeds. The two orgs' audit chains are appended in one order whichever way a
switch goes, so crossing switches queue instead of deadlocking (found by an attack: a third
of them answered 500)."""

from __future__ import annotations

import pytest

from application.members import AddMember
from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD, set_password
from tests.fixtures.concurrency import all_at_once

pytestmark = pytest.mark.postgres


def test_switches_crossing_each_other_all_succeed(pg_container, operator, unique_slug):
    one, other = unique_slug("swa"), unique_slug("swb")
    for slug in (one, other):
        pg_container.application.organizations().create(CreateOrganization(
            name=slug, slug=slug, owner_email=f"owner@{slug}.test", actor=operator, plan="pro"))
    email = f"walker@{one}.test"
    for slug in (one, other):
        pg_container.application.members().add(AddMember(slug=slug, email=email, role="member",
                                                         actor=operator))
    set_password(pg_container, email)
    app = create_app(pg_container)

    def switch(source: str, target: str) -> list[int]:
        codes = []
        for _ in range(4):
            client = app.test_client()
            token = client.post("/api/v1/auth/login", json={
                "email": email, "password": PASSWORD, "org": source}).json["access_token"]
            codes.append(client.post("/api/v1/auth/switch-org", json={"org": target}, headers={
                "Authorization": f"Bearer {token}"}).status_code)
        return codes

    results = all_at_once([lambda n=n: switch(*((one, other) if n % 2 else (other, one)))
                           for n in range(8)])
    assert results == [[200] * 4] * 8
