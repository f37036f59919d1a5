"""Frozen value types shared by every layer (no behaviour beyond small derived properties).

Everything here is plain data: the routing/path vocabulary (``PathHop``, ``ExpectedPath``) and the
trace request and result (``TraceRequest``, ``TraceResult``). The enumerations and the time window
live in ``netlogs.terms``, the hand-off types between the evidence sources and the normalizers
(``RawTable``, ``CollectedEvidence``, ...) in ``netlogs.evidence_types``; both are re-exported
here, so ``from netlogs.model import ...`` works for every shared type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from netlogs.evidence_types import (
    CollectedEvidence,
    EvidenceQuery,
    EvidenceSource,
    EvidenceTables,
    IngestionLag,
    InputFile,
    LedgerEntry,
    ParseIssue,
    QueryRecord,
    RawTable,
    SourceSummary,
)
from netlogs.terms import (
    BypassKind,
    Confidence,
    GapKind,
    HopKind,
    HopStatus,
    LogFamily,
    SetAsideReason,
    SourceStatus,
    TimeWindow,
    VaultOutcome,
    Verdict,
)

if TYPE_CHECKING:  # polars is only needed for annotations here; keep `import netlogs.model` cheap
    import polars as pl

__all__ = [
    "DEFAULT_CLOCK_SKEW",
    "DEFAULT_EVIDENCE_PER_KIND",
    "DEFAULT_FIREWALL_LEAD",
    "DEFAULT_REUSE_WINDOW",
    "LOG_SETTING_DIAGNOSTIC",
    "LOG_SETTING_FLOW_LOG",
    "RULE_ASSUMED",
    "RULE_FROM_TOPOLOGY",
    "RULE_GIVEN",
    "BypassKind",
    "CollectedEvidence",
    "Confidence",
    "DailyRows",
    "EngineRecord",
    "EvidenceQuery",
    "EvidenceRow",
    "EvidenceSource",
    "EvidenceTables",
    "ExpectedPath",
    "FlowResult",
    "Gap",
    "GapKind",
    "HopKind",
    "HopStatus",
    "IngestionLag",
    "InputFile",
    "LedgerEntry",
    "LogFamily",
    "LogSetting",
    "ObservedHop",
    "ParseIssue",
    "PathHop",
    "PredictedFix",
    "PrivateEndpointRef",
    "QueryRecord",
    "RawTable",
    "SetAsideReason",
    "SourceStatus",
    "SourceSummary",
    "TimeWindow",
    "TraceRequest",
    "TraceResult",
    "VaultOutcome",
    "VaultSummary",
    "Verdict",
]


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


# --------------------------------------------------------------------------- trace

# How long an SDK may keep reusing one connection, and the tolerated clock difference between
# log sources (`netlogs trace --reuse-window/--clock-skew`; `netlogs fetch` reads that far back).
DEFAULT_REUSE_WINDOW = timedelta(minutes=10)
DEFAULT_CLOCK_SKEW = timedelta(seconds=5)
# How far before a window firewall records still matter with those defaults (`netlogs fetch`)
DEFAULT_FIREWALL_LEAD = DEFAULT_REUSE_WINDOW + DEFAULT_CLOCK_SKEW
# Log rows cited per client and kind (a log family and an outcome: served, error or denied
# requests; allowed or denied firewall records and flows): the first half in time and the last
# half, the rest counted (`netlogs trace --evidence N|all`; None cites every row).
DEFAULT_EVIDENCE_PER_KIND = 20


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
    # rows cited per client and kind (``DEFAULT_EVIDENCE_PER_KIND``); None: every row
    evidence_per_kind: int | None = DEFAULT_EVIDENCE_PER_KIND


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


# Where the design rule (``VaultSummary.required_firewall``) came from
RULE_GIVEN = "given"  # --require-firewall
RULE_FROM_TOPOLOGY = "topology"  # the topology file's designRules
RULE_ASSUMED = "assumed from the routes"  # discovery: every modelled client path meets it


@dataclass(frozen=True)
class VaultSummary:
    name: str
    private_endpoints: tuple[PrivateEndpointRef, ...]
    public_network_access: str
    required_firewall: str | None
    required_firewall_source: str = ""  # RULE_GIVEN | RULE_FROM_TOPOLOGY | RULE_ASSUMED; "" = none
    # what every output states first: why the rule was assumed, or why none could be read
    required_firewall_note: str = ""


@dataclass(frozen=True)
class LogSetting:
    """One diagnostic setting or flow-log resource discovery read: which logs of which resource
    go where. Evidence of where the trace looked, listed under the report's source table."""

    kind: str  # LOG_SETTING_DIAGNOSTIC | LOG_SETTING_FLOW_LOG
    resource: str  # the vault or firewall; for a flow log, the VNet, subnet, NIC or NSG it covers
    name: str  # the diagnostic setting's or the flow-log resource's name
    categories: tuple[str, ...]  # enabled categories (or groups); () for a flow log
    destination: str  # "workspace law-x (resource-specific tables)", "storage account st", ...
    enabled: bool = True
    retention_days: int | None = None  # the workspace's (diagnostic) or the flow log's own
    traffic_analytics_interval_min: int | None = None  # flow logs with Traffic Analytics


LOG_SETTING_DIAGNOSTIC = "diagnostic setting"
LOG_SETTING_FLOW_LOG = "flow log"


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
    log_settings: tuple[LogSetting, ...] = ()  # discovered: where each log family goes

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
