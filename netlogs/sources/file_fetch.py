"""The metadata ``netlogs fetch`` writes next to its Parquet tables (ledger.json, queries.json).

They are not evidence rows, but the ledger says whether the fetch was complete: when any query
chunk was partial, the canonical tables read back from that directory are partial too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netlogs.model import ParseIssue

LEDGER_SCHEMA = "netlogs.ledger/v1"
QUERIES_SCHEMA = "netlogs.queries/v1"


def is_fetch_metadata(document: Mapping[str, Any]) -> bool:
    return document.get("schema") in (LEDGER_SCHEMA, QUERIES_SCHEMA)


def ledger_partial_detail(document: Mapping[str, Any]) -> str:
    """A one-line summary of the partial chunks in a ledger ("" when every chunk completed)."""
    if document.get("schema") != LEDGER_SCHEMA:
        return ""
    entries = [e for e in document.get("entries") or () if isinstance(e, dict)]
    # a table the workspace does not have ("missing") was not fetched partly: it is not there
    partial = [e for e in entries if e.get("status") not in ("complete", "missing")]
    if not partial:
        return ""
    first = partial[0]
    return (
        f"the fetch ledger lists {len(partial)} of {len(entries)} query chunks as not complete "
        f"(first: {first.get('template')}@{first.get('workspace')} {first.get('status')}: "
        f"{first.get('detail', '')})"
    )


def ledger_issues(document: Mapping[str, Any], display: str) -> list[ParseIssue]:
    """Rows the fetch itself could not read, carried over so offline reports still show them."""
    issues = []
    for issue in document.get("issues") or ():
        if isinstance(issue, dict):
            line = issue.get("line")
            issues.append(
                ParseIssue(
                    str(issue.get("origin", display)),
                    line if isinstance(line, int) else None,
                    str(issue.get("reason", "")),
                )
            )
    return issues
