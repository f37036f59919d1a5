"""Offline twin of the server-side filters: the same window, vault and address rules as KQL.

The rows a trace uses are chosen once, with a reason for every other row, by
``ledger.account_evidence``; ``evidence_predicates`` are the same rules as scan filters.

- window: ``time`` between start and end, both inclusive (KQL ``between``); a flow aggregate is
  kept when its ``[time_start, time_end]`` overlaps the window.
- Key Vault: rows of the vault (names are case-insensitive). Not filtered by client, because a
  request SNATed by a firewall carries the firewall's address, not the client's.
- firewall: destination is a private endpoint IP, a vault public IP, or the vault FQDN (also its
  ``privatelink`` alias); rows from firewalls outside ``firewall_names`` are dropped when that
  list is given. With a client filter, the source must be a client.
- flows: destination is a private endpoint IP or vault public IP; client filter on the source.
- dns: the query is for the vault FQDN or its privatelink alias; client filter on the asker.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import reduce

import polars as pl

from netlogs.errors import ConfigError
from netlogs.model import EvidenceQuery, TimeWindow


def evidence_predicates(query: EvidenceQuery) -> dict[str, pl.Expr]:
    """Per canonical table, the rows the query returns: the filter a canonical Parquet scan
    pushes down (``ledger.account_evidence`` applies the same rules row by row, with reasons).

    Raises:
        ConfigError: a client prefix is not a valid CIDR.
    """
    names = vault_names(query)
    targets = [*query.private_endpoint_ips, *query.vault_public_ips]
    client = client_filter(query)
    firewalls = [name.lower() for name in query.firewall_names]
    fw_keep = (one_of("dst_ip", targets) | one_of("fqdn", names)).fill_null(False)
    if firewalls:
        fw_keep = fw_keep & (pl.col("firewall").is_null() | one_of("firewall", firewalls))
    return {
        "kv_requests": in_window("time", "time", query.window)
        & (pl.col("vault") == query.vault_name.lower()),
        "fw_events": in_window("time", "time", query.firewall_window())
        & fw_keep
        & client("src_ip"),
        "flows": in_window("time_start", "time_end", query.window)
        & one_of("dst_ip", targets).fill_null(False)
        & client("src_ip"),
        "dns": in_window("time", "time", query.window)
        & one_of("query_name", names).fill_null(False)
        & client("client_ip"),
    }


# Up to this many values, membership is tested by comparing: ``is_in`` hashes every row, which
# costs several times more (the firewall scan's filter: benchmarks/RESULTS-trace.md).
_COMPARED = 8


def one_of(column: str, values: Sequence[str]) -> pl.Expr:
    """``pl.col(column).is_in(values)`` (null stays null), as comparisons when there are few."""
    if not values or len(values) > _COMPARED:
        return pl.col(column).is_in(list(values))
    return reduce(lambda either, value: either | (pl.col(column) == value),
                  values[1:], pl.col(column) == values[0])  # fmt: skip


def vault_names(query: EvidenceQuery) -> list[str]:
    """The vault's FQDN and its privatelink alias, lower case."""
    fqdn = query.vault_fqdn.lower().rstrip(".")
    names = [fqdn]
    if fqdn.endswith(".vault.azure.net"):
        names.append(fqdn.removesuffix(".vault.azure.net") + ".privatelink.vaultcore.azure.net")
    return names


def in_window(start_column: str, end_column: str, window: TimeWindow | None) -> pl.Expr:
    """Rows whose [start, end] overlaps ``window`` (every row without one; null times: no)."""
    if window is None:
        return pl.lit(True)
    start = pl.lit(window.start).dt.cast_time_unit("us")
    end = pl.lit(window.end).dt.cast_time_unit("us")
    return ((pl.col(end_column) >= start) & (pl.col(start_column) <= end)).fill_null(False)


def ipv4_number(column: pl.Expr) -> pl.Expr:
    """Dotted IPv4 text -> UInt32 (null for IPv6 or junk), computed vectorized."""
    parts = column.str.extract_groups(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$")
    octets = [parts.struct.field(str(i)).cast(pl.UInt32, strict=False) for i in range(1, 5)]
    return octets[0] * 16777216 + octets[1] * 65536 + octets[2] * 256 + octets[3]


class _ClientFilter:
    """``client_ips`` / ``client_prefixes`` as an expression on one address column."""

    def __init__(self, ips: tuple[str, ...], prefixes: list[ipaddress.IPv4Network]) -> None:
        self.ips = list(ips)
        self.prefixes = prefixes

    def __call__(self, column: str) -> pl.Expr:
        if not self.ips and not self.prefixes:
            return pl.lit(True)
        keep = one_of(column, self.ips)
        number = ipv4_number(pl.col(column)).cast(pl.Int64)
        for net in self.prefixes:
            first, last = int(net.network_address), int(net.broadcast_address)
            keep = keep | number.is_between(first, last)
        return keep.fill_null(False)


def client_filter(query: EvidenceQuery) -> _ClientFilter:
    """The query's client IPs and prefixes as a filter on one address column."""
    prefixes = []
    for text in query.client_prefixes:
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError as exc:
            raise ConfigError(f"client prefix {text!r} is not a valid CIDR: {exc}") from None
        if isinstance(network, ipaddress.IPv4Network):
            prefixes.append(network)
    return _ClientFilter(query.client_ips, prefixes)
