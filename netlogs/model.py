"""Frozen value types shared by every layer (no behaviour beyond small derived properties).

Everything here is plain data: the routing/path vocabulary (``PathHop``, ``ExpectedPath``), the
trace request and result (``TraceRequest``, ``TraceResult``), and the hand-off types between the
evidence sources and the normalizers (``RawTable``, ``CollectedEvidence``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:  # polars is only needed for annotations here; keep `import netlogs.model` cheap
    import polars as pl


class Verdict(str, Enum):
    """Per-flow answer; see contract.md §5."""

    REACHED_VIA_FIREWALL = "REACHED_VIA_FIREWALL"
    REACHED_BYPASSING_FIREWALL = "REACHED_BYPASSING_FIREWALL"
    REACHED_VIA_SERVICE_ENDPOINT = "REACHED_VIA_SERVICE_ENDPOINT"
    REACHED_VIA_PUBLIC_ENDPOINT = "REACHED_VIA_PUBLIC_ENDPOINT"
    BLOCKED_BY_FIREWALL = "BLOCKED_BY_FIREWALL"
    BLOCKED_BY_VAULT_NETWORK_RULES = "BLOCKED_BY_VAULT_NETWORK_RULES"
    NOT_REACHED = "NOT_REACHED"
    NOT_YET_OBSERVABLE = "NOT_YET_OBSERVABLE"
    INCONCLUSIVE = "INCONCLUSIVE"

    @property
    def is_undecided(self) -> bool:
        return self in (Verdict.INCONCLUSIVE, Verdict.NOT_YET_OBSERVABLE)


class HopStatus(str, Enum):
    """How well the logs show one hop of the expected path."""

    OBSERVED = "observed"
    NOT_OBSERVED = "not_observed"
    UNOBSERVABLE = "unobservable"
    NOT_COVERED = "not_covered"
    PENDING = "pending"


class HopKind(str, Enum):
    CLIENT = "client"
    UDR = "udr"
    FIREWALL = "firewall"
    PRIVATE_ENDPOINT = "private_endpoint"
    SERVICE_ENDPOINT = "service_endpoint"
    PUBLIC_ENDPOINT = "public_endpoint"
    GATEWAY = "gateway"
    PEERING = "peering"
    VAULT = "vault"
    DROP = "drop"
    DESTINATION = "destination"  # a non-vault destination reached (paths to a plain IP)


class Confidence(str, Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class VaultOutcome(str, Enum):
    SERVED = "served"
    DENIED_AUTH = "denied_auth"
    DENIED_NETWORK = "denied_network"
    NONE = "none"


class SourceStatus(str, Enum):
    COMPLETE = "complete"
    PARTIAL = "partial"
    MISSING = "missing"
    PENDING = "pending"


class SetAsideReason(str, Enum):
    """Why a row that was read is not used (the row ledger: read = used + set aside)."""

    MISSING_COLUMN = "missing_column"
    UNPARSEABLE = "unparseable"  # the line/row/message could not be understood
    TRUNCATED = "truncated"  # the file ends inside a row
    UNPARSEABLE_TIME = "unparseable_time"
    OUT_OF_RANGE_TIME = "out_of_range_time"
    MALFORMED_ADDRESS = "malformed_address"
    DUPLICATE = "duplicate"  # the same row was already read (e.g. two copies of one export)
    OUTSIDE_WINDOW = "outside_window"
    OTHER_VAULT = "other_vault"
    UNRELATED = "unrelated"  # traffic that does not concern the vault or the clients asked for

    @property
    def hides_evidence(self) -> bool:
        """A row set aside for this reason could have been evidence: its source is partial."""
        return self not in (
            SetAsideReason.DUPLICATE,
            SetAsideReason.OUTSIDE_WINDOW,
            SetAsideReason.OTHER_VAULT,
            SetAsideReason.UNRELATED,
        )


class LogFamily(str, Enum):
    KEYVAULT = "keyvault"
    FIREWALL = "firewall"
    FLOW = "flow"
    DNS = "dns"


class GapKind(str, Enum):
    COVERAGE = "coverage"
    MODEL_VS_OBSERVED = "model_vs_observed"
    LATENCY = "latency"
    PARTIAL_DATA = "partial_data"
    SNAT_AMBIGUOUS = "snat_ambiguous"
    UNPARSED_ROWS = "unparsed_rows"
    TOPOLOGY = "topology"  # a construct the model does not evaluate, or a reference outside it


class BypassKind(str, Enum):
    """The classic ways traffic to a private endpoint avoids the firewall (paths.py names them)."""

    PRIVATE_ENDPOINT_ROUTE = "private_endpoint_route"  # PE /32 InterfaceEndpoint active
    SERVICE_ENDPOINT_ROUTE = "service_endpoint_route"  # SE prefix beats a 0/0 UDR
    PEERING_ROUTE = "peering_route"  # directly peered VNet route beats a 0/0 UDR
    GATEWAY_ROUTE = "gateway_route"  # more specific BGP route beats the UDR
    GATEWAY_SUBNET_EXACT_32 = "gateway_subnet_exact_32"  # /32 UDR on GatewaySubnet may "lie"
    ASYMMETRIC_RETURN = "asymmetric_return"  # firewall without SNAT to a PE: reply bypasses it
    PUBLIC_ENDPOINT = "public_endpoint"  # name resolves to the public endpoint
    OTHER_FIREWALL = "other_firewall"  # passes a firewall, but not the one the design names
    THIRD_PARTY_APPLIANCE = "third_party_appliance"  # a non-Azure-Firewall NVA / ILB instead
    UDR_VNET_LOCAL = "udr_vnet_local"  # a UDR to VnetLocal sends it straight to the endpoint


# --------------------------------------------------------------------------- time


@dataclass(frozen=True)
class TimeWindow:
    """An absolute UTC interval, resolved once at the entry point."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("TimeWindow needs timezone-aware datetimes")
        if self.end <= self.start:
            raise ValueError("TimeWindow end must be after start")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


