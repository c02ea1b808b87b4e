"""Steps and fixtures shared by the features.

The fixtures themselves (databases, containers, the operator) come from tests/fixtures, loaded by
the root conftest.py. A feature module picks its adapters by overriding `container`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from attrs import define
from pytest_bdd import given

from domain.errors import DomainError


@define
class Outcome:
    """What came of an attempt: a result, or the domain error that refused it."""

    result: Any = None
    error: DomainError | None = None

    def refusal(self, kind: type[DomainError]) -> DomainError:
        """The error, which must be of `kind`; fails the scenario when the attempt succeeded."""
        assert self.error is not None, f"expected a refusal ({kind.__name__}), got {self.result!r}"
        assert isinstance(self.error, kind), (
            f"expected {kind.__name__}, got {type(self.error).__name__}: {self.error}")
        return self.error


def attempt(action: Callable[[], Any]) -> Outcome:
    try:
        return Outcome(result=action())
    except DomainError as error:
        return Outcome(error=error)


def rows_to_dicts(datatable: list[list[str]]) -> list[dict[str, str]]:
    """A Gherkin data table with a header row, as one dict per row."""
    header, *rows = datatable
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture
def container(memory_app_container):
    """The application wired to the in-memory adapters unless a feature module says otherwise."""
    return memory_app_container


@given("I am a platform operator", target_fixture="actor")
def platform_operator(operator):
    return operator


def pytest_bdd_apply_tag(tag: str, function) -> bool | None:
    """`@seed-…` tags name the seed criteria a scenario proves (features/seed_report.py reads
    them); they are documentation, not pytest markers."""
    return True if tag.startswith("seed-") else None
