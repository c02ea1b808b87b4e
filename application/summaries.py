"""What use cases hand back: plain, immutable values, never an entity or a row."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from attrs import define

from domain.organization import Organization


@define(frozen=True)
class OrganizationSummary:
    id: uuid.UUID
    name: str
    slug: str
    plan: str
    settings: dict[str, Any]
    status: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, org: Organization) -> OrganizationSummary:
        return cls(id=org.id, name=org.name, slug=org.slug, plan=str(org.plan),
                   settings=dict(org.settings), status=str(org.status),
                   created_at=org.created_at, updated_at=org.updated_at)
