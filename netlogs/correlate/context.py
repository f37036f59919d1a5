"""What correlation needs besides the log rows: the vault, the firewalls, the policy and time.

The pipeline builds one ``CorrelationContext`` per trace. Everything here is plain data; the helpers
turn topology objects and source summaries into the shapes the joins use.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from netlogs.model import (
    DEFAULT_EVIDENCE_PER_KIND,
    ExpectedPath,
    IngestionLag,
    LogFamily,
    SourceStatus,
    SourceSummary,
    TimeWindow,
)
from netlogs.topology.model import Firewall, KeyVault, Topology

# Conservative upper bounds from Azure's documented ingestion delays: Key Vault says "at most
# 10 minutes"; firewall resource logs land within minutes; Traffic Analytics processes every 60 min
# and ingestion "can take up to 1 hour".
DEFAULT_INGESTION_LAGS: Mapping[LogFamily, timedelta] = MappingProxyType(
    {
        LogFamily.KEYVAULT: timedelta(minutes=10),
        LogFamily.FIREWALL: timedelta(minutes=5),
        LogFamily.FLOW: timedelta(minutes=60 + 60),
        LogFamily.DNS: timedelta(minutes=5),
    }
)


TIMELINE_PER_KIND = 20  # rows per family and flow drawn on the HTML timeline


def cited_ends(per_kind: int | None) -> tuple[int, int] | None:
    """(first, last): how many of one kind's time-ordered rows are cited from its start and from
    its end (the first gets the odd row); None when every row is cited. Both engines (and the
    DNS citations) apply this one rule."""
    if per_kind is None:
        return None
    return (per_kind + 1) // 2, per_kind // 2


@dataclass(frozen=True)
class FirewallAddresses:
    """The addresses one Azure Firewall uses, as seen from the vault's side.

    ``snat_prefixes`` is the AzureFirewallSubnet: SNATed packets leave from one of its instance
    addresses, never from ``frontend_ips`` (the UDR next hop). ``public_ips`` appear as the caller
    when the firewall forwards to the vault's public endpoint. ``snat_private_ranges`` decide
    whether a network rule SNATs (destinations outside them are always SNATed).
    """

    name: str
    frontend_ips: tuple[str, ...]
    snat_prefixes: tuple[str, ...]
    public_ips: tuple[str, ...] = ()
    snat_private_ranges: tuple[str, ...] = (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
    )


@dataclass(frozen=True)
class CorrelationContext:
    """Everything correlation and the verdict rules need besides the evidence tables."""

    vault: KeyVault
    private_endpoint_ips: tuple[str, ...]
    firewalls: tuple[FirewallAddresses, ...]
    required_firewall: str | None
    window: TimeWindow
    now: datetime
    forbid_public_endpoint: bool = True
    reuse_window: timedelta = timedelta(minutes=10)
    clock_skew: timedelta = timedelta(seconds=5)
    source_status: Mapping[LogFamily, SourceStatus] = field(default_factory=dict)
    source_detail: Mapping[LogFamily, str] = field(default_factory=dict)
    ingestion_lags: Mapping[LogFamily, timedelta] = field(default_factory=dict)
    expected_paths: Mapping[str, ExpectedPath] = field(default_factory=dict)
    client_names: Mapping[str, str] = field(default_factory=dict)
    # rows cited per client and kind (see ``cited_ends``); None: every row
    evidence_per_kind: int | None = DEFAULT_EVIDENCE_PER_KIND
    timeline_per_kind: int = TIMELINE_PER_KIND  # 0: no timeline (no HTML report asked for)
    # the (family, table) sources that are partial (the family's status merges them)
    partial_tables: frozenset[tuple[LogFamily, str]] = frozenset()

    def status(self, family: LogFamily) -> SourceStatus:
        """A family nobody reported on is missing."""
        return self.source_status.get(family, SourceStatus.MISSING)

    def lag(self, family: LogFamily) -> timedelta:
        return self.ingestion_lags.get(family, DEFAULT_INGESTION_LAGS[family])

    def settled_until(self, family: LogFamily) -> datetime:
        """Rows of ``family`` stamped before this instant have had time to arrive."""
        return self.now - self.lag(family)

    def in_latency(self, family: LogFamily) -> bool:
        """True when the window ends inside the family's ingestion latency."""
        return self.window.end > self.settled_until(family)


