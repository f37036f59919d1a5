"""SNAT stitching: give a vault request logged with a firewall address back to its client.

Application rules always SNAT, network rules SNAT when the destination is outside the firewall's
private ranges (azure-network-semantics.md §4.1). A client "fits" a SNATed request when it has such
an Allow record for the vault within the reuse window (plus skew) of the request. With exactly one
fitting client the request is attributed to it; otherwise it keeps the SNAT address and lists
the candidates.

Vectorized as intervals: each record covers ``[t - skew, t + reuse + skew]`` for its client;
overlapping intervals of a client merge; the time axis is cut at every interval edge into
segments with a constant set of active clients; each request looks up its segment (as-of join).
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import polars as pl

from netlogs.correlate.context import CorrelationContext, FirewallAddresses
from netlogs.correlate.firewall import of_firewall

_EDGE = timedelta(microseconds=1)
MAX_LISTED_CANDIDATES = 10  # a busy SNAT address may fit hundreds of clients: list a few, count all


def snat_records(records: pl.DataFrame, firewall: FirewallAddresses) -> pl.DataFrame:
    """Allow records of ``firewall`` whose connection the firewall SNATs."""
    own = of_firewall(records, firewall.name)
    mine = (  # lazy: the filter copies only the four projected columns
        records.lazy()
        .filter(pl.col("verdict_action") == "allow", own, ~pl.col("retry"))
        .select("src_ip", "time", "kind", "dst_ip")
        .collect()
    )
    private = [
        ipaddress.ip_network(prefix, strict=False) for prefix in firewall.snat_private_ranges
    ]
    snat_destinations = [
        ip
        for ip in mine.get_column("dst_ip").drop_nulls().unique().to_list()
        if not _inside(ip, private)
    ]
    snats = (pl.col("kind") == "application") | pl.col("dst_ip").is_in(snat_destinations)
    return mine.filter(snats.fill_null(True)).select("src_ip", "time")


def _inside(ip: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address.version == net.version and address in net for net in networks)


def candidate_segments(records: pl.DataFrame, ctx: CorrelationContext) -> pl.DataFrame:
    """Segments ``seg_start`` (sorted) with the sorted list of fitting clients (may be empty)."""
    intervals = records.select(
        pl.col("src_ip").alias("client"),
        (pl.col("time") - ctx.clock_skew).alias("start"),
        (pl.col("time") + ctx.reuse_window + ctx.clock_skew).alias("end"),
    ).sort("client", "start")
    new_island = (pl.col("start") > pl.col("end").cum_max().shift(1)).fill_null(True)
    merged = (
        intervals.with_columns(new_island.cum_sum().over("client").alias("island"))
        .group_by("client", "island")
        .agg(pl.col("start").min(), pl.col("end").max())
    )
    edges = pl.concat(
        [merged.select("start"), merged.select((pl.col("end") + _EDGE).alias("start"))]
    )
    segments = edges.unique().sort("start").rename({"start": "seg_start"})
    active = segments.join_where(
        merged, pl.col("start") <= pl.col("seg_start"), pl.col("end") >= pl.col("seg_start")
    )
    fits = active.group_by("seg_start").agg(
        pl.col("client").unique().sort().head(MAX_LISTED_CANDIDATES).alias("candidates"),
        pl.col("client").n_unique().cast(pl.Int64).alias("n_candidates"),
    )
    return (
        segments.join(fits, on="seg_start", how="left")
        .with_columns(
            pl.col("candidates").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            pl.col("n_candidates").fill_null(0),
        )
        .sort("seg_start")
    )


def stitch_snat_requests(
    requests: pl.DataFrame, records: pl.DataFrame, ctx: CorrelationContext
) -> pl.DataFrame:
    """Set ``client_ip``, ``snat_candidates`` and ``n_candidates`` for SNATed requests.

    Every row of ``requests`` has ``snat_firewall`` set (the firewall whose address was logged).
    """
    empty_list = pl.lit([], dtype=pl.List(pl.String))
    parts = [
        requests.clear().with_columns(
            pl.col("caller_ip").alias("client_ip"),
            empty_list.alias("snat_candidates"),
            pl.lit(0, dtype=pl.Int64).alias("n_candidates"),
        )
    ]
    for firewall in ctx.firewalls:
        mine = requests.filter(pl.col("snat_firewall") == firewall.name)
        if mine.height == 0:
            continue
        segments = candidate_segments(snat_records(records, firewall), ctx)
        mine = mine if mine.get_column("time").is_sorted() else mine.sort("time")
        matched = mine.join_asof(
            segments,
            left_on="time",
            right_on="seg_start",
            strategy="backward",
            check_sortedness=False,
        )
        candidates = pl.col("candidates").fill_null(empty_list)
        parts.append(
            matched.with_columns(
                pl.when(pl.col("n_candidates") == 1)
                .then(candidates.list.first())
                .otherwise(pl.col("caller_ip"))
                .alias("client_ip"),
                candidates.alias("snat_candidates"),
                pl.col("n_candidates").fill_null(0),
            ).drop("seg_start", "candidates")
        )
    return pl.concat(parts, how="diagonal_relaxed")
