"""SNAT stitching: give a vault request logged with a firewall address back to its client.

Application rules always SNAT, network rules SNAT when the destination is outside the firewall's
private ranges (Azure Firewall SNAT docs). A client "fits" a SNATed request when it has such
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
from netlogs.frames import collect

_EDGE = timedelta(microseconds=1)
MAX_LISTED_CANDIDATES = 10  # a busy SNAT address may fit hundreds of clients: list a few, count all


def snat_records(records: pl.DataFrame, firewall: FirewallAddresses) -> pl.DataFrame:
    """Allow records of ``firewall`` whose connection the firewall SNATs (``src_ip``, ``time``).

    The few distinct destinations are tested against the private ranges once; a single lazy
    filter then copies only the two projected columns of the matching rows.
    """
    private = [
        ipaddress.ip_network(prefix, strict=False) for prefix in firewall.snat_private_ranges
    ]
    destinations = records.get_column("dst_ip").drop_nulls().unique().to_list()
    snat_destinations = [ip for ip in destinations if not _inside(ip, private)]
    snats = (pl.col("kind") == "application") | pl.col("dst_ip").is_in(snat_destinations)
    return collect(
        records.lazy()
        .filter(
            pl.col("verdict_action") == "allow",
            of_firewall(records, firewall.name),
            ~pl.col("retry"),
            snats.fill_null(True),
        )
        .select("src_ip", "time")
    )


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


SNAT_FITS_SCHEMA: dict[str, pl.DataType] = {
    "candidates": pl.List(pl.String),
    "n_candidates": pl.Int64(),
}


def stitch_snat_requests(
    requests: pl.DataFrame, records: pl.DataFrame, ctx: CorrelationContext
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(requests with ``client_ip``, ``snat_fit`` and ``n_candidates``; the fits table).

    ``requests`` is time-ordered. A SNATed request's ``snat_fit`` is its row in the fits table
    (``candidates``: the first few fitting clients, sorted; ``n_candidates``: how many fit);
    other requests, and SNATed ones that fit no client, have a null ``snat_fit``, 0 candidates
    and keep their caller as client. Each row finds its segment by an as-of join of the time
    column alone, so no candidate list is copied per request.
    """
    tables: list[pl.DataFrame] = []
    row_fits: list[pl.Expr] = []
    for firewall in ctx.firewalls:
        mine = pl.col("snat_firewall") == firewall.name
        if not requests.select(mine.any()).item():
            continue
        segments = candidate_segments(snat_records(records, firewall), ctx)
        first = sum(table.height for table in tables)
        positions = segments.select(
            "seg_start", pl.int_range(first, first + pl.len(), dtype=pl.UInt32).alias("fit")
        )
        found = requests.select("time").join_asof(
            positions,
            left_on="time",
            right_on="seg_start",
            strategy="backward",
            check_sortedness=False,
        )
        row_fits.append(pl.when(mine).then(found.get_column("fit")))
        tables.append(segments.select("candidates", "n_candidates"))
    table = pl.concat(tables) if tables else pl.DataFrame(schema=SNAT_FITS_SCHEMA)
    none = pl.repeat(None, pl.len(), dtype=pl.UInt32)
    fit_of_row = pl.coalesce(*row_fits) if row_fits else none
    fit = requests.select(fit_of_row.alias("snat_fit")).to_series()
    sole = table.select(
        pl.when(pl.col("n_candidates") == 1).then(pl.col("candidates").list.first())
    ).to_series()
    stitched = requests.with_columns(
        pl.coalesce(sole.gather(fit), pl.col("caller_ip")).alias("client_ip"),
        fit,
        table.get_column("n_candidates").gather(fit).fill_null(0),
    )
    return stitched, table
