"""The kusto engine's queries: the per-client facts computed inside Kusto (Log Analytics or
Azure Data Explorer), rendered from ``kql/facts/`` with ``kql_literal`` only.

The facts table is the contract between the engines and the verdict rules: ``facts_frame``
turns the server's answer into exactly the frame ``correlate_evidence`` builds locally (same
columns, dtypes and order), so the verdict rules cannot tell the engines apart.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

import polars as pl

from netlogs.correlate.context import CorrelationContext, FirewallAddresses, cited_ends
from netlogs.correlate.firewall import RETRY_GAP, vault_hosts
from netlogs.correlate.snat import MAX_LISTED_CANDIDATES
from netlogs.errors import ConfigError
from netlogs.kql import load_template, render_query, template_dir
from netlogs.model import LogFamily, TimeWindow
from netlogs.schemas import UTC_TIME

# Traffic Analytics stamps TimeGenerated when it processes a flow (every 10 or 60 min, then
# ingestion): flow rows are read this long past the window's end and filtered on the flow time.
FLOW_LAG = timedelta(hours=2)
# SNAT prefixes are expanded to addresses server side lists: a /20 is the largest accepted
# (an AzureFirewallSubnet is a /26).
MAX_SNAT_ADDRESSES = 4096

_COUNTS = (
    "requests", "reached", "challenges", "served", "denied_auth", "denied_network",
    "via_private_endpoint", "via_service_endpoint", "via_public", "via_private_unknown",
    "via_snat", "private_reached", "covered", "uncovered_settled", "uncovered_pending",
)  # fmt: skip
_TEXTS = (
    "snat_firewall", "network_denial_code", "network_denied_caller", "public_caller",
)  # fmt: skip
_FIREWALL = ("fw_allow", "fw_snat_allow", "fw_deny", "fw_attempts_settled")
_FLOW = ("flow_out", "flow_denied", "flow_attempts_settled")

# The local engine's facts columns, in its order (see correlate.facts.client_facts).
FACTS_SCHEMA: dict[str, pl.DataType] = {
    "client_ip": pl.String(),
    **dict.fromkeys(_COUNTS, pl.Int64()),
    "first_uncovered": UTC_TIME,
    "first_seen": UTC_TIME,
    "last_seen": UTC_TIME,
    **dict.fromkeys(_TEXTS, pl.String()),
    "covering_firewall": pl.String(),
    "snat_candidates": pl.List(pl.String()),
    "snat_candidate_count": pl.Int64(),
    **dict.fromkeys(_FIREWALL, pl.Int64()),
    "fw_deny_firewall": pl.String(),
    "fw_deny_rule": pl.String(),
    "fw_first": UTC_TIME,
    "fw_last": UTC_TIME,
    **dict.fromkeys(_FLOW, pl.Int64()),
    "flow_deny_rule": pl.String(),
    "flow_first": UTC_TIME,
}
_ZERO_FILLED = (*_COUNTS, "snat_candidate_count", *_FIREWALL, *_FLOW)


@dataclass(frozen=True)
class FactLegs:
    """Which of the older tables the facts query reads besides the resource-specific ones:
    legacy firewall rule text in ``AzureDiagnostics`` and NSG-era Traffic Analytics
    (``AzureNetworkAnalytics_CL``). Both by default; a trace turns off the ones that
    ``facts_sources`` found empty, so the server skips them."""

    firewall_diagnostics: bool = True
    nsg_flows: bool = True


@dataclass(frozen=True)
class FactQuery:
    """One rendered query of the kusto engine: its template name, text and SHA-256."""

    name: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class KustoAnswer:
    """One query's result: the rows, ``partial`` (the server's reason, "" when complete) and
    the server's CPU/elapsed time when it reports one."""

    frame: pl.DataFrame
    partial: str = ""
    server_time_ms: float | None = None


class KustoExecutor(Protocol):
    """Runs one KQL query where the logs are (Log Analytics workspace or ADX database)."""

    @property
    def target(self) -> str:
        """Where the queries run, for the ledger (workspace id, or cluster/database)."""

    def execute(self, query: FactQuery, window: TimeWindow) -> KustoAnswer:
        """The query's rows.

        Raises:
            SourceError: the server refused or failed the query.
        """


def facts_dir() -> Path:
    return template_dir() / "facts"


