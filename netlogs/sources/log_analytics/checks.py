"""Checks on Log Analytics answers: what the coverage probe saw, what no answer proves, and what
may still be arriving.

The probe runs first in every workspace. Its rows say which evidence tables exist (so a query is
never sent to a table the workspace does not have: the service rejects those with a 400) and how
many rows each holds in the window (so chunks can be sized, and an empty answer where the probe
saw rows is not taken as "no traffic"). A 204, an empty body or an answer without a table is
never complete evidence. A family with no row at all while the window reaches into its ingestion
delay is ``pending``: its rows may simply not be queryable yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from netlogs.correlate import DEFAULT_INGESTION_LAGS
from netlogs.model import IngestionLag, LogFamily, SourceStatus, TimeWindow
from netlogs.sources.log_analytics.plan import ChunkResult
from netlogs.sources.query_api_json import ParsedResponse, error_chain
from netlogs.terms import utc_text

_AZURE_DIAGNOSTICS = "AzureDiagnostics"
# The AzureDiagnostics categories each template reads (tests check these against the KQL), so
# the probe's per-category counts size and skip them like tables of their own.
TEMPLATE_CATEGORIES: Mapping[str, tuple[str, ...]] = {
    "keyvault_requests_azurediagnostics": ("AuditEvent",),
    "firewall_legacy_messages": (
        "AzureFirewallNetworkRule",
        "AzureFirewallApplicationRule",
        "AzureFirewallDnsProxy",
    ),
    "firewall_structured_azurediagnostics": (
        "AZFWNetworkRule",
        "AZFWApplicationRule",
        "AZFWNatRule",
    ),
}


@dataclass(frozen=True)
class Inventory:
    """What the coverage probe saw in one workspace: rows per source, and the tables that exist.

    Sources are table names, or ``AzureDiagnostics/<Category>`` for the shared table.
    """

    rows: Mapping[str, int]
    tables: frozenset[str]

    def has(self, table: str) -> bool:
        return table in self.tables

    def estimate(self, table: str, template: str = "") -> int:
        """Rows of ``table`` in the window; for the shared table, of the categories
        ``template`` reads (every category when they are not known)."""
        if table != _AZURE_DIAGNOSTICS:
            return self.rows.get(table, 0)
        categories = TEMPLATE_CATEGORIES.get(template)
        if categories is not None:
            return sum(self.rows.get(f"{table}/{category}", 0) for category in categories)
        prefix = f"{_AZURE_DIAGNOSTICS}/"
        return sum(n for source, n in self.rows.items() if source.startswith(prefix))

    def knows(self, table: str, template: str) -> bool:
        """True when the probe counts every row ``template`` can read from ``table``."""
        return table != _AZURE_DIAGNOSTICS or template in TEMPLATE_CATEGORIES


def inventory_from_probe(result: ChunkResult) -> Inventory | None:
    """The probe's answer as an Inventory; None when it cannot be relied on (then every table
    is queried, and an absent one is recognised from the service's refusal)."""
    usable = result.status is SourceStatus.COMPLETE or (
        result.status is SourceStatus.PARTIAL and "failed to resolve" in result.detail.lower()
    )
    frame = result.frame
    if not usable or not {"Source", "Rows"} <= set(frame.columns):
        return None
    rows: dict[str, int] = {}
    for source, count in frame.select("Source", "Rows").iter_rows():  # one row per table
        if source:
            rows[str(source)] = rows.get(str(source), 0) + int(count or 0)
    tables = frozenset(source.split("/", 1)[0] for source in rows)
    return Inventory(rows, tables)


def answer_problem(status: int, body: bytes, parsed: ParsedResponse) -> str | None:
    """Why an answer is not evidence of anything, or None when it holds a result table."""
    if status == 204:
        return "HTTP 204 No Content: the workspace sent no result, which proves no absence"
    if not body.strip():
        return "an empty answer body, which proves no absence"
    if not parsed.tables:
        return "an answer without a result table, which proves no absence"
    return None


def unknown_table(error: Mapping[str, object], table: str) -> bool:
    """The service's 400 for a query naming a table the workspace does not have."""
    for entry in error_chain(error):
        message = str(entry.get("message", ""))
        if "Failed to resolve table" in message and f"'{table}'" in message:
            return True
    return False


def absent_table(result: ChunkResult) -> ChunkResult:
    """``result`` for a table the workspace does not have: missing, with the reason."""
    query = result.query
    detail = (
        f"table {query.table} is not present in workspace {query.workspace} (nothing was ever "
        "sent to it, or its diagnostic setting targets another workspace)"
    )
    return replace(result, status=SourceStatus.MISSING, detail=detail)


def with_probe_counts(
    results: Iterable[ChunkResult], inventories: Mapping[str, Inventory | None]
) -> list[ChunkResult]:
    """Say next to a partial answer how many rows the probe counted in its table."""
    checked = []
    for result in results:
        inventory = inventories.get(result.query.workspace)
        query = result.query
        seen = inventory.estimate(query.table, query.template) if inventory else 0
        if result.status is SourceStatus.PARTIAL and seen and "probe counted" not in result.detail:
            detail = (
                f"{result.detail} (the coverage probe counted {seen} rows in "
                f"{result.query.table} for the window)"
            )
            checked.append(replace(result, detail=detail))
        else:
            checked.append(result)
    return checked


def mark_pending(
    results: Sequence[ChunkResult],
    window: TimeWindow,
    now: datetime,
    lags: Iterable[IngestionLag],
) -> list[ChunkResult]:
    """Families with no row at all whose ingestion delay the window reaches into are pending.

    A family that did return rows keeps its status: the verdicts already weigh each request
    against the delay (only rows after ``now - lag`` may be missing), which is finer than
    marking the whole source.
    """
    observed = list(lags)
    pending: dict[str, str] = {}
    for family in {r.query.family for r in results if r.query.family}:
        mine = [r for r in results if r.query.family == family]
        if any(r.frame.height for r in mine):
            continue
        lag = family_lag(family, {r.query.table for r in mine}, observed)
        settled = now - lag
        if window.end > settled:
            pending[family] = (
                f"no rows yet, and rows after {utc_text(settled, 'seconds')} may still be arriving "
                f"(ingestion delay ~{int(lag.total_seconds() // 60)} min); "
                f"re-run after {utc_text(window.end + lag, 'seconds')}"
            )
    return [
        replace(r, status=SourceStatus.PENDING, detail=pending[r.query.family])
        if r.query.family in pending and r.status is SourceStatus.COMPLETE
        else r
        for r in results
    ]


def family_lag(family: str, tables: set[str], lags: Sequence[IngestionLag]) -> timedelta:
    """The probe's largest observed lag for the family's own tables, else the default."""
    seen = [lag.lag for lag in lags if lag.table in tables and lag.table != _AZURE_DIAGNOSTICS]
    try:
        default = DEFAULT_INGESTION_LAGS[LogFamily(family)]
    except ValueError:
        default = timedelta(0)
    return max(seen) if seen else default
