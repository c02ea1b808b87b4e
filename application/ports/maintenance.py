"""Work on the owner's side of the database, never on a request's path."""

from __future__ import annotations

import abc
import uuid


class OrgPurger(abc.ABC):
    @abc.abstractmethod
    def purge(self, org_id: uuid.UUID) -> dict[str, int]:
        """Delete every row of the org in every tenant table, its audit log included, and the
        org itself, in one transaction; how many rows per table. People's accounts stay: they
        are not the org's (a person may belong to others)."""