def fact_params(
    ctx: CorrelationContext, part: TimeWindow | None = None, legs: FactLegs = FactLegs()
) -> dict[str, object]:
    """Every parameter of ``kql/facts/facts_common.kql`` from the correlation context; ``part``
    is the slice of the window whose facts the query computes (the whole window by default),
    ``legs`` the older tables it reads."""
    addresses, owners = snat_address_map(ctx.firewalls)
    required = ctx.required_firewall.lower() if ctx.required_firewall else ""
    part = part or ctx.window
    return {
        "start": ctx.window.start,
        "end": ctx.window.end,
        "slice_start": part.start,
        "slice_end": part.end,
        "vault_names": sorted({ctx.vault.name.lower(), ctx.vault.host.lower()}),
        "vault_hosts": vault_hosts(ctx),
        "vault_ips": [*ctx.private_endpoint_ips, *ctx.vault.public_ips],
        "reuse_window": ctx.reuse_window,
        "clock_skew": ctx.clock_skew,
        "lookback": ctx.reuse_window + 2 * ctx.clock_skew,
        "retry_gap": RETRY_GAP,
        "flow_lag": FLOW_LAG,
        "kv_settled": ctx.settled_until(LogFamily.KEYVAULT),
        "fw_settled": ctx.settled_until(LogFamily.FIREWALL) - ctx.clock_skew,
        "required_firewall": required,
        "snat_addresses": addresses,
        "snat_address_firewalls": owners,
        "snat_firewalls": sorted(set(owners)),
        "snat_destinations": snat_destinations(ctx),
        "max_candidates": MAX_LISTED_CANDIDATES,
        "read_firewall_diagnostics": legs.firewall_diagnostics,
        "read_nsg_flows": legs.nsg_flows,
    }


def snat_address_map(firewalls: tuple[FirewallAddresses, ...]) -> tuple[list[str], list[str]]:
    """(addresses, owning firewall of each): instance addresses of each firewall's SNAT
    prefixes except its frontend, and its public IPs; the first firewall listed wins.

    Raises:
        ConfigError: a SNAT prefix larger than ``MAX_SNAT_ADDRESSES`` addresses.
    """
    owner: dict[str, str] = {}
    for firewall in firewalls:
        mine: list[str] = []
        for prefix in firewall.snat_prefixes:
            network = ipaddress.ip_network(prefix, strict=False)
            if network.version != 4:
                continue  # the local engine matches SNAT prefixes on IPv4 keys only
            if network.num_addresses > MAX_SNAT_ADDRESSES:
                raise ConfigError(
                    f"firewall {firewall.name}: SNAT prefix {prefix} is larger than the kusto "
                    f"engine expands ({MAX_SNAT_ADDRESSES} addresses); use --engine local"
                )
            mine.extend(str(ip) for ip in network if str(ip) not in firewall.frontend_ips)
        for address in [*mine, *firewall.public_ips]:
            owner.setdefault(address, firewall.name)
    return list(owner), list(owner.values())


def snat_destinations(ctx: CorrelationContext) -> list[str]:
    """``firewall|ip`` for each vault IP a firewall's network rules SNAT (outside its private
    ranges); names lower case."""
    pairs = []
    for firewall in ctx.firewalls:
        private = [ipaddress.ip_network(p, strict=False) for p in firewall.snat_private_ranges]
        for ip in [*ctx.private_endpoint_ips, *ctx.vault.public_ips]:
            address = ipaddress.ip_address(ip)
            if not any(address.version == n.version and address in n for n in private):
                pairs.append(f"{firewall.name.lower()}|{ip}")
    return sorted(set(pairs))


ClientShare = tuple[int, int]  # (residue, modulus) of the clients' IPv4 addresses


def fact_query(
    name: str,
    ctx: CorrelationContext,
    part: TimeWindow | None = None,
    legs: FactLegs = FactLegs(),
    clients: ClientShare = (0, 1),
) -> FactQuery:
    """``facts_common`` followed by the template ``name`` (facts_clients, facts_cited or
    facts_unparsed), for the slice ``part`` of the window (the whole window by default),
    reading the older tables ``legs`` names; facts_cited for the share ``clients`` of them."""
    folder = facts_dir()
    common = render_query(load_template("facts_common", folder), fact_params(ctx, part, legs))
    params = cited_params(ctx, clients) if name == "facts_cited" else {}
    tail = render_query(load_template(name, folder), params)
    return FactQuery(name, f"{common}{tail}")


_PACKED_PARTS = ("total", "http_status", "operation")


