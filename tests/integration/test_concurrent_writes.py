"""Writes that race, as an outsider sends them: each change is kept, a deletion stays, a key's
first use is recorded once, and no two writers deadlock."""

import uuid

import pytest
from sqlalchemy import insert

from adapters.postgres.tables import users
from adapters.postgres.transaction import Transaction
from application.api_keys import CreateApiKey
from application.organizations import CreateOrganization, DeleteOrganization, UpdateOrganization
from application.principals import ApiKeyCredential
from domain.errors import Conflict, DomainError
from domain.organization import OrgStatus
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD, set_password
from tests.fixtures.concurrency import all_at_once

pytestmark = pytest.mark.postgres
WRITERS = 10


@pytest.fixture
def org(pg_container, operator, unique_slug):
    slug = unique_slug("race")
    pg_container.application.organizations().create(CreateOrganization(
        name="Race", slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
    return slug


def _org(container, slug):
    with container.adapters.unit_of_work() as uow:
        return uow.orgs.get_by_slug(slug)


def _actions(container, slug):
    org = _org(container, slug)
    with container.adapters.unit_of_work() as uow:
        uow.bind(org.id)
        return [entry.action for entry in uow.audit.entries(org.id)]


def test_parallel_settings_changes_are_all_kept(pg_container, operator, org):
    organizations = pg_container.application.organizations()
    outcomes = all_at_once([lambda i=i: organizations.update(UpdateOrganization(
        slug=org, actor=operator, settings={f"team_{i}": i})) for i in range(WRITERS)])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    settings = _org(pg_container, org).settings
    assert {f"team_{i}": i for i in range(WRITERS)}.items() <= settings.items(), settings


def test_parallel_renames_each_see_the_last(pg_container, operator, org):
    organizations = pg_container.application.organizations()
    all_at_once([lambda i=i: organizations.update(UpdateOrganization(
        slug=org, actor=operator, settings={"locale": "de" if i % 2 else "fr"}, name=f"Race {i}"))
        for i in range(WRITERS)])
    renames = [a for a in _actions(pg_container, org) if a == "org.updated"]
    assert len(renames) == WRITERS  # every rename changed what the one before it wrote


def test_a_deletion_racing_settings_changes_stays_a_deletion(pg_container, operator, org):
    organizations = pg_container.application.organizations()
    calls = [lambda i=i: organizations.update(UpdateOrganization(
        slug=org, actor=operator, settings={"timezone": "Europe/Berlin" if i % 2 else "UTC"}))
        for i in range(WRITERS)]
    calls.insert(WRITERS // 2, lambda: organizations.delete(DeleteOrganization(slug=org,
                                                                              actor=operator)))
    outcomes = all_at_once(calls)
    assert all(o is None or not isinstance(o, Exception) or isinstance(o, DomainError)
               for o in outcomes), outcomes
    assert _org(pg_container, org).status is OrgStatus.DELETED
    assert _actions(pg_container, org)[-1] == "org.deleted"  # nothing changed it after


def test_a_burst_of_first_uses_records_the_key_s_first_use_once(pg_container, operator, org):
    secret = pg_container.application.api_keys().create(CreateApiKey(
        slug=org, actor=operator, name="burst", scopes=["org:read"])).secret
    members = pg_container.application.members()
    outcomes = all_at_once([lambda: members.every(org, ApiKeyCredential.parse(secret))] * WRITERS)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert _actions(pg_container, org).count("api_key.first_used") == 1


def test_people_and_a_new_key_writing_at_once_never_deadlock(pg_container, operator, org):
    set_password(pg_container, f"owner@{org}.test")
    client = create_app(pg_container).test_client()
    token = client.post("/api/v1/auth/login", json={"email": f"owner@{org}.test",
                                                    "password": PASSWORD}).json["access_token"]
    secret = pg_container.application.api_keys().create(CreateApiKey(
        slug=org, actor=operator, name="writer", scopes=["org:write"])).secret

    def patch(bearer, i):
        return client.patch(f"/api/v1/orgs/{org}", headers={"Authorization": f"Bearer {bearer}"},
                            json={"settings": {f"writer_{i}": i}}).status_code

    statuses = all_at_once([lambda i=i: patch(token if i % 2 else secret, i) for i in range(2 * WRITERS)])
    assert statuses == [200] * (2 * WRITERS)
    assert _actions(pg_container, org).count("api_key.first_used") == 1


def test_a_unique_violation_the_repositories_did_not_foresee_is_a_409(app_engine):
    """Not only the ON CONFLICT paths: any duplicate a statement hits becomes a Conflict."""
    email = f"twice-{uuid.uuid4().hex[:8]}@x.test"
    tx = Transaction(app_engine)
    try:
        for _ in range(2):
            statement = insert(users).values(id=uuid.uuid4(), email=email, full_name="T")
            try:
                tx.execute(statement)
            except Conflict as refused:
                assert refused.code == "email_taken"
                break
        else:
            pytest.fail("the duplicate was accepted")
    finally:
        tx.close()