# --------------------------------------------------------------------------- paths


@dataclass(frozen=True)
class PathHop:
    """One hop of a modelled path and the route, rule or setting that decided it."""

    hop: HopKind
    name: str
    detail: str
    confidence: Confidence = Confidence.HIGH


@dataclass(frozen=True)
class ExpectedPath:
    """What the model says happens to traffic from a client to a destination."""

    source: str
    destination: str
    port: int | None
    delivered: bool
    drop_reason: str | None
    firewalls: tuple[str, ...]
    hops: tuple[PathHop, ...]
    bypass: BypassKind | None = None
    confidence: Confidence = Confidence.HIGH
    # constructs on this path the model did not evaluate ("virtual_hub vhub-ne", ...): while
    # any is listed, ``confidence`` is low
    unevaluated: tuple[str, ...] = ()

    @property
    def forward_bypass(self) -> BypassKind | None:
        """The bypass of the client -> vault direction, if any.

        ``ASYMMETRIC_RETURN`` is about the reply (a PE ignores UDRs on the way back); the request
        itself still passes the firewall, so it is not a forward bypass.
        """
        if self.bypass is BypassKind.ASYMMETRIC_RETURN:
            return None
        return self.bypass


# --------------------------------------------------------------------------- evidence hand-off


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

    def firewall_window(self) -> TimeWindow | None:
        """The window firewall records are read for (``window`` widened by ``firewall_lead``)."""
        if self.window is None or not self.firewall_lead:
            return self.window
        return TimeWindow(self.window.start - self.firewall_lead, self.window.end)


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


class EvidenceSource(Protocol):
    """Anything that can collect raw evidence rows (files, Log Analytics, a test fake)."""

    def collect(self, query: EvidenceQuery) -> CollectedEvidence: ...


# --------------------------------------------------------------------------- trace

# How long an SDK may keep reusing one connection, and the tolerated clock difference between
# log sources (`netlogs trace --reuse-window/--clock-skew`; `netlogs fetch` reads that far back).
DEFAULT_REUSE_WINDOW = timedelta(minutes=10)
DEFAULT_CLOCK_SKEW = timedelta(seconds=5)
# How far before a window firewall records still matter with those defaults (`netlogs fetch`)
DEFAULT_FIREWALL_LEAD = DEFAULT_REUSE_WINDOW + DEFAULT_CLOCK_SKEW


@dataclass(frozen=True)
class TraceRequest:
    vault: str
    window: TimeWindow | None  # None: the span of the data read (offline only)
    now: datetime  # resolved once at the entry point; used for latency decisions
    required_firewall: str | None = None  # None: the topology's design rule, if any
    client_filter: str | None = None  # IP, CIDR or topology name
    reuse_window: timedelta = DEFAULT_REUSE_WINDOW
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW
    # the HTML report's timeline rows (~20 per client and log family); nothing else reads them,
    # so a run that writes no HTML skips them (TraceResult.timeline is then None)
    timeline: bool = True


@dataclass(frozen=True)
class ObservedHop:
    hop: HopKind
    name: str
    detail: str
    status: HopStatus


