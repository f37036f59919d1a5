"""What the Log Analytics source asks, and how chunk answers become RawTables and a ledger.

No Azure SDK here: this module picks the KQL templates, fills their parameters from an
``EvidenceQuery``, and assembles the per-chunk results (frames, status, server time, query hash)
into ``RawTable``s, ``LedgerEntry``s, ``QueryRecord``s and ``IngestionLag``s.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from netlogs.errors import ConfigError
from netlogs.kql import Template, evidence_params, list_templates, params_for, render_query
from netlogs.model import (
    CollectedEvidence,
    EvidenceQuery,
    IngestionLag,
    LedgerEntry,
    QueryRecord,
    RawTable,
    SourceStatus,
    TimeWindow,
)
from netlogs.sources.log_analytics.chunks import iso_timespan

EVIDENCE_FAMILIES = ("keyvault", "firewall", "flow", "dns")
PROBE_FAMILY = "probe"


@dataclass(frozen=True)
class ChunkQuery:
    """One rendered query for one template, workspace and time chunk."""

    template: str
    table: str
    workspace: str
    window: TimeWindow
    kql: str
    family: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.kql.encode("utf-8")).hexdigest()

    @property
    def label(self) -> str:
        """Names the chunk in messages: ``keyvault_requests@<ws> 10:00Z..11:00Z``."""
        return f"{self.template}@{self.workspace} [{iso_timespan(self.window)}]"


@dataclass(frozen=True)
class ChunkResult:
    """The answer to one ChunkQuery (after any retries); ``frame`` holds the rows kept."""

    query: ChunkQuery
    frame: pl.DataFrame
    status: SourceStatus
    server_time_ms: float | None
    detail: str = ""
    sent: bool = True  # False: answered without a query (table absent, no rows, deadline)


class CollectInterrupted(KeyboardInterrupt):
    """Ctrl-C during the queries; ``evidence`` holds what was fetched, the rest marked partial."""

    def __init__(self, evidence: CollectedEvidence) -> None:
        super().__init__("interrupted")
        self.evidence = evidence


def select_templates(names: Sequence[str] | None) -> tuple[list[Template], list[Template]]:
    """Evidence templates and coverage-probe templates, optionally limited to ``names``.

    Raises:
        ConfigError: a requested template name does not exist.
    """
    templates = list_templates()
    if names is not None:
        known = {t.name for t in templates}
        unknown = sorted(set(names) - known)
        if unknown:
            raise ConfigError(f"unknown KQL template(s): {', '.join(unknown)}")
        templates = [t for t in templates if t.name in set(names)]
    evidence = [t for t in templates if t.family in EVIDENCE_FAMILIES]
    probes = [t for t in templates if t.family == PROBE_FAMILY]
    return evidence, probes


def template_window(template: Template, query: EvidenceQuery) -> TimeWindow:
    """The window ``template`` reads: firewall templates also read the ``firewall_lead`` before
    it (keep-alive connections opened then carry requests inside it)."""
    window = query.firewall_window() if template.family == "firewall" else query.window
    if window is None:
        raise ConfigError("a Log Analytics query needs a time window (--since or --start/--end)")
    return window


def chunk_query(
    template: Template, query: EvidenceQuery, workspace: str, window: TimeWindow
) -> ChunkQuery:
    """Render ``template`` for one workspace and chunk."""
    # only the standard parameters the template declares (start/end are this chunk's bounds)
    text = render_query(template, params_for(template, evidence_params(query, window)))
    table = template.tables[0] if template.tables else template.name
    return ChunkQuery(template.name, table, workspace, window, text, template.family)


def ledger_entry(result: ChunkResult) -> LedgerEntry:
    chunk = result.query
    return LedgerEntry(
        template=chunk.template,
        workspace=chunk.workspace,
        start=chunk.window.start,
        end=chunk.window.end,
        rows=result.frame.height,
        status=result.status,
        server_time_ms=result.server_time_ms,
        query_sha256=chunk.sha256 if result.sent else "",
        detail=result.detail,
    )


def query_record(chunk: ChunkQuery) -> QueryRecord:
    return QueryRecord(
        name=chunk.template,
        kql=chunk.kql,
        sha256=chunk.sha256,
        timespan=iso_timespan(chunk.window),
        workspace=chunk.workspace,
    )


def raw_tables(results: Iterable[ChunkResult]) -> list[RawTable]:
    """One RawTable per template × workspace, chunks in time order; partial if any chunk was."""
    groups: dict[tuple[str, str], list[ChunkResult]] = {}
    for result in sorted(
        results, key=lambda r: (r.query.template, r.query.workspace, r.query.window.start)
    ):
        groups.setdefault((result.query.template, result.query.workspace), []).append(result)
    tables: list[RawTable] = []
    for (template, workspace), chunks in groups.items():
        frames = [c.frame for c in chunks if c.frame.width]
        frame = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
        short = [c for c in chunks if c.status is not SourceStatus.COMPLETE]
        detail = "; ".join(dict.fromkeys(_chunk_detail(c) for c in short))
        status = merged_status([c.status for c in chunks])
        tables.extend(
            _split_by_type(chunks[0].query.table, frame, f"{template}@{workspace}", status, detail)
        )
    return tables


def merged_status(statuses: Sequence[SourceStatus]) -> SourceStatus:
    """One status for several chunks: any partial wins, then pending; missing only if all are."""
    found = set(statuses)
    if SourceStatus.PARTIAL in found:
        return SourceStatus.PARTIAL
    if SourceStatus.PENDING in found:
        return SourceStatus.PENDING
    if found == {SourceStatus.MISSING}:
        return SourceStatus.MISSING
    return SourceStatus.PARTIAL if SourceStatus.MISSING in found else SourceStatus.COMPLETE


def _chunk_detail(result: ChunkResult) -> str:
    if result.status in (SourceStatus.MISSING, SourceStatus.PENDING):
        return result.detail  # about the table or the window, not one chunk
    return f"{iso_timespan(result.query.window)}: {result.detail}"


def collected_evidence(results: Iterable[ChunkResult], probes: set[str]) -> CollectedEvidence:
    """Everything the chunks returned, in a stable order (template, workspace, time).

    Probe answers become ingestion lags; every chunk, probes included, gets a ledger entry and
    a query record.
    """
    ordered = sorted(
        results, key=lambda r: (r.query.template, r.query.workspace, r.query.window.start)
    )
    evidence = [r for r in ordered if r.query.template not in probes]
    probed = [r for r in ordered if r.query.template in probes]
    return CollectedEvidence(
        raw_tables=tuple(raw_tables(evidence)),
        ledger=tuple(ledger_entry(r) for r in ordered),
        queries=tuple(query_record(r.query) for r in ordered if r.sent),
        lags=tuple(lag for r in probed for lag in lags_from_probe(r.frame)),
    )


def _split_by_type(
    table: str, frame: pl.DataFrame, origin: str, status: SourceStatus, detail: str
) -> list[RawTable]:
    """A union template returns several tables; its ``Type`` column says which row is which."""
    if "Type" not in frame.columns or frame.is_empty() or frame["Type"].n_unique() == 1:
        first = frame["Type"][0] if "Type" in frame.columns and frame.height else None
        name = str(first) if first else table
        return [RawTable(name, frame, origin, status, detail)]
    parts = frame.partition_by("Type", as_dict=True, maintain_order=True)
    return [
        RawTable(str(key[0]), part, origin, status, detail)
        for key, part in sorted(parts.items(), key=str)
    ]


# Preferred lag columns of the probe, most telling first: EventLag measures from the event itself
# (a Traffic Analytics flow's end), and the 95th percentile ignores the odd re-ingested record.
_LAG_COLUMNS = ("P95EventLag", "MaxEventLag", "P95IngestionLag", "MaxIngestionLag")


def lags_from_probe(frame: pl.DataFrame) -> list[IngestionLag]:
    """Ingestion lags from the coverage probe: one per table/category that had rows."""
    if frame.is_empty():
        return []
    table_col = _first_column(frame, ("Source", "Table", "SourceTable", "Type", "Category"))
    lag_col = _first_column(
        frame, (*_LAG_COLUMNS, *(c for c in frame.columns if "lag" in c.lower()))
    )
    last_col = _first_column(
        frame, ("LastRecord", *(c for c in frame.columns if "last" in c.lower()))
    )
    if table_col is None or lag_col is None:
        return []
    lags: list[IngestionLag] = []
    for row in frame.iter_rows(named=True):  # one row per table, not per log record
        lag = _as_timedelta(row[lag_col])
        if lag is None:
            continue
        last = row[last_col] if last_col else None
        last_time = last if isinstance(last, datetime) else None
        lags.append(IngestionLag(str(row[table_col]), lag, last_time))
    return lags


def _first_column(frame: pl.DataFrame, names: Sequence[str]) -> str | None:
    return next((name for name in names if name in frame.columns), None)


def _as_timedelta(value: object) -> timedelta | None:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)):  # a probe may report seconds as a number
        return timedelta(seconds=float(value))
    return None
