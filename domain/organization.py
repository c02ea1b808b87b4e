from __future__ import annotations

import enum
import uuid
from datetime import datetime, timedelta
from typing import Any

from attrs import define, field

from domain.choices import parse_choice
from domain.errors import Conflict, InvalidInput
from domain.settings import validate_settings
from domain.slug import normalise_slug
from domain.text import UNSAFE_TEXT_PROBLEM, unsafe_text

MAX_NAME_LENGTH = 200


class Plan(enum.StrEnum):
    FREE = "free"
    PRO = "pro"
    ENTERPRISE = "enterprise"


class OrgStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DELETED = "deleted"


def clean_name(raw: str, *, field_name: str = "name") -> str:
    if unsafe_text(raw or ""):
        raise InvalidInput(f"{field_name} {UNSAFE_TEXT_PROBLEM}", code="invalid_name",
                           errors={field_name: [UNSAFE_TEXT_PROBLEM]})
    name = " ".join((raw or "").split())
    if not name:
        raise InvalidInput(f"{field_name} must not be empty", code="invalid_name",
                           errors={field_name: ["must not be empty"]})
    if len(name) > MAX_NAME_LENGTH:
        problem = f"must be at most {MAX_NAME_LENGTH} characters"
        raise InvalidInput(f"{field_name} {problem}", code="invalid_name",
                           errors={field_name: [problem]})
    return name


@define(slots=False)
class Organization:
    """The tenant. Everything tenant-scoped hangs off its `id`."""

    id: uuid.UUID
    name: str
    slug: str
    created_at: datetime
    updated_at: datetime
    plan: Plan = Plan.FREE
    settings: dict[str, Any] = field(factory=dict)
    status: OrgStatus = OrgStatus.ACTIVE

    @classmethod
    def create(cls, *, id: uuid.UUID, name: str, slug: str, now: datetime,
               plan: str = Plan.FREE, settings: dict | None = None) -> Organization:
        return cls(
            id=id,
            name=clean_name(name),
            slug=normalise_slug(slug),
            plan=parse_plan(plan),
            settings=validate_settings(settings or {}),
            created_at=now,
            updated_at=now,
        )

    def rename(self, name: str, now: datetime) -> None:
        self.name = clean_name(name)
        self.updated_at = now

    def replace_settings(self, settings: dict, now: datetime) -> None:
        self.settings = validate_settings(settings)
        self.updated_at = now

    def mark_deleted(self, now: datetime) -> None:
        self.status = OrgStatus.DELETED
        self.updated_at = now

    def change_plan(self, plan: str, now: datetime) -> None:
        self.plan = parse_plan(plan)
        self.updated_at = now

    def suspend(self, now: datetime) -> None:
        self._move(OrgStatus.ACTIVE, OrgStatus.SUSPENDED, now)

    def resume(self, now: datetime) -> None:
        self._move(OrgStatus.SUSPENDED, OrgStatus.ACTIVE, now)

    def restore(self, now: datetime, grace: timedelta) -> None:
        """Deleted, back within `grace` of its deletion (its last change: a deleted org
        changes no more)."""
        if self.status is OrgStatus.DELETED and now - self.updated_at > grace:
            raise Conflict(f"organization {self.slug!r} was deleted more than {grace.days} "
                           "days ago: past its grace period", code="grace_period_over")
        self._move(OrgStatus.DELETED, OrgStatus.ACTIVE, now)

    def _move(self, from_status: OrgStatus, to_status: OrgStatus, now: datetime) -> None:
        if self.status is not from_status:
            raise Conflict(f"organization {self.slug!r} is {self.status}, not {from_status}",
                           code="org_status")
        self.status, self.updated_at = to_status, now

    @property
    def is_active(self) -> bool:
        return self.status is OrgStatus.ACTIVE


def parse_plan(raw: str) -> Plan:
    return parse_choice(Plan, raw, field="plan")
