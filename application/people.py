"""Finding people: by email, or found-or-created when an org gains a member."""

from __future__ import annotations

from datetime import datetime

from application.ports.system import IdGenerator
from application.ports.unit_of_work import UnitOfWork
from domain.errors import Conflict, NotFound
from domain.user import User, normalise_email


def user_by_email(uow: UnitOfWork, email: str) -> User:
    user = uow.users.get_by_email(normalise_email(email))
    if user is None or user.erased:  # an erased person is nobody to act on
        raise NotFound(f"no user with email {email!r}", code="user_not_found")
    return user


def find_or_create_user(uow: UnitOfWork, ids: IdGenerator, email: str, full_name: str | None,
                        now: datetime) -> tuple[User, bool]:
    """The person with this email, made (without a password) if new; True when made."""
    email = normalise_email(email)
    existing = uow.users.get_by_email(email)
    if existing is not None and existing.erased:
        raise Conflict(f"{email} belongs to an erased account", code="user_erased")
    if existing is not None:
        return existing, False
    user = User.create(id=ids.new_id(), email=email, full_name=full_name or email.split("@", 1)[0],
                       now=now)
    uow.users.add(user)
    return user, True
