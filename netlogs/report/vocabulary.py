"""Words every report uses: what each verdict, hop status and gap kind means (the one-sentence
findings every report starts with are built in ``answer``).

Kept in one place so the terminal, Markdown and HTML reports explain things the same way to a
reader who never ran netlogs.
"""

from __future__ import annotations

import ipaddress

from netlogs.model import FlowResult, Gap, GapKind, HopStatus, TraceResult, Verdict

VERDICT_MEANING: dict[Verdict, str] = {
    Verdict.REACHED_VIA_FIREWALL: (
        "The vault served requests from this client and the required firewall has matching "
        "Allow records (or the vault saw the firewall's SNAT address traced back to the client)."
    ),
    Verdict.REACHED_BYPASSING_FIREWALL: (
        "Requests reached the vault through the private endpoint, but the required firewall, "
        "whose logs are live for the window, has no record of them."
    ),
    Verdict.REACHED_VIA_SERVICE_ENDPOINT: (
        "Requests reached the vault through a virtual-network service endpoint, not the "
        "private endpoint."
    ),
    Verdict.REACHED_VIA_PUBLIC_ENDPOINT: (
        "Requests reached the vault from a public address, not over private link."
    ),
    Verdict.BLOCKED_BY_FIREWALL: (
        "The firewall denied the traffic; no request arrived at the vault."
    ),
    Verdict.BLOCKED_BY_VAULT_NETWORK_RULES: (
        "The vault refused the requests with 403 ForbiddenByFirewall/ForbiddenByConnection "
        "(often: the name resolved to the public endpoint)."
    ),
    Verdict.NOT_REACHED: (
        "The attempt left the client or passed the firewall, but nothing arrived at the vault."
    ),
    Verdict.NOT_YET_OBSERVABLE: (
        "The window ends inside the logs' ingestion delay: missing rows may still arrive."
    ),
    Verdict.INCONCLUSIVE: (
        "A needed log source is missing or partial, or the evidence contradicts itself."
    ),
}

HOP_STATUS_MEANING: dict[HopStatus, str] = {
    HopStatus.OBSERVED: "a log row proves this hop",
    HopStatus.NOT_OBSERVED: "the log source is live and covers this hop, but has no row for it",
    HopStatus.UNOBSERVABLE: "no Azure log can show this hop by design",
    HopStatus.NOT_COVERED: "the log source that would show this hop is off or absent",
    HopStatus.PENDING: "inside the ingestion delay; rows may still arrive",
}

GAP_TITLE: dict[GapKind, str] = {
    GapKind.COVERAGE: "Log coverage",
    GapKind.MODEL_VS_OBSERVED: "Model and logs disagree",
    GapKind.LATENCY: "Ingestion latency",
    GapKind.PARTIAL_DATA: "Partial data",
    GapKind.SNAT_AMBIGUOUS: "Ambiguous SNAT",
    GapKind.UNPARSED_ROWS: "Unparsed rows",
    GapKind.TOPOLOGY: "Topology (not evaluated or assumed by the network model)",
}

# What to do when a gap carries no specific next step of its own.
GAP_DEFAULT_NEXT_STEP: dict[GapKind, str] = {
    GapKind.COVERAGE: (
        "Enable the missing diagnostic category (for example AZFWNetworkRule on the firewall, "
        "AuditEvent on the vault, VNet flow logs on the client VNet) and run the trace again."
    ),
    GapKind.MODEL_VS_OBSERVED: (
        "Compare the subnet's effective routes (az network nic show-effective-route-table) "
        "with the topology file; re-import the topology if it is stale."
    ),
    GapKind.LATENCY: "Run the trace again once the ingestion delay has passed.",
    GapKind.PARTIAL_DATA: (
        "Narrow the time window or split the query; partial results may hide rows."
    ),
    GapKind.SNAT_AMBIGUOUS: (
        "Use a network rule (no SNAT) or shorten the window so only one client matches."
    ),
    GapKind.UNPARSED_ROWS: "Check the listed files; netlogs could not read those rows.",
    GapKind.TOPOLOGY: (
        "Describe the construct in the topology file, or check the affected paths by hand "
        "(az network nic show-effective-route-table)."
    ),
}

# Display order: problems first, then the healthy answer, then the undecided ones.
VERDICT_ORDER: tuple[Verdict, ...] = (
    Verdict.REACHED_BYPASSING_FIREWALL,
    Verdict.REACHED_VIA_PUBLIC_ENDPOINT,
    Verdict.REACHED_VIA_SERVICE_ENDPOINT,
    Verdict.REACHED_VIA_FIREWALL,
    Verdict.BLOCKED_BY_FIREWALL,
    Verdict.BLOCKED_BY_VAULT_NETWORK_RULES,
    Verdict.NOT_REACHED,
    Verdict.NOT_YET_OBSERVABLE,
    Verdict.INCONCLUSIVE,
)


def gap_next_step(kind: GapKind, next_step: str) -> str:
    """The gap's own advice, or the generic one for its kind."""
    return next_step or GAP_DEFAULT_NEXT_STEP[kind]


def client_label(flow: FlowResult) -> str:
    """``10.2.1.4 (vnet-spoke2/snet-vm)`` or just the IP when the topology has no name for it."""
    return f"{flow.client_ip} ({flow.client})" if flow.client else flow.client_ip


def counts_by_verdict(result: TraceResult) -> dict[str, int]:
    """Verdict name -> number of flows, for verdicts that occur, in display order."""
    counts = {v.value: 0 for v in VERDICT_ORDER}
    for flow in result.flows:
        counts[flow.verdict.value] += 1
    return {name: n for name, n in counts.items() if n}


def sorted_flows(result: TraceResult) -> list[FlowResult]:
    """Violations first, then by verdict display order, then by client IP."""
    rank = {v: i for i, v in enumerate(VERDICT_ORDER)}
    return sorted(
        result.flows,
        key=lambda f: (not f.violation, rank[f.verdict], ip_sort_key(f.client_ip), f.client or ""),
    )


def sorted_gaps(result: TraceResult) -> list[Gap]:
    """Gaps grouped by kind (declaration order), then by message."""
    rank = {k: i for i, k in enumerate(GapKind)}
    return sorted(result.gaps, key=lambda g: (rank[g.kind], g.message, g.clients))


def ip_sort_key(address: str) -> tuple[int, int, str]:
    """Numeric order for IPv4/IPv6 text, anything else after them in text order."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return (2, 0, address)
    return (ip.version // 6, int(ip), address)
