"""Which scenarios prove which acceptance criteria of the seeds (shared/seeds/), and which
criteria no scenario proves yet.

    .venv/bin/python -m features.seed_report        (or: make coverage-seeds)

The criteria are listed in features/seed_criteria.tsv (id, summary), one per line, read from
the five seed specs; a scenario names the ones it proves with `@seed-…` tags.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

FEATURES = Path(__file__).resolve().parent
CRITERIA = FEATURES / "seed_criteria.tsv"
_SCENARIO = re.compile(r"^\s*Scenario(?: Outline)?:\s*(.+?)\s*$")


def criteria() -> dict[str, str]:
    rows = (line.split("\t", 1) for line in CRITERIA.read_text(encoding="utf-8").splitlines()
            if line.strip())
    return {cid: summary for cid, summary in rows}


def proofs() -> dict[str, list[str]]:
    """Criterion id -> the scenarios ("file: title") tagged with it."""
    found: dict[str, list[str]] = defaultdict(list)
    for feature in sorted(FEATURES.glob("*.feature")):
        tags: list[str] = []
        for line in feature.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith("@"):
                tags += [t[1:] for t in stripped.split() if t.startswith("@seed-")]
                continue
            match = _SCENARIO.match(line)
            if match:
                for tag in tags:
                    found[tag].append(f"{feature.name}: {match.group(1)}")
            if stripped:
                tags = []
    return dict(found)


def main() -> int:
    known, proven = criteria(), proofs()
    unknown = sorted(set(proven) - set(known))
    for cid, summary in known.items():
        scenarios = proven.get(cid, [])
        print(f"{'✓' if scenarios else '·'} {cid}  {summary}")
        for scenario in scenarios:
            print(f"      {scenario}")
    missing = [cid for cid in known if cid not in proven]
    print(f"\n{len(known) - len(missing)} of {len(known)} criteria have a scenario; "
          f"{len(missing)} have none: {', '.join(missing) or '-'}")
    if unknown:
        print(f"tags that name no criterion: {', '.join(unknown)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
