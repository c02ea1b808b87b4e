"""The two-factor repository over both adapters: a factor round-trips, a step is accepted once,
a confirmed factor is not replaced, recovery codes are used once and go with the factor."""

import uuid

import attrs
import pytest

from domain.two_factor import RecoveryCode, TotpFactor
from tests.contract.test_repositories import NOW, SEC, _org_with_owner


@pytest.fixture
def uow_factory(any_container):
    return any_container.adapters.unit_of_work


def _factor(user, **overrides):
    return TotpFactor(**{"id": uuid.uuid4(), "user_id": user.id, "sealed_secret": "sealed:1",
                         "created_at": NOW, "updated_at": NOW} | overrides)


def _codes(user, *digests):
    return [RecoveryCode(id=uuid.uuid4(), user_id=user.id, code_digest=d, created_at=NOW,
                         updated_at=NOW) for d in digests]


def test_an_unconfirmed_factor_is_replaced_and_a_confirmed_one_is_not(uow_factory, unique_slug):
    _, user, _ = _org_with_owner(uow_factory, unique_slug())
    with uow_factory() as uow:
        assert uow.two_factor.get(user.id) is None
        assert uow.two_factor.put(_factor(user))
        assert uow.two_factor.put(_factor(user, sealed_secret="sealed:2"))
        uow.commit()
    with uow_factory() as uow:
        stored = uow.two_factor.get(user.id)
        assert stored.sealed_secret == "sealed:2" and not stored.confirmed
        assert stored.last_step == 0 and stored.created_at == NOW
        assert stored.accept(100, NOW + SEC)
        assert uow.two_factor.accept(stored, previous_step=0)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.two_factor.get(user.id)
        assert stored.confirmed_at == NOW + SEC and stored.last_step == 100
        assert not uow.two_factor.put(_factor(user, sealed_secret="sealed:3"))
        assert uow.two_factor.get(user.id).sealed_secret == "sealed:2"


def test_a_step_is_accepted_by_one_writer_only(uow_factory, unique_slug):
    _, user, _ = _org_with_owner(uow_factory, unique_slug())
    with uow_factory() as uow:
        uow.two_factor.put(_factor(user))
        uow.commit()
    with uow_factory() as uow:
        stale = uow.two_factor.get(user.id)  # read before the other writer
    with uow_factory() as uow:
        first = uow.two_factor.get(user.id)
        assert first.accept(7, NOW) and uow.two_factor.accept(first, previous_step=0)
        uow.commit()
    with uow_factory() as uow:
        assert stale.accept(7, NOW)  # as far as its stale copy knows
        assert not uow.two_factor.accept(stale, previous_step=0)  # it moved on meanwhile
        stored = uow.two_factor.get(user.id)
        assert stored.last_step == 7
        assert not stored.accept(7, NOW + SEC) and not stored.accept(6, NOW + SEC)


def test_recovery_codes_are_used_once_replaced_together_and_removed_with_the_factor(
        uow_factory, unique_slug):
    _, user, _ = _org_with_owner(uow_factory, unique_slug())
    _, other, _ = _org_with_owner(uow_factory, unique_slug())
    with uow_factory() as uow:
        uow.two_factor.put(_factor(user))
        uow.two_factor.replace_codes(user.id, _codes(user, "d1", "d2", "d3"))
        uow.two_factor.put(_factor(other))
        uow.two_factor.replace_codes(other.id, _codes(other, "d1"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.two_factor.use_code(user.id, "d1", NOW + SEC)
        assert not uow.two_factor.use_code(user.id, "d1", NOW + 2 * SEC)
        assert not uow.two_factor.use_code(user.id, "nope", NOW)
        assert uow.two_factor.codes_left(user.id) == 2
        assert uow.two_factor.codes_left(other.id) == 1  # the same digest, another person's
        uow.commit()
    with uow_factory() as uow:
        uow.two_factor.replace_codes(user.id, _codes(user, "e1"))
        assert uow.two_factor.codes_left(user.id) == 1
        assert not uow.two_factor.use_code(user.id, "d2", NOW)
        assert uow.two_factor.remove(user.id) and not uow.two_factor.remove(user.id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.two_factor.get(user.id) is None and uow.two_factor.codes_left(user.id) == 0
        assert attrs.evolve(uow.two_factor.get(other.id)).user_id == other.id
