"""The hand-off types between the evidence sources and the normalizers.

A source (files, Log Analytics, a test fake) answers an ``EvidenceQuery`` with
``CollectedEvidence``: the ``RawTable``s as read, what could not be parsed, the query ledger, the
queries and input files cited, the observed ingestion lags. Normalization turns them into
``EvidenceTables`` with one ``SourceSummary`` (the row ledger) per table. ``netlogs.model``
re-exports every name here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from netlogs.terms import LogFamily, SourceStatus, TimeWindow

if TYPE_CHECKING:  # polars is only needed for annotations here; keep the import cheap
    import polars as pl


@dataclass(frozen=True)
class RawTable:
    """Rows as a source delivered them, before normalization.

    ``table`` names the shape: a Log Analytics table (``AZFWNetworkRule``, ``AzureDiagnostics``)
    or a raw storage format (``raw:keyvault``, ``raw:azfw_legacy``, ``raw:azfw_structured``,
    ``raw:nsg_flow``, ``raw:vnet_flow``) or ``canonical:<table>`` for netlogs' own Parquet.
    """

    table: str
    frame: pl.DataFrame
    origin: str  # file path (with sheet/line info) or "template@workspace"
    status: SourceStatus = SourceStatus.COMPLETE
    detail: str = ""
    # Canonical Parquet read with the query's row filters pushed down: rows per ``source_table``
    # in the whole file, so the source list still counts every row that was read.
    source_rows: tuple[tuple[str | None, int], ...] | None = None
    # Rows read from ``origin`` but set aside before ``frame`` (e.g. unparseable lines), by
    # reason (``SetAsideReason`` values): they still count in the row ledger.
    set_aside: tuple[tuple[str, int], ...] = ()
    # The source's contract with the row ledger. None: ``frame`` holds rows whatever the query.
    # A tuple: every row passes the query's row filter (``evidence_predicates`` of the query
    # collected for) except the rows at these positions, which the ledger tests in full.
    unfiltered_rows: tuple[int, ...] | None = None


@dataclass(frozen=True)
class ParseIssue:
    """A row or line that could not be understood; reported, never dropped silently."""

    origin: str
    line: int | None
    reason: str


@dataclass(frozen=True)
class LedgerEntry:
    """One query chunk against one workspace (the completeness ledger)."""

    template: str
    workspace: str
    start: datetime
    end: datetime
    rows: int
    status: SourceStatus
    server_time_ms: float | None
    query_sha256: str
    detail: str = ""


@dataclass(frozen=True)
class QueryRecord:
    """A query (or input file) the evidence came from, cited in reports."""

    name: str
    kql: str
    sha256: str
    timespan: str
    workspace: str


@dataclass(frozen=True)
class InputFile:
    path: str
    sha256: str
    detected_format: str
    rows: int


@dataclass(frozen=True)
class IngestionLag:
    """Observed ingestion delay of a table (from the coverage probe or a default)."""

    table: str
    lag: timedelta
    last_record: datetime | None


@dataclass(frozen=True)
class EvidenceQuery:
    """What to collect: every filter is applied the same way online (KQL) and offline."""

    vault_name: str
    vault_fqdn: str
    private_endpoint_ips: tuple[str, ...]
    firewall_names: tuple[str, ...]
    window: TimeWindow | None
    client_ips: tuple[str, ...] = ()  # empty: every client
    client_prefixes: tuple[str, ...] = ()
    vault_public_ips: tuple[str, ...] = ()
    # Canonical columns the caller reads, per table; a source may leave the others out (they
    # arrive as nulls). None: every column.
    columns: Mapping[str, tuple[str, ...]] | None = None
    # Firewall records are fetched from this long before the window: a connection opened then
    # (keep-alive) still carries requests inside it, and must not look like a bypass.
    firewall_lead: timedelta = timedelta(0)
    # ... and until this long after it: the firewall's clock may run behind the vault's, so a
    # record stamped just after the window's end can still cover a request at its end.
    firewall_trail: timedelta = timedelta(0)

    def firewall_window(self) -> TimeWindow | None:
        """The window firewall records are read for (``window`` widened by ``firewall_lead``
        before and ``firewall_trail`` after)."""
        if self.window is None or not (self.firewall_lead or self.firewall_trail):
            return self.window
        return TimeWindow(
            self.window.start - self.firewall_lead, self.window.end + self.firewall_trail
        )


@dataclass(frozen=True)
class CollectedEvidence:
    raw_tables: tuple[RawTable, ...]
    parse_issues: tuple[ParseIssue, ...] = ()
    ledger: tuple[LedgerEntry, ...] = ()
    queries: tuple[QueryRecord, ...] = ()
    inputs: tuple[InputFile, ...] = ()
    lags: tuple[IngestionLag, ...] = ()


@dataclass(frozen=True)
class EvidenceTables:
    """The canonical tables (schemas.py) after normalization, with what went into them."""

    kv_requests: pl.DataFrame
    fw_events: pl.DataFrame
    flows: pl.DataFrame
    dns: pl.DataFrame
    sources: tuple[SourceSummary, ...] = ()  # one per (family, table) seen or expected
    issues: tuple[ParseIssue, ...] = ()
    # Per canonical table, True where the source already applied the query's row filter
    # (``RawTable.unfiltered_rows``); a table not here has no such row. Cleared by the ledger.
    query_filtered: Mapping[str, pl.Series] = field(default_factory=dict)


class EvidenceSource(Protocol):
    """Anything that can collect raw evidence rows (files, Log Analytics, a test fake)."""

    def collect(self, query: EvidenceQuery) -> CollectedEvidence: ...


@dataclass(frozen=True)
class SourceSummary:
    family: LogFamily
    table: str
    rows: int
    status: SourceStatus
    detail: str = ""
    # The row ledger: read = used + rows set aside; set_aside is (SetAsideReason value, rows),
    # sorted by reason (a tuple, so the summary stays hashable).
    read: int = 0
    used: int = 0
    set_aside: tuple[tuple[str, int], ...] = ()
