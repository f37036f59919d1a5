"""Small pipeline steps on the collected evidence: clients seen, source list, unparsed rows,
and the moment ingestion latency is measured from."""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

import polars as pl

from netlogs.model import (
    CollectedEvidence,
    EvidenceTables,
    Gap,
    GapKind,
    LogFamily,
    ParseIssue,
    SourceStatus,
    SourceSummary,
    TraceRequest,
)
from netlogs.pipeline.scope import ClientScope
from netlogs.pipeline.window import newest_evidence_time

# The families a trace needs; DNS is optional evidence and never reported as missing.
REQUIRED_FAMILIES: tuple[tuple[LogFamily, str], ...] = (
    (LogFamily.KEYVAULT, "Key Vault AuditEvent (AzureDiagnostics or AZKVAuditLogs)"),
    (LogFamily.FIREWALL, "Azure Firewall rule logs (AzureDiagnostics or AZFW* tables)"),
    (LogFamily.FLOW, "NSG/VNet flow logs or Traffic Analytics"),
)


def client_ips_seen(tables: EvidenceTables, scope: ClientScope | None) -> tuple[str, ...]:
    """Every distinct source address in the evidence (vault callers, firewall and flow sources).

    Distinct values are taken by polars first; the Python loop only runs over addresses.
    """
    columns = [
        tables.kv_requests.get_column("caller_ip"),
        tables.fw_events.get_column("src_ip"),
        tables.flows.get_column("src_ip"),
    ]
    distinct = pl.concat([c.alias("ip").cast(pl.String) for c in columns]).drop_nulls().unique()
    addresses = sorted(ip for ip in distinct.to_list() if ip)
    if scope is not None:
        addresses = [ip for ip in addresses if scope.contains(ip)]
    return tuple(addresses)


def complete_sources(sources: Iterable[SourceSummary]) -> tuple[SourceSummary, ...]:
    """The sources read, plus one ``missing`` entry for every needed family that had none."""
    listed = list(sources)
    present = {s.family for s in listed}
    for family, description in REQUIRED_FAMILIES:
        if family not in present:
            detail = f"no {description} in the input: findings that need them are inconclusive"
            listed.append(SourceSummary(family, "", 0, SourceStatus.MISSING, detail))
    return tuple(sorted(set(listed), key=lambda s: (s.family.value, s.table, s.status.value)))


def unparsed_row_gaps(issues: Iterable[ParseIssue]) -> tuple[Gap, ...]:
    """One ``unparsed_rows`` gap per input that had rows netlogs could not read."""
    by_origin: dict[str, list[ParseIssue]] = defaultdict(list)
    for issue in issues:
        by_origin[issue.origin].append(issue)
    gaps = []
    for origin, found in sorted(by_origin.items()):
        first = min(found, key=lambda i: (i.line is None, i.line or 0, i.reason))
        where = f"line {first.line}: " if first.line is not None else ""
        gaps.append(
            Gap(
                kind=GapKind.UNPARSED_ROWS,
                message=f"{origin}: {len(found)} row(s) could not be read (first: {where}"
                f"{first.reason}); they are not part of any verdict",
                next_step="check that the file is a complete, unmodified export",
            )
        )
    return tuple(gaps)


def latency_reference(
    request: TraceRequest, collected: CollectedEvidence, tables: EvidenceTables
) -> datetime:
    """The moment ingestion latency is counted back from.

    Live queries run now, so that is ``request.now``. Files were exported at some unknown time
    that cannot be earlier than their newest row: assuming the export happened right then is the
    only safe choice (an old export does not become complete by being read later).
    """
    offline = bool(collected.inputs) and not collected.ledger
    newest = newest_evidence_time(tables)
    if offline and newest is not None and newest < request.now:
        return newest
    return request.now


def ip_order(ip: str) -> tuple[int, int, str]:
    """Sort key: IPv4 before IPv6, numerically; anything that is not an address last."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return (9, 0, ip)
    return (address.version, int(address), ip)
