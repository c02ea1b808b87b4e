"""Cross-tenant reports for platform operators, read through the platform's own privileges."""

from __future__ import annotations

from collections import Counter
from typing import Any

from application.ports.support import OrgReport, PlatformReports


def _at_limit(used: int, allowed: int | None) -> bool:
    return allowed is not None and used >= allowed


class PlatformService:
    def __init__(self, reports: PlatformReports) -> None:
        self._reports = reports

    def orgs(self) -> list[OrgReport]:
        return self._reports.orgs()

    def usage(self) -> list[dict[str, Any]]:
        """Per plan and status: how many orgs, members and live keys, and how many orgs are at
        a limit of members or of keys."""
        totals: dict[tuple[str, str], Counter] = {}
        for org in self._reports.orgs():
            counts = totals.setdefault((org.plan, org.status), Counter())
            counts.update(orgs=1, members=org.members, api_keys=org.api_keys,
                          at_member_limit=_at_limit(org.members, org.max_members),
                          at_key_limit=_at_limit(org.api_keys, org.max_api_keys))
        return [{"plan": plan, "status": status,
                 **{k: counts[k] for k in ("orgs", "members", "api_keys", "at_member_limit",
                                           "at_key_limit")}}
                for (plan, status), counts in sorted(totals.items())]
