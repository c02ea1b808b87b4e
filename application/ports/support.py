"""Support grants (tenant bound) and the platform's cross-tenant reports."""

from __future__ import annotations

import abc
import uuid
from datetime import datetime

from attrs import define

from domain.support import SupportGrant


class SupportGrantRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, grant: SupportGrant) -> None: ...

    @abc.abstractmethod
    def update(self, grant: SupportGrant) -> None: ...

    @abc.abstractmethod
    def list(self, org_id: uuid.UUID) -> list[SupportGrant]:
        """The org's grants, the newest first."""


@define(frozen=True)
class OrgReport:
    """One org seen from the platform: counts and times, never a row of its data."""

    id: uuid.UUID
    slug: str
    plan: str
    status: str
    members: int
    api_keys: int
    max_members: int | None
    max_api_keys: int | None
    last_activity: datetime | None
    created_at: datetime


class PlatformReports(abc.ABC):
    """Cross-tenant aggregates, read with the platform's privileges, never a tenant's."""

    @abc.abstractmethod
    def orgs(self) -> list[OrgReport]:
        """Every org not deleted, by slug."""
