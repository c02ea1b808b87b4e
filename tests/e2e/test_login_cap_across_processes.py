"""The sign-in and sign-up caps are counted once for every server process (in the database when
no Redis is configured): guesses spread over two servers, in parallel, get no more than the cap."""

import json
import uuid

import pytest

from application.organizations import CreateOrganization
from tests.e2e.live_server import http, live_server, postgres_env
from tests.fixtures.app import set_password
from tests.fixtures.concurrency import all_at_once

pytestmark = pytest.mark.postgres
LIMITS = {"LOGIN_LIMIT_PER_ACCOUNT": "6/15 minutes", "LOGIN_LIMIT_PER_IP": "1000/15 minutes",
          "SIGNUP_LIMIT_PER_IP": "5/hour"}


@pytest.fixture
def two_servers(pg_urls, tmp_path):
    env = postgres_env(pg_urls, tmp_path, REDIS_URL="", **LIMITS)
    with live_server(env, workers=2) as (a, _), live_server(env, workers=2) as (b, _):
        yield a, b


def _post(base, path, body):
    status, _ = http("POST", f"{base}{path}", json.dumps(body).encode(),
                     {"Content-Type": "application/json"})
    return status


def test_wrong_passwords_spread_over_two_servers_meet_one_cap(pg_container, operator, unique_slug,
                                                             two_servers):
    slug = unique_slug("cap")
    email = f"owner@{slug}.test"
    pg_container.application.organizations().create(CreateOrganization(
        name="Cap", slug=slug, owner_email=email, actor=operator))
    set_password(pg_container, email)
    guess = {"email": email, "password": "not the password at all"}
    statuses = all_at_once([lambda n=n: _post(two_servers[n % 2], "/api/v1/auth/login", guess)
                            for n in range(16)])
    assert sorted(statuses) == [401] * 6 + [429] * 10


def test_signups_from_one_address_over_two_servers_meet_one_cap(two_servers):
    run = uuid.uuid4().hex[:8]
    statuses = all_at_once([lambda n=n: _post(
        two_servers[n % 2], "/api/v1/signup",
        {"org_name": f"Cap {n}", "slug": f"cap-{run}-{n}", "email": f"p{n}@{run}.test",
         "password": "a long and fine passphrase", "full_name": "Cap"})
        for n in range(9)])
    assert statuses.count(429) == 4 and statuses.count(202) == 5, statuses
