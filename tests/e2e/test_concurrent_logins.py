"""Seed 001's load criterion: 100 concurrent sign-ins over 3 orgs against the real server."""

import json
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest

from adapters.security.argon2_hasher import Argon2Hasher
from application.members import AddMember
from application.organizations import CreateOrganization
from tests.e2e.live_server import http, live_server, postgres_env

pytestmark = pytest.mark.postgres
PASSPHRASE = "concurrent sign-in passphrase"


def test_a_hundred_concurrent_logins_over_three_orgs_all_succeed_with_the_right_org(
        pg_container, pg_urls, operator, unique_slug, tmp_path):
    orgs, people = {}, []
    for name in ("acme", "globex", "initech"):
        slug = unique_slug(name)
        view = pg_container.application.organizations().create(CreateOrganization(
            name=name, slug=slug, owner_email=f"owner@{slug}.test", actor=operator,
            plan="pro"))
        orgs[slug] = str(view.id)
        for i in range(10):
            email = f"user{i}@{slug}.test"
            pg_container.application.members().add(AddMember(slug=slug, email=email, role="member",
                                                             actor=operator))
            people.append((email, slug))
    production_hash = Argon2Hasher.production().hash(PASSPHRASE)
    with pg_container.adapters.unit_of_work() as uow:
        for email, _ in people:
            user = uow.users.get_by_email(email)
            user.password_hash = production_hash
            uow.users.update(user)
        uow.commit()

    env = postgres_env(pg_urls, tmp_path, LOGIN_LIMIT_PER_IP="1000/15 minutes")
    attempts = [people[i % len(people)] for i in range(100)]
    with live_server(env, workers=2) as (base, _):
        def login(person):
            email, slug = person
            body = json.dumps({"email": email, "password": PASSPHRASE}).encode()
            status, payload = http("POST", f"{base}/api/v1/auth/login", body,
                                   {"Content-Type": "application/json"})
            return slug, status, json.loads(payload)

        with ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(login, attempts))
    refused = [(status, payload) for _, status, payload in results if status != 200]
    assert not refused, refused[:3]
    for slug, _, tokens in results:
        claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
        assert claims["org"] == orgs[slug] and tokens["org"]["slug"] == slug