def cited_frame(rows: pl.DataFrame) -> pl.DataFrame:
    """facts_cited's answer with its counts unpacked: the server sends one row per client and
    part (``key`` = ``value=count;...``, fewer rows over the wire); this gives one row per
    client, part and value, the count in ``n`` and the value in ``family`` (part ``total``) or
    ``key`` (``http_status``, ``operation``)."""
    if "part" not in rows.columns:
        return rows  # an empty answer
    packed = pl.col("part").is_in(_PACKED_PARTS)
    pairs = (
        rows.filter(packed)
        .select("client_ip", "part", pl.col("key").cast(pl.String).str.split(";").alias("pair"))
        .explode("pair")
        .filter(pl.col("pair").str.len_bytes() > 0)
        .with_columns(pl.col("pair").str.extract_groups(r"(?s)\A(.*)=(\d+)\z").alias("pair"))
    )
    value, count = pl.col("pair").struct.field("1"), pl.col("pair").struct.field("2")
    total = pl.col("part") == "total"
    counts = pairs.select(
        "client_ip",
        "part",
        pl.when(total).then(value).alias("family"),
        pl.when(~total).then(value).alias("key"),
        count.cast(pl.Int64).alias("n"),
    )
    return pl.concat([rows.filter(~packed), counts], how="diagonal_relaxed")


def cited_params(ctx: CorrelationContext, clients: ClientShare = (0, 1)) -> dict[str, object]:
    """facts_cited's parameters: the rows cited per client and kind (``cited_ends``), for the
    clients whose IPv4 address modulo ``clients[1]`` is ``clients[0]``; timeline labels only
    when a timeline is drawn."""
    ends = cited_ends(ctx.evidence_per_kind)
    first, last = ends if ends is not None else (0, 0)
    share, shares = clients
    return {
        "cited_first": first,
        "cited_last": last,
        "cite_all": ends is None,
        "client_part": share,
        "client_parts": shares,
        "with_labels": ctx.timeline_per_kind > 0,
    }


def sources_query(ctx: CorrelationContext) -> FactQuery:
    """Rows per table, and the firewalls with any record, in the window."""
    template = load_template("facts_sources", facts_dir())
    params = {"start": ctx.window.start, "end": ctx.window.end, "flow_lag": FLOW_LAG}
    return FactQuery("facts_sources", render_query(template, params))


def facts_frame(rows: pl.DataFrame) -> pl.DataFrame:
    """The server's facts rows as the local engine's facts table (``FACTS_SCHEMA``).

    Kusto has no null strings: empty strings become null, absent counts 0, and the rows are
    sorted by client IP like the local table.
    """
    columns = []
    for name, dtype in FACTS_SCHEMA.items():
        if name not in rows.columns:
            value = pl.lit(None, dtype)
        elif name == "snat_candidates":
            value = _string_list(rows.get_column(name))
        elif dtype == pl.String():
            text = pl.col(name).cast(pl.String)
            value = pl.when(text.str.len_bytes() > 0).then(text)
        elif dtype == UTC_TIME:
            value = _utc(rows, name)
        else:
            value = pl.col(name).cast(dtype)
        if name in _ZERO_FILLED:
            value = value.fill_null(0)
        columns.append(value.alias(name))
    # clients with requests list their candidates (maybe none); the others have no list
    has_requests = pl.col("requests").is_not_null() if "requests" in rows.columns else pl.lit(False)
    facts = rows.select(*columns, has_requests.alias("_has_requests"))
    empty = pl.lit([], dtype=pl.List(pl.String))
    listed = pl.when("_has_requests").then(pl.col("snat_candidates").fill_null(empty))
    return facts.with_columns(listed).drop("_has_requests").sort("client_ip")


def _utc(rows: pl.DataFrame, name: str) -> pl.Expr:
    dtype = rows.schema[name]
    if isinstance(dtype, pl.Datetime):
        column = pl.col(name).cast(pl.Datetime("us", dtype.time_zone))
        return column.dt.replace_time_zone("UTC") if dtype.time_zone is None else column
    return pl.col(name).cast(pl.String).str.to_datetime(time_zone="UTC", time_unit="us")


def _string_list(column: pl.Series) -> pl.Expr:
    """A dynamic array column (a list, or JSON text from the HTTP APIs) as a sorted list."""
    if isinstance(column.dtype, pl.List):
        return pl.col(column.name).cast(pl.List(pl.String))
    text = pl.col(column.name).cast(pl.String)
    return text.str.json_decode(pl.List(pl.String))
