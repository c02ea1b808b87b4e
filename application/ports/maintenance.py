"""Work on the owner's side of the database, never on a request's path."""

from __future__ import annotations

import abc
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime

from attrs import define

from domain.audit_pii import Person
from domain.audit_retention import AuditCheckpoint


class OrgPurger(abc.ABC):
    @abc.abstractmethod
    def purge(self, org_id: uuid.UUID) -> dict[str, int]:
        """Delete every row of the org in every tenant table, its audit log included, and the
        org itself, in one transaction; how many rows per table. People's accounts stay: they
        are not the org's (a person may belong to others)."""


@define(frozen=True)
class ErasedInOrg:
    entries: int  # audit entries whose fields about the person were erased
    kept: int  # entries about them of hash version 1, whose values their hash covers
    invitations: int  # invitations to one of their addresses, now to none


class PersonEraser(abc.ABC):
    """A person's data where the application's role may not change it: the audit log (the
    append-only trigger lets only the owner's maintenance path through) and link tokens."""

    @abc.abstractmethod
    def erase_in_orgs(self, org_ids: Iterable[uuid.UUID], person: Person,
                      now: datetime) -> dict[uuid.UUID, ErasedInOrg]:
        """In each org, in a transaction of its own bound to it: erase the person's fields in
        every entry of hash version 2 that holds them (the chain still verifies), make
        invitations to their addresses addressless and ended, and clear the client address
        and agent of their sessions. Running it again changes nothing more."""

    @abc.abstractmethod
    def erase_global(self, person: Person) -> int:
        """Delete the person's password and email links and the sign-in failures recorded
        under their id or one of their addresses; how many rows."""


class AuditPruner(abc.ABC):
    @abc.abstractmethod
    def prune(self, org_id: uuid.UUID, before: datetime,
              checkpoint: Callable[[int, str, int], AuditCheckpoint]) -> AuditCheckpoint | None:
        """In one transaction bound to the org: remove its oldest entries, up to the last one
        made before `before`, never its newest (the next entry chains to it), and store the
        checkpoint that `checkpoint(seq, hash, removed)` makes of the last one removed; None
        when nothing was due."""
