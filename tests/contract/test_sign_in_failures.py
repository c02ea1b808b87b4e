"""The platform's failed sign-in log over both adapters."""

import uuid

from application.ports.sign_in_failures import SignInFailure
from tests.contract.test_repositories import NOW, SEC


def test_failures_are_kept_and_read_newest_first(any_container):
    uow_factory = any_container.adapters.unit_of_work
    failures = [SignInFailure(id=uuid.uuid4(), created_at=NOW + n * SEC, email_digest=f"d{n}",
                              reason="wrong_password", user_id=uuid.uuid4() if n else None,
                              ip="203.0.113.7" if n else None, user_agent="curl/8" if n else None)
                for n in range(3)]
    with uow_factory() as uow:
        for failure in failures:
            uow.sign_in_failures.record(failure)
        uow.commit()
    with uow_factory() as uow:
        newest = [f for f in uow.sign_in_failures.recent(limit=1000) if f in failures]
    assert newest == failures[::-1]
    with uow_factory() as uow:
        assert len(uow.sign_in_failures.recent(limit=2)) == 2
