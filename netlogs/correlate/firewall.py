"""Firewall records that concern the vault, and which vault requests they cover.

Azure Firewall writes one record per TCP connection, Key Vault one per request, and SDKs keep a
connection open for minutes: a request is covered by the latest Allow connection record of the
same client before it, within the reuse window plus clock-skew tolerance.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from netlogs.correlate.context import CorrelationContext
from netlogs.correlate.ipkeys import spellings, with_ipv4_key
from netlogs.frames import collect, keep_rows, with_computed, within

RETRY_GAP = timedelta(seconds=30)  # SYN retries of one connection arrive within seconds


def vault_hosts(ctx: CorrelationContext) -> list[str]:
    """Names an application rule may log for the vault (public and privatelink)."""
    return sorted(
        {ctx.vault.host.lower(), f"{ctx.vault.name.lower()}.privatelink.vaultcore.azure.net"}
    )


def vault_firewall_records(fw_events: pl.DataFrame, ctx: CorrelationContext) -> pl.DataFrame:
    """Network/application records for client -> PE:443, vault public IP:443 or vault FQDN.

    Adds ``verdict_action`` (allow/deny), ``in_window``, ``src_key``, ``src_id`` (numbers
    the source addresses, for grouping: see ``with_ipv4_key``) and ``retry`` (a SYN
    retry of the previous record: consumers skip those rows). The cheap destination test runs
    first on the whole table; the other tests only on the vault's rows.
    """
    start = ctx.window.start - ctx.reuse_window - ctx.clock_skew
    end = ctx.window.end + ctx.clock_skew
    vault_ips = [*ctx.private_endpoint_ips, *ctx.vault.public_ips]  # may be empty: FQDN only
    to_vault_ip = pl.col("dst_ip").is_in(vault_ips)
    to_vault_name = pl.col("fqdn").is_in(spellings(fw_events, "fqdn", vault_hosts(ctx)))
    https = pl.col("dst_port").is_null() | (pl.col("dst_port") == 443) | to_vault_name
    rows = keep_rows(fw_events, (to_vault_ip | to_vault_name).fill_null(False))
    rows = within(rows, "time", start, end)
    actions = spellings(rows, "action", ["allow", "deny", "drop"])  # compared once, any case
    allows = [name for name in actions if name.lower() == "allow"]
    records = keep_rows(
        rows,
        (pl.col("kind").is_null() | pl.col("kind").is_in(["network", "application"]))
        & pl.col("action").is_in(actions).fill_null(False)
        & https.fill_null(False),
    )
    records = with_computed(
        records,
        pl.when(pl.col("action").is_in(allows))
        .then(pl.lit("allow"))
        .otherwise(pl.lit("deny"))
        .alias("verdict_action"),
        pl.col("time").is_between(ctx.window.start, ctx.window.end).alias("in_window"),
    )
    # no rechunk: a filtered Parquet scan arrives in ~80 chunks, but copying all columns into
    # one costs more (time and peak memory) than the later windows and joins lose on chunks
    return _mark_retries(with_ipv4_key(records, "src_ip", "src_key", "src_id"))


def _mark_retries(records: pl.DataFrame) -> pl.DataFrame:
    """Time-ordered records with ``retry`` set on SYN retries (kept, so the table isn't copied).

    An IPv4 address and source port identify a connection for the few seconds retries take
    (ephemeral ports are not reused that fast); a record less than ``RETRY_GAP`` after the
    previous one of its connection is a retry. Rows without IPv4 key or port never are.
    Only a narrow numeric frame is re-sorted to find the retries.
    """
    ordered = records if records.get_column("time").is_sorted() else records.sort("time")
    # numbered addresses (src_id) times ports: UInt32 while the addresses fit, sorted faster
    numbers = ordered.get_column("src_id").max()
    wide = pl.UInt32 if numbers is None or int(numbers) < 65536 else pl.UInt64  # type: ignore[arg-type]
    connection = pl.when(pl.col("src_key").is_not_null()).then(
        pl.col("src_id").cast(wide) * 65536 + pl.col("src_port").cast(wide)
    )
    keys = ordered.lazy().select(
        connection.alias("conn"), "time", pl.int_range(pl.len()).alias("i")
    )
    retry = (pl.col("conn") == pl.col("conn").shift(1)) & (
        pl.col("time") - pl.col("time").shift(1) <= RETRY_GAP
    )
    # the rows are time-ordered: a stable sort on the connection alone orders by (conn, time)
    # at a third of the cost of a two-key sort, and ties keep the input order. On one thread:
    # the worker lane keeps the other core busy, and polars' parallel sort cost 0.058 -> 0.028
    # to 0.037 s CPU (wall 0.12 -> 0.06-0.07 s) at 0.3x (8 interleaved runs, load 6, same rows)
    by_connection = keys.sort("conn", maintain_order=True, multithreaded=False)
    found = collect(by_connection.filter(retry.fill_null(False)).select("i"))
    retries = found.get_column("i")
    flags = pl.Series("retry", [False], dtype=pl.Boolean).new_from_index(0, ordered.height)
    return ordered.with_columns(flags.scatter(retries, True) if retries.len() else flags)


def of_firewall(records: pl.DataFrame, name: str) -> pl.Expr:
    """Rows of firewall ``name`` (any letter case), or without a firewall name.

    Compares the few distinct names once instead of lower-casing every row.
    """
    return pl.col("firewall").is_null() | pl.col("firewall").is_in(
        spellings(records, "firewall", [name])
    )


def covering_records(records: pl.DataFrame, ctx: CorrelationContext) -> pl.DataFrame:
    """Allow records that may prove traversal: of the required firewall, or any without a rule.

    Rows without a firewall name (some exports drop it) are accepted for any firewall.
    """
    wanted = (pl.col("verdict_action") == "allow") & ~pl.col("retry")
    if ctx.required_firewall is not None:
        wanted = wanted & of_firewall(records, ctx.required_firewall)
    # the address string only serves rows without an IPv4 key (IPv6), usually none
    by_string = ["src_ip"] if records.get_column("src_key").null_count() else []
    # lazy: the filter copies only the projected columns
    return collect(
        records.lazy()
        .filter(wanted)
        .select(
            *by_string,
            "src_key",
            (pl.col("time") - ctx.clock_skew).alias("_reach_from"),
            pl.col("firewall").alias("covering_firewall"),
            pl.col("row_id").alias("covering_row"),
        )
    )  # records are time-ordered, so _reach_from is too


def with_coverage(
    requests: pl.DataFrame, allows: pl.DataFrame, ctx: CorrelationContext
) -> pl.DataFrame:
    """Join each request to the latest covering Allow before it (by client), if recent enough.

    A record at ``t_fw`` covers a request at ``t`` when ``t - reuse - skew <= t_fw <= t + skew``:
    an as-of join (backward) on ``t_fw - skew`` with tolerance ``reuse + 2 * skew``. IPv4 clients
    join on UInt32 keys; anything else (IPv6) on the address string.
    """
    tolerance = ctx.reuse_window + 2 * ctx.clock_skew
    ordered = requests if requests.get_column("time").is_sorted() else requests.sort("time")
    v4, v6 = _split_ipv4(ordered, "client_key")
    columns = [*ordered.columns, "covering_firewall", "covering_row"]
    joined_v4 = v4.join_asof(  # keyless allows never match: every request here has a key
        allows.drop("src_ip", strict=False),
        left_on="time",
        right_on="_reach_from",
        by_left="client_key",
        by_right="src_key",
        strategy="backward",
        tolerance=tolerance,
        check_sortedness=False,
    ).select(columns)
    if v6.height == 0:
        return joined_v4
    joined_v6 = v6.join_asof(
        _keyless(allows),
        left_on="time",
        right_on="_reach_from",
        by_left="client_ip",
        by_right="src_ip",
        strategy="backward",
        tolerance=tolerance,
        check_sortedness=False,
    ).select(columns)
    both = pl.concat([joined_v4, joined_v6])
    return both.sort("time", maintain_order=True)


def _keyless(allows: pl.DataFrame) -> pl.DataFrame:
    """Allows without an IPv4 key (``src_ip`` is only kept when there are such rows)."""
    if "src_ip" not in allows.columns:
        return allows.clear().drop("src_key").with_columns(pl.lit(None, pl.String).alias("src_ip"))
    return allows.filter(pl.col("src_key").is_null()).drop("src_key")


def _split_ipv4(frame: pl.DataFrame, key: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows with an IPv4 ``key``, the others); no copy when every address is IPv4."""
    if frame.get_column(key).null_count() == 0:
        return frame, frame.clear()
    keyed = pl.col(key).is_not_null()
    return frame.filter(keyed), frame.filter(~keyed)
