"""The in-memory database: plain dicts, copied per transaction so a rollback loses nothing."""

from __future__ import annotations

import copy
import threading
import uuid

from attrs import define, field

from domain.api_key import ApiKey
from domain.audit import AuditEntry
from domain.invitation import Invitation
from domain.member import Member
from domain.organization import Organization
from domain.password_token import PasswordToken
from domain.session import Session
from domain.user import User


@define
class Tables:
    orgs: dict[uuid.UUID, Organization] = field(factory=dict)
    users: dict[uuid.UUID, User] = field(factory=dict)
    members: dict[tuple[uuid.UUID, uuid.UUID], Member] = field(factory=dict)
    audit: dict[uuid.UUID, list[AuditEntry]] = field(factory=dict)
    sessions: dict[tuple[uuid.UUID, uuid.UUID], Session] = field(factory=dict)
    password_tokens: dict[uuid.UUID, PasswordToken] = field(factory=dict)
    api_keys: dict[tuple[uuid.UUID, uuid.UUID], ApiKey] = field(factory=dict)
    api_key_prefixes: dict[str, uuid.UUID] = field(factory=dict)
    invitations: dict[tuple[uuid.UUID, uuid.UUID], Invitation] = field(factory=dict)


class MemoryStore:
    """Serialises transactions with one lock: simple, and as strict as SERIALIZABLE."""

    def __init__(self) -> None:
        self.committed = Tables()
        self.lock = threading.RLock()

    def snapshot(self) -> Tables:
        return copy.deepcopy(self.committed)
