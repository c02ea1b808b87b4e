"""A unique violation names its constraint whichever engine raised it."""

import psycopg.errors
import pytest

from adapters.postgres.unique import conflict, constraint_of


class _Diag:
    def __init__(self, constraint_name, message_primary):
        self.constraint_name = constraint_name
        self.message_primary = message_primary


class _Violation(psycopg.errors.UniqueViolation):
    """What the driver raises, with the diagnostics a server sent."""

    def __init__(self, constraint_name, message):
        super().__init__(message)
        self._fake_diag = _Diag(constraint_name, message)

    @property
    def diag(self):
        return self._fake_diag


@pytest.mark.parametrize(("name", "message", "expected"), [
    ("ux_org_lower_slug", 'duplicate key value violates unique constraint "ux_org_lower_slug"',
     "ux_org_lower_slug"),
    (None, 'duplicate key value violates unique constraint "ux_org_lower_slug_102008"',
     "ux_org_lower_slug"),  # Citus: no name in the diagnostics, the shard's in the message
    ("ux_users_lower_email_102040", "whatever", "ux_users_lower_email"),
    (None, "no name anywhere", ""),
    ("uq_x_2024", "", "uq_x_2024"),  # four digits are a name's own, not a shard id
])
def test_the_constraint_is_named_without_its_shard(name, message, expected):
    assert constraint_of(_Violation(name, message)) == expected


def test_known_constraints_say_what_is_taken_and_others_are_a_plain_conflict():
    taken = conflict(_Violation(None, 'violates unique constraint "ux_org_lower_slug_102009"'))
    assert taken.code == "slug_taken"
    assert conflict(_Violation("uq_api_key_prefixes_prefix", "")).code == "conflict"
