"""What the HTTP scenarios share: the people of one scenario, each calling the API with their
own bearer (an access token, or an API key's secret), in an org whose slug is unique to the
scenario (the session's database is shared)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime

from attrs import define, field

from adapters.system import FrozenClock
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD, postgres_container


@define
class ApiWorld:
    client: object
    container: object
    org: str  # the scenario's slug; its people's addresses are <who>@<org>.test
    tokens: dict[str, str] = field(factory=dict)  # who -> bearer
    response: object = None
    answers: list = field(factory=list)

    def email(self, who: str) -> str:
        return f"{who.lower()}@{self.org}.test"

    def call(self, who: str, method: str, path: str, **kwargs):
        """`method` on /api/v1`path` as `who`; the answer is also kept as `response`."""
        self.response = getattr(self.client, method)(
            f"/api/v1{path}", headers={"Authorization": f"Bearer {self.tokens[who]}"}, **kwargs)
        return self.response

    def sign_in(self, who: str, password: str = PASSWORD) -> None:
        login = self.client.post("/api/v1/auth/login",
                                 json={"email": self.email(who), "password": password})
        assert login.status_code == 200, login.json
        self.tokens[who] = login.json["access_token"]


@contextlib.contextmanager
def world_with_a_clock(world_type: type[ApiWorld], pg_urls, org: str) -> Iterator[ApiWorld]:
    """A world on a container of its own on the session's database, whose clock moves only
    when told (for links and codes that expire)."""
    container = postgres_container(pg_urls)
    container.adapters.clock.override(FrozenClock(datetime.now(UTC)))
    try:
        yield world_type(client=create_app(container).test_client(), container=container, org=org)
    finally:
        container.adapters.engine().dispose()
