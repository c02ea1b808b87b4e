"""The members list renders by hand for speed; it must say exactly what MemberSchema documents."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from application.ports.read_models import MemberSummary
from entrypoints.http.tenant_schemas import MemberSchema, member_json


@pytest.mark.parametrize("signed_in", [None, datetime(2026, 2, 1, 8, 30, tzinfo=UTC)])
@pytest.mark.parametrize("moment", [datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=UTC),
                                    datetime(2026, 7, 1, 23, 59, 59, tzinfo=timezone(timedelta(hours=-3)))])
def test_the_hand_rendered_member_equals_the_documented_schema(moment, signed_in):
    member = MemberSummary(id=uuid.uuid4(), org_id=uuid.uuid4(), user_id=uuid.uuid4(),
                           email="ann@example.test", full_name="Ann \u00c9lise \"A\" <b>",
                           role="admin", created_at=moment, last_sign_in_at=signed_in)
    assert member_json(member) == MemberSchema().dump(member)
