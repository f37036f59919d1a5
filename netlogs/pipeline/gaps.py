"""Small pipeline steps on the collected evidence: the source list, unparsed rows, the moment
ingestion latency is counted from, and the order clients are listed in."""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from netlogs.model import (
    CollectedEvidence,
    Gap,
    GapKind,
    LogFamily,
    ParseIssue,
    SourceStatus,
    SourceSummary,
    TraceRequest,
    VaultSummary,
)
from netlogs.routing.prefixes import exact_ipv4
from netlogs.topology.model import Topology

# The families a trace needs; DNS is optional evidence and never reported as missing.
REQUIRED_FAMILIES: tuple[tuple[LogFamily, str], ...] = (
    (LogFamily.KEYVAULT, "Key Vault AuditEvent (AzureDiagnostics or AZKVAuditLogs)"),
    (LogFamily.FIREWALL, "Azure Firewall rule logs (AzureDiagnostics or AZFW* tables)"),
    (LogFamily.FLOW, "NSG/VNet flow logs or Traffic Analytics"),
)


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
        if len(found) == 1 and first.line is None:  # the whole input, not some of its rows
            message = f"{origin}: not read ({first.reason}); it is not part of any verdict"
        else:
            where = f"line {first.line}: " if first.line is not None else ""
            message = (
                f"{origin}: {len(found)} row(s) could not be read (first: {where}"
                f"{first.reason}); they are not part of any verdict"
            )
        gaps.append(
            Gap(
                kind=GapKind.UNPARSED_ROWS,
                message=message,
                next_step="check that the file is a complete, unmodified export",
            )
        )
    return tuple(gaps)


def model_gaps(topology: Topology, vault: VaultSummary) -> tuple[Gap, ...]:
    """What the verdicts cannot use because the topology does not describe it."""
    step = "pass --topology with the estate (netlogs topology import --az-json DIR)"
    gaps = []
    if not topology.firewalls:
        gaps.append(
            Gap(
                GapKind.COVERAGE,
                "the topology describes no firewall: its SNAT addresses are unknown, so requests "
                "the vault logged from them can't be tied to clients",
                (),
                step,
            )
        )
    if not vault.private_endpoints:
        gaps.append(
            Gap(
                GapKind.COVERAGE,
                f"the topology names no private endpoint of {vault.name}: no expected path, and "
                "firewall records to its private IP can't be recognised",
                (),
                step,
            )
        )
    return tuple(gaps) + topology_gaps(topology)


def topology_gaps(topology: Topology) -> tuple[Gap, ...]:
    """One ``topology`` gap per construct the model does not evaluate (``Topology.gaps``)."""
    by_construct: dict[tuple[str, str], list[str]] = defaultdict(list)
    for gap in topology.gaps:
        by_construct[(gap.construct, gap.message)].append(gap.resource)
    return tuple(
        Gap(
            GapKind.TOPOLOGY,
            f"{message} ({', '.join(sorted(set(resources)))})",
            (),
            "findings this could change are not high confidence; describe it or check it by hand",
        )
        for (_construct, message), resources in sorted(by_construct.items())
    )


def latency_reference(
    request: TraceRequest, collected: CollectedEvidence, newest: datetime | None
) -> datetime:
    """The moment ingestion latency is counted back from.

    Live queries run now, so that is ``request.now``. Files were exported at some unknown time
    that cannot be earlier than their newest row: assuming the export happened right then is the
    only safe choice (an old export does not become complete by being read later). ``newest``
    is the newest row inside the window (firewall rows: with the reuse lead), whatever it
    concerns: a file's rows from long after the window, or a row dated 2099, say nothing about
    when the window's rows were exported.
    """
    offline = bool(collected.inputs) and not collected.ledger
    if offline and newest is not None and newest < request.now:
        return newest
    return request.now


def ip_order(ip: str) -> tuple[int, int, str]:
    """Sort key: IPv4 before IPv6, numerically; anything that is not an address last."""
    v4 = exact_ipv4(ip)  # the common case, without an ipaddress object per client
    if v4 is not None:
        return (4, v4, ip)
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return (9, 0, ip)
    return (address.version, int(address), ip)
