"""Raw tables from any source -> the four canonical tables, a source list and parse issues."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from netlogs.errors import SchemaError
from netlogs.model import (
    EvidenceTables,
    LogFamily,
    ParseIssue,
    RawTable,
    SetAsideReason,
    SourceStatus,
    SourceSummary,
)
from netlogs.normalize.common import LINE_COLUMN, with_row_ids
from netlogs.normalize.dispatch import CANONICAL_BY_FAMILY, FAMILY_BY_TABLE, Piece, normalize_raw
from netlogs.normalize.ledger import ledger_summary, merge_counts
from netlogs.schemas import CANONICAL, empty_frame

# At most this many characters of an unreadable line are quoted in its ParseIssue.
_QUOTE = 160


def family_of_table(table: str, category: str | None = None) -> LogFamily:
    """The log family rows of ``table`` belong to.

    ``AzureDiagnostics`` holds Key Vault and firewall rows alike: pass the ``category``
    (``AuditEvent``, ``AzureFirewallDnsProxy``, ...) to tell them apart; without it the
    answer is the firewall family.

    Raises:
        SchemaError: ``table`` is not a table or raw shape netlogs reads.
    """
    if table == "AzureDiagnostics" and category:
        if category == "AuditEvent":
            return LogFamily.KEYVAULT
        if category in ("AzureFirewallDnsProxy", "AZFWDnsQuery"):
            return LogFamily.DNS
    try:
        return FAMILY_BY_TABLE[table]
    except KeyError:
        raise SchemaError(f"table {table!r} is not a log table netlogs reads") from None


@dataclass
class _Totals:
    """Rows and status per (family, table), merged over every raw table that contributed."""

    rows: int = 0
    partial: bool = False
    details: list[str] = field(default_factory=list)
    set_aside: Counter[str] = field(default_factory=Counter)
    statuses: set[SourceStatus] = field(default_factory=set)  # as the raw tables said


def normalize_evidence(
    raw_tables: Sequence[RawTable], issues: Sequence[ParseIssue] = ()
) -> EvidenceTables:
    """Normalize every raw table into the canonical tables.

    Rows that cannot be parsed become ParseIssues (origin, line, reason); they are never
    dropped silently. ``sources`` lists one SourceSummary per (family, table) seen, partial when
    any contributing raw table was partial.
    """
    frames: dict[LogFamily, list[pl.DataFrame]] = {family: [] for family in LogFamily}
    filtered: dict[LogFamily, list[pl.Series | None]] = {family: [] for family in LogFamily}
    totals: dict[tuple[LogFamily, str], _Totals] = {}
    found: list[ParseIssue] = list(issues)
    for raw in raw_tables:
        if raw.table not in FAMILY_BY_TABLE:
            found.append(
                ParseIssue(raw.origin, None, f"{raw.table}: not a log table netlogs reads")
            )
            continue
        for index, piece in enumerate(_normalized(raw)):
            frames[piece.family].append(piece.frame)
            filtered[piece.family].append(_query_filtered(raw, piece))
            found.extend(_piece_issues(raw, piece))
            for number, (table, rows) in enumerate(_rows_by_table(raw, piece)):
                total = totals.setdefault((piece.family, table), _Totals())
                _add_totals(total, raw, piece, rows)
                if index == 0 and number == 0:  # rows the reader set aside, counted once
                    total.set_aside.update(dict(raw.set_aside))
    tables = {
        CANONICAL_BY_FAMILY[family]: _concat(parts, CANONICAL_BY_FAMILY[family])
        for family, parts in frames.items()
    }
    return EvidenceTables(
        kv_requests=tables["kv_requests"],
        fw_events=tables["fw_events"],
        flows=tables["flows"],
        dns=tables["dns"],
        sources=_summaries(totals),
        issues=tuple(found),
        query_filtered={
            CANONICAL_BY_FAMILY[family]: _concat_marks(marks, frames[family])
            for family, marks in filtered.items()
            if any(mark is not None for mark in marks)
        },
    )


def _query_filtered(raw: RawTable, piece: Piece) -> pl.Series | None:
    """True for each row of ``piece`` the source already filtered by the query (None: none).

    Only netlogs' own Parquet keeps its rows one for one (``conform``); other shapes are
    tested in full by the ledger.
    """
    if raw.unfiltered_rows is None or not raw.table.startswith("canonical:"):
        return None
    marks = pl.repeat(True, piece.frame.height, dtype=pl.Boolean, eager=True)
    if raw.unfiltered_rows:
        marks = marks.scatter(list(raw.unfiltered_rows), False)
    return marks


def _concat_marks(marks: list[pl.Series | None], parts: list[pl.DataFrame]) -> pl.Series:
    """The marks of the pieces ``_concat`` joins (empty pieces have none), in its order."""
    pieces = [
        mark if mark is not None else pl.repeat(False, part.height, dtype=pl.Boolean, eager=True)
        for mark, part in zip(marks, parts, strict=True)
        if part.height
    ]
    return pl.concat(pieces) if pieces else pl.Series(dtype=pl.Boolean)


def _normalized(raw: RawTable) -> list[Piece]:
    """Pieces of one raw table; a frame without the columns its shape needs is a SchemaError."""
    # netlogs' own Parquet carries its row ids (``row_id``): no per-row id text to build
    own = raw.table.startswith("canonical:")
    try:
        return normalize_raw(raw.table, raw.frame if own else with_row_ids(raw.frame, raw.origin))
    except pl.exceptions.PolarsError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SchemaError(
            f"{raw.origin}: {raw.table} rows could not be normalized ({first})"
        ) from exc


def _concat(parts: list[pl.DataFrame], name: str) -> pl.DataFrame:
    non_empty = [part for part in parts if part.height]
    if not non_empty:
        return empty_frame(CANONICAL[name])
    return pl.concat(non_empty, how="vertical")


def _piece_issues(raw: RawTable, piece: Piece) -> list[ParseIssue]:
    found = [ParseIssue(raw.origin, None, piece.issue)] if piece.issue else []
    if piece.unparsed is None or piece.unparsed.is_empty():
        return found
    what = {
        LogFamily.FIREWALL: "firewall message",
        LogFamily.DNS: "DNS proxy message",
        LogFamily.FLOW: "flow tuple",
    }.get(piece.family, "row")
    # One issue per unreadable row: these are exceptions, so a loop over them is fine.
    for line, text in piece.unparsed.select(LINE_COLUMN, "msg").iter_rows():
        quoted = (text or "")[:_QUOTE]
        found.append(ParseIssue(raw.origin, line, f"{raw.table}: unreadable {what}: {quoted!r}"))
    return found


def _rows_by_table(raw: RawTable, piece: Piece) -> list[tuple[str, int]]:
    """Rows per source table; canonical Parquet is listed under the tables it was fetched from."""
    if raw.source_rows is not None and raw.table.startswith("canonical:"):
        # A filtered scan: count the whole file, as the unfiltered read below does (the rows
        # its pushed-down filter skipped are set aside by ``account_evidence``).
        if not raw.source_rows:
            return [(raw.table, 0)]
        return [(str(table or raw.table), rows) for table, rows in raw.source_rows]
    if not raw.table.startswith("canonical:") or piece.frame.is_empty():
        return [(raw.table, piece.frame.height)]
    counts = piece.frame.group_by("source_table").len().sort("source_table", nulls_last=True)
    return [(str(table or raw.table), int(rows)) for table, rows in counts.iter_rows()]


def _add_totals(total: _Totals, raw: RawTable, piece: Piece, rows: int) -> None:
    total.rows += rows
    total.statuses.add(raw.status)
    unparsed = 0 if piece.unparsed is None else piece.unparsed.height
    total.set_aside[SetAsideReason.UNPARSEABLE.value] += unparsed
    total.set_aside.update(dict(piece.set_aside))
    # rows that could not be read may have been evidence: what was read is only part of it
    total.partial = total.partial or raw.status is SourceStatus.PARTIAL or unparsed > 0
    if unparsed:
        total.details.append(f"{raw.origin}: {unparsed} unreadable rows")
    if piece.note:
        total.details.append(f"{raw.origin}: {piece.note}")
    if raw.status is not SourceStatus.COMPLETE and raw.detail:
        total.details.append(f"{raw.origin}: {raw.detail}")


def _summaries(totals: dict[tuple[LogFamily, str], _Totals]) -> tuple[SourceSummary, ...]:
    """One summary per (family, table), with its ledger: ``rows`` are the rows normalized."""
    return tuple(
        ledger_summary(
            SourceSummary(
                family=family,
                table=table,
                rows=total.rows,
                status=_status(total),
                detail="; ".join(dict.fromkeys(total.details)),
            ),
            used=total.rows,
            set_aside=merge_counts(total.set_aside.items(), ()),
        )
        for (family, table), total in sorted(
            totals.items(), key=lambda kv: (kv[0][0].value, kv[0][1])
        )
    )


def _status(total: _Totals) -> SourceStatus:
    """Partial wins; a table every source called absent is missing; any pending one pending."""
    if total.partial:
        return SourceStatus.PARTIAL
    if total.statuses == {SourceStatus.MISSING}:
        return SourceStatus.MISSING
    if SourceStatus.PENDING in total.statuses:
        return SourceStatus.PENDING
    return SourceStatus.COMPLETE
