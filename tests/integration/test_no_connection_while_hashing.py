"""No database connection is held while argon2 runs: signing in, signing up, setting a password
through a link and accepting an invitation each read, give the connection back, hash, then
write. A slow hash must never pin a pooled connection (the pool would drain under a login burst)."""

from datetime import timedelta

import pytest

from adapters.security.argon2_hasher import FAST_FOR_TESTS, Argon2Hasher
from application.organizations import CreateOrganization
from application.passwords import IssuePasswordLink
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD, postgres_container_on_own_pool, set_password
from tests.fixtures.mail import mailed_token

pytestmark = pytest.mark.postgres


class WatchedHasher(Argon2Hasher):
    """Records how many pooled connections were checked out at each hash and each check."""

    def __init__(self, engine) -> None:
        super().__init__(**FAST_FOR_TESTS)
        self._engine = engine
        self.held: list[tuple[str, int]] = []

    def hash(self, password: str) -> str:
        self.held.append(("hash", self._engine.pool.checkedout()))
        return super().hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self.held.append(("verify", self._engine.pool.checkedout()))
        return super().verify(password_hash, password)


@pytest.fixture
def watched(pg_urls, operator, unique_slug):
    container, engine = postgres_container_on_own_pool(pg_urls, pool_size=2)
    hasher = WatchedHasher(engine)
    container.adapters.password_hasher.override(hasher)
    slug = unique_slug("hash")
    container.application.organizations().create(CreateOrganization(
        name="Hash", slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
    set_password(container, f"owner@{slug}.test")
    hasher.held.clear()
    yield create_app(container).test_client(), container, hasher, slug
    engine.dispose()


def test_sign_in_sign_up_links_and_invitations_hash_with_no_connection_held(watched, operator):
    client, container, hasher, slug = watched
    login = client.post("/api/v1/auth/login", json={"email": f"owner@{slug}.test", "password": PASSWORD})
    assert login.status_code == 200
    wrong = client.post("/api/v1/auth/login", json={"email": f"owner@{slug}.test", "password": "nope " * 4})
    assert wrong.status_code == 401
    signup = client.post("/api/v1/signup", json={
        "org_name": "New", "slug": f"{slug}-new", "email": f"founder@{slug}.test",
        "password": "a long founder passphrase", "full_name": "Founder"})
    assert signup.status_code == 202
    founder = client.post("/api/v1/auth/login", json={
        "email": f"founder@{slug}.test", "password": "a long founder passphrase"})
    link = container.application.passwords().issue(IssuePasswordLink(
        email=f"owner@{slug}.test", actor=operator, ttl=timedelta(hours=1)))
    assert client.post("/api/v1/auth/password", json={
        "token": link.token, "password": "a second long passphrase"}).status_code == 204
    owner = {"Authorization": f"Bearer {founder.json['access_token']}"}
    assert client.post(f"/api/v1/orgs/{slug}-new/invitations", headers=owner,
                       json={"email": f"ivy@{slug}.test", "role": "member"}).status_code == 201
    token = mailed_token(container, f"ivy@{slug}.test")
    assert client.post("/api/v1/invitations/accept", json={
        "token": token, "password": "ivy's long passphrase", "full_name": "Ivy"}).status_code == 201
    kinds = {kind for kind, _ in hasher.held}
    assert kinds == {"hash", "verify"} and len(hasher.held) >= 5, hasher.held
    assert [held for _, held in hasher.held] == [0] * len(hasher.held), hasher.held
