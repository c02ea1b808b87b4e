"""Global tables (no tenant) in memory: organizations, people and password links.

Like every in-memory repository they work on a `Draft` (adapters/memory/store.py): rows are
found by looking at the tables without copying (`items()`, `values()`, `peek()`), and what is
returned is taken with `table[key]`, the transaction's own copy of that row.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import attrs

from adapters.memory.draft_table import first_row
from adapters.memory.store import Draft
from application.ports.repositories import (
    EmailTokenRepository,
    OrganizationRepository,
    PasswordTokenRepository,
    UserRepository,
)
from application.ports.sign_in_failures import SignInFailure, SignInFailureLog
from domain.email_token import EmailPurpose, EmailToken
from domain.errors import Conflict
from domain.organization import Organization, OrgStatus
from domain.password_token import PasswordToken
from domain.user import User, UserStatus


class MemoryOrganizations(OrganizationRepository):
    def __init__(self, tables: Draft) -> None:
        self._t = tables

    def add(self, org: Organization) -> None:
        if any(o.slug.lower() == org.slug.lower() for o in self._t.orgs.values()):
            raise Conflict(f"slug {org.slug!r} is already taken", code="slug_taken")
        self._t.orgs[org.id] = org

    def get(self, org_id: uuid.UUID) -> Organization | None:
        return self._t.orgs.get(org_id)

    def get_by_slug(self, slug: str, *, lock: bool = False) -> Organization | None:
        """`lock` needs nothing here: the store's lock serialises every unit of work."""
        return first_row(self._t.orgs, (k for k, o in self._t.orgs.items()
                                     if o.slug.lower() == slug.lower()))

    def list(self, *, include_deleted: bool = False) -> list[Organization]:
        orgs = sorted(self._t.orgs.items(), key=lambda row: row[1].slug)
        return [self._t.orgs[k] for k, o in orgs
                if include_deleted or o.status is not OrgStatus.DELETED]

    def update(self, org: Organization) -> None:
        self._t.orgs[org.id] = org


class MemoryUsers(UserRepository):
    def __init__(self, tables: Draft) -> None:
        self._t = tables

    def add(self, user: User) -> None:
        if self._by_email(user.email) is not None:
            raise Conflict(f"a user with email {user.email!r} exists", code="email_taken")
        self._t.users[user.id] = user

    def get(self, user_id: uuid.UUID) -> User | None:
        return self._t.users.get(user_id)

    def get_by_email(self, email: str) -> User | None:
        key = self._by_email(email)
        return None if key is None else self._t.users[key]

    def _by_email(self, email: str) -> uuid.UUID | None:
        return next((k for k, u in self._t.users.items() if u.email == email.lower()), None)

    def update(self, user: User) -> None:
        stored = self._t.users.stored(user.id)
        if stored is None or stored.erased:
            return
        if any(u.email == user.email and k != user.id for k, u in self._t.users.items()):
            raise Conflict(f"a user with email {user.email!r} exists", code="email_taken")
        self._t.users[user.id] = user

    def mark_erased(self, user: User) -> bool:
        stored = self._t.users.stored(user.id)
        if stored is None or stored.erased:
            return False
        self._t.users[user.id] = attrs.evolve(
            stored, status=UserStatus.ERASED, password_hash=user.password_hash,
            updated_at=user.updated_at)
        return True

    def erasures_pending(self) -> list[User]:
        keys = sorted(k for k, u in self._t.users.items() if u.erased and not u.anonymised)
        return [self._t.users[k] for k in keys]

    def store_anonymised(self, user: User) -> None:
        stored = self._t.users.stored(user.id)
        if stored is not None and stored.erased:
            self._t.users[user.id] = attrs.evolve(
                stored, email=user.email, full_name=user.full_name,
                email_verified_at=user.email_verified_at, updated_at=user.updated_at)


class MemoryPasswordTokens(PasswordTokenRepository):
    def __init__(self, tables: Draft) -> None:
        self._t = tables

    def add(self, token: PasswordToken) -> None:
        self._t.password_tokens[token.id] = token

    def get_by_hash(self, token_hash: str) -> PasswordToken | None:
        return first_row(self._t.password_tokens, (k for k, t in self._t.password_tokens.items()
                                                if t.token_hash == token_hash))

    def claim(self, token: PasswordToken) -> bool:
        stored = self._t.password_tokens.stored(token.id)
        if stored is None or not stored.usable(token.used_at):
            return False
        self._t.password_tokens[token.id] = token
        return True

    def expire_unused_of(self, user_id: uuid.UUID, now: datetime) -> int:
        unused = [k for k, t in self._t.password_tokens.items()  # peeked, not changed
                  if t.user_id == user_id and t.usable(now)]
        for key in unused:
            token = self._t.password_tokens[key]  # this transaction's own copy
            token.expire(now)
            self._t.password_tokens[key] = token
        return len(unused)


class MemorySignInFailureLog(SignInFailureLog):
    def __init__(self, tables: Draft) -> None:
        self._t = tables

    def record(self, failure: SignInFailure) -> None:
        self._t.sign_in_failures[failure.id] = failure

    def recent(self, *, limit: int) -> list[SignInFailure]:
        newest = sorted(self._t.sign_in_failures.values(), key=lambda f: (f.created_at, f.id),
                        reverse=True)
        return newest[:limit]


class MemoryEmailTokens(EmailTokenRepository):
    def __init__(self, tables: Draft) -> None:
        self._t = tables

    def add(self, token: EmailToken) -> None:
        self._t.email_tokens[token.id] = token

    def get_by_hash(self, token_hash: str) -> EmailToken | None:
        return first_row(self._t.email_tokens, (k for k, t in self._t.email_tokens.items()
                                             if t.token_hash == token_hash))

    def claim(self, token: EmailToken) -> bool:
        stored = self._t.email_tokens.stored(token.id)
        if stored is None or not stored.usable(token.used_at):
            return False
        self._t.email_tokens[token.id] = token
        return True

    def expire_unused_of(self, user_id: uuid.UUID, now: datetime,
                         purpose: EmailPurpose = EmailPurpose.VERIFY) -> int:
        unused = [k for k, t in self._t.email_tokens.items()  # peeked, not changed
                  if t.user_id == user_id and t.usable(now) and t.purpose is purpose]
        for key in unused:
            token = self._t.email_tokens[key]  # this transaction's own copy
            token.expire(now)
            self._t.email_tokens[key] = token
        return len(unused)
