"""Which clients get a verdict-table row and a detail card on the HTML page, and a grouped
summary for the rest.

An estate with tens of thousands of callers would otherwise make a page no browser opens in
reasonable time (one row and one card each). Violations are chosen first, then undecided flows,
then the others in the page's usual order; the page says how many were left out, and the JSON
result always has every client.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from netlogs.model import FlowResult

MAX_CARDS = 300  # detail cards drawn; the rest are in the table (or the summary) and the JSON
MAX_TABLE_ROWS = 2_000  # verdict-table rows; beyond, clients are counted per verdict and prefix
MAX_GROUPS = 500  # grouped-summary rows; the prefix widens until the groups fit
IPV4_PREFIXES = (24, 16, 8, 0)
IPV6_PREFIXES = (64, 48, 32, 0)
NOT_AN_IP = "(not an IP address)"


@dataclass(frozen=True)
class GroupRow:
    verdict: str
    prefix: str
    clients: int
    violations: int
    requests: int


@dataclass(frozen=True)
class ClientSelection:
    """Positions (in the page's client order) that get a card or a table row."""

    cards: frozenset[int]
    rows: frozenset[int]
    groups: tuple[GroupRow, ...]
    group_prefix: str  # e.g. "/24 (IPv4), /64 (IPv6)"; empty when nothing is grouped


def priority(flow: FlowResult) -> int:
    """0 = violation, 1 = undecided, 2 = everything else."""
    if flow.violation:
        return 0
    return 1 if flow.verdict.is_undecided else 2


def _first(flows: Sequence[FlowResult], cap: int) -> frozenset[int]:
    order = sorted(range(len(flows)), key=lambda i: (priority(flows[i]), i))
    return frozenset(order[:cap])


def _prefix(ip: str, v4: int, v6: int) -> str:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return NOT_AN_IP
    bits = v4 if address.version == 4 else v6
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))


def _group(flows: Sequence[FlowResult], v4: int, v6: int) -> tuple[GroupRow, ...]:
    clients: Counter[tuple[str, str]] = Counter()
    violations: Counter[tuple[str, str]] = Counter()
    requests: Counter[tuple[str, str]] = Counter()
    for flow in flows:
        key = (flow.verdict.value, _prefix(flow.client_ip, v4, v6))
        clients[key] += 1
        violations[key] += int(flow.violation)
        requests[key] += flow.requests
    return tuple(
        GroupRow(verdict, prefix, n, violations[(verdict, prefix)], requests[(verdict, prefix)])
        for (verdict, prefix), n in sorted(
            clients.items(), key=lambda kv: (-violations[kv[0]], kv[0][0], kv[0][1])
        )
    )


def group_clients(flows: Sequence[FlowResult]) -> tuple[tuple[GroupRow, ...], str]:
    """Counts per verdict and client address prefix, the prefix widened until few groups remain."""
    if not flows:
        return (), ""
    groups: tuple[GroupRow, ...] = ()
    label = ""
    for v4, v6 in zip(IPV4_PREFIXES, IPV6_PREFIXES, strict=True):
        groups = _group(flows, v4, v6)
        label = f"/{v4} (IPv4), /{v6} (IPv6)"
        if len(groups) <= MAX_GROUPS:
            break
    return groups, label


def select_clients(
    flows: Sequence[FlowResult], max_cards: int = MAX_CARDS, max_rows: int = MAX_TABLE_ROWS
) -> ClientSelection:
    """Cards and rows for the most important clients; every client when there are few."""
    cards = _first(flows, max_cards)
    rows = _first(flows, max_rows)
    groups, label = group_clients([f for i, f in enumerate(flows) if i not in rows])
    return ClientSelection(cards, rows, groups, label)
