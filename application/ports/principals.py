"""Who is calling, resolved in one read inside the request's own transaction."""

from __future__ import annotations

import abc
import uuid
from datetime import datetime

from attrs import define

from domain.api_key import ApiKey
from domain.member import Role
from domain.organization import Organization


@define(frozen=True)
class SessionGrant:
    """A live session, its member and person, and their active organization."""

    org: Organization
    session_id: uuid.UUID
    member_id: uuid.UUID
    user_id: uuid.UUID
    email: str
    full_name: str
    role: Role


@define(frozen=True)
class KeyGrant:
    """An API key (usable or not: the caller decides), its active organization, and the role
    its creator holds now: None when the creator is no longer an active member (removed or
    disabled), or when an operator made the key (`created_by` is None). Removal also revokes
    the creator's keys, so adding them again brings none back."""

    org: Organization
    key: ApiKey
    creator_role: Role | None = None


class Principals(abc.ABC):
    """Each method is one read and needs the unit of work bound to `org_id` first.

    `lock_org` also locks the org's row until the transaction ends, for a use case about to
    change the org: concurrent changes then queue, and each reads what the last one wrote.
    """

    @abc.abstractmethod
    def of_session(self, org_id: uuid.UUID, session_id: uuid.UUID, user_id: uuid.UUID,
                   now: datetime, *, lock_org: bool = False) -> SessionGrant | None:
        """None unless the session is live, the person active and a member, the org active."""

    @abc.abstractmethod
    def of_api_key(self, org_id: uuid.UUID, prefix: str, *,
                   lock_org: bool = False) -> KeyGrant | None:
        """None unless a key with this prefix exists in an active org; with its creator's role."""
