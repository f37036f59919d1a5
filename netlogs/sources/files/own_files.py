"""netlogs' own files found among the logs: fetch metadata, and trace reports.

The metadata ``netlogs fetch`` writes next to its Parquet tables (ledger.json, queries.json) is
not evidence rows, but the ledger says whether the fetch was complete: when any query chunk was
partial, the canonical tables read back from that directory are partial too. A trace report
(``netlogs.trace/v1`` JSON, the HTML or Markdown report) saved next to the logs it was made from
is recognised and left out with a note: it is a conclusion, not evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netlogs.model import ParseIssue

LEDGER_SCHEMA = "netlogs.ledger/v1"
QUERIES_SCHEMA = "netlogs.queries/v1"
TRACE_SCHEMA = "netlogs.trace/v1"

_HTML_GENERATOR = b'<meta name="generator" content="netlogs'
# the first line of netlogs' Markdown reports (report.markdown.MARKDOWN_MARKER), and the title
# of reports written before it
_MARKDOWN_STARTS = (b"<!-- netlogs trace report (Markdown) -->", b"## netlogs trace: ")


def own_output_kind(head: bytes) -> str | None:
    """What kind of netlogs report a file starting with ``head`` is (None: not one)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:15].lower() == b"<!doctype html>" and _HTML_GENERATOR in head:
        return "netlogs HTML report"
    if text.startswith(_MARKDOWN_STARTS):
        return "netlogs Markdown report"
    return None


def own_output_note(kind: str, display: str) -> ParseIssue:
    return ParseIssue(display, None, f"{kind}: netlogs' own output, not evidence")


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
