"""Which tables the kusto engine reads, from ``facts_sources``' answer: the legs of the facts
query to turn on, the per-table source summaries, the tables it refuses, and the unparsed
legacy rows it reports.

The resource-specific tables are always read. Of the older ones, the facts read legacy firewall
rule text (``AzureDiagnostics`` categories ``AzureFirewallNetworkRule`` and
``AzureFirewallApplicationRule``), NSG-era Traffic Analytics (``AzureNetworkAnalytics_CL``) and
legacy DNS proxy text (``AzureFirewallDnsProxy``), each only when the window has rows there.
Evidence anywhere else (Key Vault ``AuditEvent`` rows and structured ``AZFW*`` categories in
``AzureDiagnostics``) is refused rather than left out of the verdicts.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from netlogs.correlate.kusto_facts import FactLegs
from netlogs.errors import UnreadTablesError
from netlogs.model import Gap, GapKind, LogFamily, SetAsideReason, SourceStatus, SourceSummary
from netlogs.normalize.ledger import ledger_summary, merge_counts

FIREWALL_TEXT = (
    "AzureDiagnostics/AzureFirewallNetworkRule",
    "AzureDiagnostics/AzureFirewallApplicationRule",
)
NSG_FLOWS = "AzureNetworkAnalytics_CL"
DNS_PROXY_TEXT = "AzureDiagnostics/AzureFirewallDnsProxy"

# Tables every kusto trace reads (a table without rows is a missing source).
TABLE_FAMILY = {
    "AZKVAuditLogs": LogFamily.KEYVAULT,
    "AZFWNetworkRule": LogFamily.FIREWALL,
    "AZFWApplicationRule": LogFamily.FIREWALL,
    "NTANetAnalytics": LogFamily.FLOW,
}
# Tables read when they have rows (listed as sources only then).
OPTIONAL_FAMILY = {
    **dict.fromkeys(FIREWALL_TEXT, LogFamily.FIREWALL),
    NSG_FLOWS: LogFamily.FLOW,
    "AZFWDnsQuery": LogFamily.DNS,
    DNS_PROXY_TEXT: LogFamily.DNS,
}
_READ_OLDER = frozenset((*FIREWALL_TEXT, NSG_FLOWS, DNS_PROXY_TEXT))


def _counts(rows: pl.DataFrame, source: str, name_column: str) -> dict[str, int]:
    picked = rows.filter((pl.col("Source") == source) & (pl.col("Rows") > 0))
    return {str(name): int(n) for name, n in picked.select(name_column, "Rows").iter_rows()}


def table_rows(rows: pl.DataFrame) -> dict[str, int]:
    """Rows per table (or ``AzureDiagnostics/<Category>``) in the window."""
    kinds = ["firewall", "day", "legacy", "unparsed", "set_aside"]
    counted = rows.filter(~pl.col("Source").is_in(kinds))
    return {str(source): int(n) for source, n in counted.select("Source", "Rows").iter_rows()}


def fact_legs(rows: pl.DataFrame) -> FactLegs:
    """The older tables the facts query reads: those with rows in the window."""
    present = _counts(rows, "legacy", "Firewall")
    return FactLegs(
        firewall_diagnostics=any(name in present for name in FIREWALL_TEXT),
        nsg_flows=NSG_FLOWS in present,
    )


def reads_dns_proxy_text(rows: pl.DataFrame) -> bool:
    return DNS_PROXY_TEXT in _counts(rows, "legacy", "Firewall")


def refuse_unread_tables(rows: pl.DataFrame) -> None:
    """Raises UnreadTablesError when the window has evidence in tables the facts do not read:
    their rows would be silently missing from the verdicts."""
    unread = {
        name: n
        for name, n in _counts(rows, "legacy", "Firewall").items()
        if name not in _READ_OLDER
    }
    if unread:
        listed = ", ".join(f"{name} ({n} rows)" for name, n in unread.items())
        raise UnreadTablesError(
            f"evidence in {listed} is not read by the kusto engine: use --engine local",
            tuple(unread),
        )


def with_unparsed(rows: pl.DataFrame, unparsed: pl.DataFrame) -> pl.DataFrame:
    """``facts_sources``' answer plus one ``unparsed`` row per category of ``facts_unparsed``'
    answer (the category's table in Source's place: ``AzureDiagnostics/<Category>``)."""
    if unparsed.is_empty():
        return rows
    added = unparsed.select(
        pl.lit("unparsed").alias("Source"),
        (pl.lit("AzureDiagnostics/") + pl.col("Category").cast(pl.String)).alias("Firewall"),
        pl.col("Rows").cast(rows.schema["Rows"]),
    )
    return pl.concat([rows, added], how="diagonal_relaxed")


def with_set_aside(rows: pl.DataFrame, set_aside: pl.DataFrame) -> pl.DataFrame:
    """``facts_sources``' answer plus one ``set_aside`` row per table of ``facts_set_aside``'
    answer (rows about the vault left out for a malformed client address)."""
    if set_aside.is_empty():
        return rows
    added = set_aside.select(
        pl.lit("set_aside").alias("Source"),
        pl.col("Table").cast(pl.String).alias("Firewall"),
        pl.col("Rows").cast(rows.schema["Rows"]),
    )
    return pl.concat([rows, added], how="diagonal_relaxed")


def _with_malformed(summary: SourceSummary, malformed: int) -> SourceSummary:
    """``summary`` with ``malformed`` rows set aside for their address: partial, with the
    local row ledger's words (a row left out could be the one a verdict needs)."""
    if not malformed or not summary.read:
        return summary
    malformed = min(malformed, summary.used)
    reason = ((SetAsideReason.MALFORMED_ADDRESS.value, malformed),)
    return ledger_summary(
        summary, used=summary.used - malformed, set_aside=merge_counts(summary.set_aside, reason)
    )


