"""Where an API key prefix lives is remembered per process, within a bound."""

import uuid

from adapters.postgres.sign_in_repositories import KeyLocations


def test_a_remembered_prefix_answers_its_org_and_an_unknown_one_nothing():
    locations = KeyLocations()
    org_id = uuid.uuid4()
    locations.remember("abc", org_id)
    assert locations.get("abc") == org_id
    assert locations.get("abd") is None


def test_the_least_recently_used_prefix_goes_first_when_the_bound_is_reached():
    locations = KeyLocations(capacity=2)
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    locations.remember("one", first)
    locations.remember("two", second)
    assert locations.get("one") == first  # now the most recent
    locations.remember("three", third)
    assert locations.get("two") is None
    assert (locations.get("one"), locations.get("three")) == (first, third)
