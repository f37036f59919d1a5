"""NSG flow logs (v1, v2) and VNet flow logs (v4) -> ``flows``.

The raw frame (built by the file source) has one row per flow tuple string plus the record
context (``time``, resource id, ``rule``, MAC, ``version``). Tuples look alike but differ:

- NSG v1: ``time,src,dst,sport,dport,proto(T|U),dir(I|O),decision(A|D)``
- NSG v2: v1 + ``state(B|C|E),pkts s->d,bytes s->d,pkts d->s,bytes d->s`` (counters empty on B)
- VNet v4: ``time,src,dst,sport,dport,proto(6|17|1),dir,state(B|C|E|D),encryption,
  pkts sent,bytes sent,pkts received,bytes received`` — no decision field: state ``D`` is a deny,
  protocol is an IANA number, counters are ``0`` on B, and the time may be in milliseconds.
"""

from __future__ import annotations

import polars as pl

from netlogs.normalize.common import ROW_ID, epoch_seconds_or_ms, last_segment, pick, text
from netlogs.schemas import FLOWS, conform

_IANA_PROTOCOL = {"6": "T", "17": "U", "1": "I", "58": "I"}
_FIELDS_BY_VERSION = {1: 8, 2: 13, 4: 13}


def _field(index: int) -> pl.Expr:
    value = pl.col("_f").list.get(index, null_on_oob=True).str.strip_chars()
    return pl.when(value.str.len_bytes() > 0).then(value)


def _counter(index: int) -> pl.Expr:
    return _field(index).cast(pl.Int64, strict=False)


def _split_tuples(frame: pl.DataFrame, default_version: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split tuple strings; rows with the wrong field count or a bad time/IP are unparsed."""
    version = pick(frame, "version").cast(pl.Int64, strict=False).fill_null(default_version)
    split = frame.with_columns(
        pl.col("tuple").cast(pl.String).str.split(",").alias("_f"), version.alias("_version")
    )
    expected = pl.col("_version").replace_strict(
        _FIELDS_BY_VERSION, default=None, return_dtype=pl.Int64
    )
    ok = (
        (pl.col("_f").list.len() == expected)
        & _field(0).str.contains(r"^\d+$")
        & _field(1).is_not_null()
        & _field(2).is_not_null()
    ).fill_null(False)
    unparsed = split.filter(~ok).select("_line", ROW_ID, pl.col("tuple").alias("msg"))
    return split.filter(ok), unparsed


def _common(frame: pl.DataFrame) -> list[pl.Expr]:
    time = epoch_seconds_or_ms(_field(0))
    return [
        time.alias("time_start"),
        time.alias("time_end"),
        _field(1).alias("src_ip"),
        _field(2).alias("dst_ip"),
        _field(3).cast(pl.Int32, strict=False).alias("src_port"),
        _field(4).cast(pl.Int32, strict=False).alias("dst_port"),
        _field(6).str.to_uppercase().alias("direction"),
        text(frame, "rule").alias("rule"),
        pl.lit(1, dtype=pl.Int64).alias("flow_count"),
        pl.col(ROW_ID).alias("row_id"),
    ]


def normalize_nsg_flow_tuples(
    frame: pl.DataFrame, source_table: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """NSG flow log tuples (v1 and v2) -> (flows, unparsed tuples)."""
    good, unparsed = _split_tuples(frame, default_version=2)
    v2 = pl.col("_version") == 2
    out = good.select(
        *_common(good),
        _field(5).str.to_uppercase().alias("protocol"),
        _field(7)
        .replace_strict({"A": "allowed", "D": "denied"}, default=None, return_dtype=pl.String)
        .alias("decision"),
        pl.when(v2).then(_field(8)).alias("flow_state"),
        text(good, "mac").alias("nic"),
        last_segment(pick(good, "resourceId")).alias("_nsg"),
        pl.when(v2).then(pl.sum_horizontal(_counter(9), _counter(11))).alias("packets"),
        pl.when(v2).then(pl.sum_horizontal(_counter(10), _counter(12))).alias("bytes"),
        pl.when(v2).then(pl.lit("nsg_v2")).otherwise(pl.lit("nsg_v1")).alias("flow_log_kind"),
        pl.lit(source_table).alias("source_table"),
    )
    # sum_horizontal turns all-null counters (state B) into 0; keep them null as logged.
    out = out.with_columns(
        pl.when(pl.col("flow_state") == "B").then(None).otherwise(pl.col(c)).alias(c)
        for c in ("packets", "bytes")
    )
    return conform(out, FLOWS), unparsed


def normalize_vnet_flow_tuples(
    frame: pl.DataFrame, source_table: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """VNet flow log v4 tuples -> (flows, unparsed tuples)."""
    good, unparsed = _split_tuples(frame, default_version=4)
    state = _field(7).str.to_uppercase()
    target = text(good, "targetResourceID", "targetResourceId")
    out = good.select(
        *_common(good),
        _field(5)
        .replace_strict(_IANA_PROTOCOL, default=_field(5), return_dtype=pl.String)
        .alias("protocol"),
        pl.when(state == "D").then(pl.lit("denied")).otherwise(pl.lit("allowed")).alias("decision"),
        state.alias("flow_state"),
        _field(8).alias("flow_encryption"),
        text(good, "macAddress", "mac").alias("nic"),
        pl.when(target.str.contains("(?i)/subnets/")).then(target).alias("subnet"),
        pl.sum_horizontal(_counter(9), _counter(11)).alias("packets"),
        pl.sum_horizontal(_counter(10), _counter(12)).alias("bytes"),
        pl.lit("vnet_v4").alias("flow_log_kind"),
        pl.lit(source_table).alias("source_table"),
    )
    return conform(out, FLOWS), unparsed