def source_summaries(rows: pl.DataFrame, *, partial: str) -> tuple[SourceSummary, ...]:
    """One summary per table the facts read (rows counted on the server); a table every trace
    reads with no rows in the window is missing, an optional one is listed only with rows. A
    table with rows whose text could not be read (``unparsed`` rows) is partial: one of them
    may be the record a verdict needs, as the local engine says of unreadable rows; so is a
    table with rows left out for a malformed client address (``set_aside`` rows)."""
    counts = table_rows(rows)
    unreadable = _counts(rows, "unparsed", "Firewall")
    malformed = _counts(rows, "set_aside", "Firewall")
    listed = [*TABLE_FAMILY.items(), *((t, f) for t, f in OPTIONAL_FAMILY.items() if counts.get(t))]
    summaries = []
    for table, family in listed:
        rows_in_window = counts.get(table, 0)
        status, detail = SourceStatus.COMPLETE, ""
        if partial:
            status, detail = SourceStatus.PARTIAL, f"kusto engine: {partial}"
        elif not rows_in_window:  # absent table or no rows: nothing proves it is collected
            status, detail = SourceStatus.MISSING, "no rows in the window"
        elif unreadable.get(table):
            status = SourceStatus.PARTIAL
            detail = f"{unreadable[table]} rows mentioning the vault could not be read"
        set_aside = ((SetAsideReason.UNPARSEABLE.value, n),) if (n := unreadable.get(table)) else ()
        summary = SourceSummary(
            family=family,
            table=table,
            rows=rows_in_window,
            status=status,
            detail=detail,
            read=rows_in_window,
            used=rows_in_window - (n or 0),
            set_aside=set_aside,
        )
        summaries.append(_with_malformed(summary, malformed.get(table, 0)))
    return tuple(summaries)


def unparsed_gaps(rows: pl.DataFrame) -> tuple[Gap, ...]:
    """One ``unparsed_rows`` gap per category of ``facts_unparsed``' answer (legacy rule-log
    rows that mention the vault but whose text could not be taken apart)."""
    gaps = []
    for category, count, first in rows.select("Category", "Rows", "FirstRecord").iter_rows():
        if not count:
            continue
        when = first.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(first, datetime) else str(first)
        gaps.append(
            Gap(
                kind=GapKind.UNPARSED_ROWS,
                message=(
                    f"AzureDiagnostics/{category}: {count} row(s) mentioning the vault could not "
                    f"be read (first at {when}); they are not part of any verdict"
                ),
                next_step=(
                    "read these rows (template firewall_legacy_messages); "
                    "--engine local lists each one"
                ),
            )
        )
    return tuple(gaps)