def firewall_addresses(topology: Topology, firewall: Firewall) -> FirewallAddresses:
    """The SNAT source range of ``firewall``: its AzureFirewallSubnet (or known instance IPs)."""
    if firewall.instance_ips:
        prefixes = tuple(
            f"{ip}/{ipaddress.ip_address(ip).max_prefixlen}" for ip in firewall.instance_ips
        )
    else:
        prefixes = _firewall_subnet_prefixes(topology, firewall)
    return FirewallAddresses(
        name=firewall.name,
        frontend_ips=(firewall.private_ip,),
        snat_prefixes=prefixes,
        public_ips=firewall.public_ips,
        snat_private_ranges=firewall.snat_private_ranges,
    )


def _firewall_subnet_prefixes(topology: Topology, firewall: Firewall) -> tuple[str, ...]:
    for vnet in topology.vnets:
        if vnet.name != firewall.vnet:
            continue
        for subnet in vnet.subnets:
            if subnet.name == firewall.subnet:
                return subnet.address_prefixes
    return ()


def family_statuses(
    sources: Iterable[SourceSummary],
) -> tuple[dict[LogFamily, SourceStatus], dict[LogFamily, str]]:
    """One status per log family from the per-table summaries.

    A family with no table at all is missing; with every table missing, missing; any partial
    table makes it partial, any pending table pending; otherwise complete (a table that is
    missing next to live ones of the same family is left to the source's own report).
    """
    by_family: dict[LogFamily, list[SourceSummary]] = {}
    for summary in sources:
        by_family.setdefault(summary.family, []).append(summary)
    statuses: dict[LogFamily, SourceStatus] = {}
    details: dict[LogFamily, str] = {}
    for family in LogFamily:
        entries = by_family.get(family, [])
        kinds = {entry.status for entry in entries}
        if not entries or kinds == {SourceStatus.MISSING}:
            statuses[family] = SourceStatus.MISSING
        elif SourceStatus.PARTIAL in kinds:
            statuses[family] = SourceStatus.PARTIAL
        elif SourceStatus.PENDING in kinds:
            statuses[family] = SourceStatus.PENDING
        else:
            statuses[family] = SourceStatus.COMPLETE
        details[family] = "; ".join(
            f"{entry.table}: {entry.status.value}" + (f" ({entry.detail})" if entry.detail else "")
            for entry in sorted(entries, key=lambda e: e.table)
            if entry.status is not SourceStatus.COMPLETE
        )
    return statuses, details


# Raw flow logs are appended to hourly PT1H.json blobs every minute; the 2 h default is Traffic
# Analytics' processing interval plus ingestion, which raw blobs never go through.
RAW_FLOW_LOG_LAG = timedelta(minutes=10)


def family_lags(
    lags: Iterable[IngestionLag], sources: Iterable[SourceSummary]
) -> dict[LogFamily, timedelta]:
    """The largest observed lag per family (tables mapped to families through the summaries)."""
    sources = tuple(sources)
    table_family = {summary.table: summary.family for summary in sources}
    result = dict(DEFAULT_INGESTION_LAGS)
    flow_tables = {s.table for s in sources if s.family is LogFamily.FLOW and s.rows}
    if flow_tables and all(table.startswith("raw:") for table in flow_tables):
        result[LogFamily.FLOW] = RAW_FLOW_LOG_LAG
    observed: dict[LogFamily, timedelta] = {}
    for lag in lags:
        family = table_family.get(lag.table)
        if family is not None:
            observed[family] = max(lag.lag, observed.get(family, timedelta(0)))
    result.update(observed)
    return result