class EvidenceRow(NamedTuple):
    """One cited log row. A named tuple, not a dataclass: a trace builds hundreds of thousands
    of these, and a tuple is built several times faster than a frozen dataclass."""

    source: LogFamily
    table: str
    row: str
    time: datetime
    summary: str


@dataclass(frozen=True)
class Gap:
    kind: GapKind
    message: str
    clients: tuple[str, ...] = ()
    next_step: str = ""


@dataclass(frozen=True)
class FlowResult:
    """The verdict for one original client IP and the vault."""

    client_ip: str
    client: str | None
    verdict: Verdict
    cause: str
    violation: bool
    vault_outcome: VaultOutcome
    requests: int
    http_status: Mapping[str, int]
    operations: Mapping[str, int]
    first_seen: datetime | None
    last_seen: datetime | None
    expected_path: tuple[ObservedHop, ...]
    evidence: tuple[EvidenceRow, ...]
    snat_candidates: tuple[str, ...] = ()
    evidence_omitted: int = 0  # rows behind this flow not cited in `evidence` (cap per family)


@dataclass(frozen=True)
class PrivateEndpointRef:
    name: str
    ip: str
    subnet: str


@dataclass(frozen=True)
class VaultSummary:
    name: str
    private_endpoints: tuple[PrivateEndpointRef, ...]
    public_network_access: str
    required_firewall: str | None


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


@dataclass(frozen=True)
class DailyRows:
    """Rows one table holds on one UTC day of the window (counted by the kusto engine)."""

    day: datetime
    table: str
    rows: int


@dataclass(frozen=True)
class EngineRecord:
    """Where the per-client facts were computed: ``kusto`` (the facts query ran inside Log
    Analytics / Azure Data Explorer; ``target`` says where, ``query_sha256`` hashes the facts
    query) or ``local`` (polars on this machine; results without a record are local too).
    ``daily_rows``: the kusto engine's per-day coverage (days without rows are absent)."""

    name: str
    target: str = ""
    query_sha256: str = ""
    daily_rows: tuple[DailyRows, ...] = ()


@dataclass(frozen=True)
class PredictedFix:
    """The smallest configuration change the network model predicts would make one violating
    client's path pass the required firewall. A prediction from the topology, never evidence.

    ``changes`` are in the ``--what-if`` change language (two only when no single change
    works); empty when none was found (``note`` says why). ``affected`` names every other
    client whose modelled path the change would alter: ``"vm-x (10.2.1.4): before -> after"``.
    """

    client_ip: str
    client: str | None
    changes: tuple[str, ...]
    description: str  # the change in words
    az_commands: tuple[str, ...]
    predicted_path: str  # the re-run path's hops, "a -> b -> c"
    predicted_verdict: str  # "REACHED_VIA_FIREWALL (predicted)", or "" when no fix was found
    affected: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class TraceResult:
    vault: VaultSummary
    window: TimeWindow
    sources: tuple[SourceSummary, ...]
    flows: tuple[FlowResult, ...]
    gaps: tuple[Gap, ...]
    queries: tuple[QueryRecord, ...]
    ledger: tuple[LedgerEntry, ...] = ()
    inputs: tuple[InputFile, ...] = ()
    topology_sha256: str = ""
    netlogs_version: str = ""
    generated_at: datetime | None = None
    timeline: pl.DataFrame | None = field(default=None, compare=False)  # for HTML charts only
    engine: EngineRecord | None = None  # None: the local engine (kept out of older documents)
    fixes: tuple[PredictedFix, ...] = ()  # per violating client the model explains

    @property
    def violations(self) -> int:
        return sum(1 for f in self.flows if f.violation)

    @property
    def undecided(self) -> int:
        return sum(1 for f in self.flows if f.verdict.is_undecided)

    # Notebook and script access (polars frames; ``.to_pandas()`` works on each).
    def flows_frame(self) -> pl.DataFrame:
        from netlogs.result_frames import flows_frame  # noqa: PLC0415 - polars, on first use

        return flows_frame(self)

    def gaps_frame(self) -> pl.DataFrame:
        from netlogs.result_frames import gaps_frame  # noqa: PLC0415

        return gaps_frame(self)

    def evidence_frame(self) -> pl.DataFrame:
        from netlogs.result_frames import evidence_frame  # noqa: PLC0415

        return evidence_frame(self)

    def explain(self, client: str) -> str:
        """One client's verdict, cause, path and cited rows as plain text."""
        from netlogs.result_frames import explain  # noqa: PLC0415

        return explain(self, client)

    def _repr_html_(self) -> str:
        from netlogs.result_frames import html_summary  # noqa: PLC0415

        return html_summary(self)
