"""The kusto engine's answer as ``CorrelatedEvidence``: the facts, citations and firewalls seen
the verdict rules read, built from the rows Kusto returned (never from raw log rows).

Citations follow the local engine's rule (``cited_ends``): per client, family and outcome the
first and the last rows in time, selected by the server.
"""

from __future__ import annotations

import polars as pl

from netlogs.correlate.citations import CitedEvidence
from netlogs.correlate.context import TIMELINE_PER_KIND
from netlogs.correlate.engine import CorrelatedEvidence, citations_of
from netlogs.correlate.kusto_facts import facts_frame
from netlogs.schemas import TIMELINE, UTC_TIME


def kusto_correlated(
    facts_rows: pl.DataFrame,
    cited_rows: pl.DataFrame,
    firewalls: pl.DataFrame,
    *,
    with_timeline: bool,
) -> CorrelatedEvidence:
    """``CorrelatedEvidence`` from the three answers (facts_clients, facts_cited, and the
    ``firewall`` rows of facts_sources: ``Firewall`` names, empty for unnamed records)."""
    facts = facts_frame(facts_rows)
    names = firewalls.get_column("Firewall").cast(pl.String).fill_null("").to_list()
    cited = _cited(cited_rows)
    timeline = _timeline(cited_rows) if with_timeline else pl.DataFrame(schema=dict(TIMELINE))
    evidence = CitedEvidence(cited=cited, omitted=_omitted(cited_rows, cited), timeline=timeline)
    counts = [_value_counts(cited_rows, "http_status"), _value_counts(cited_rows, "operation")]
    return CorrelatedEvidence(
        client_ips=tuple(str(ip) for ip in facts.get_column("client_ip").to_list()),
        clients=facts,
        firewalls_seen=frozenset(name.lower() for name in names if name),
        unnamed_firewall_rows=any(not name for name in names),
        requests=pl.DataFrame(),  # the attributed requests stay on the server
        citations=citations_of(evidence, counts),
    )


def _part(rows: pl.DataFrame, part: str) -> pl.DataFrame:
    return rows.filter(pl.col("part") == part)


def _time(rows: pl.DataFrame) -> pl.Expr:
    dtype = rows.schema["ts"]
    if isinstance(dtype, pl.Datetime):
        stamp = pl.col("ts").cast(pl.Datetime("us", dtype.time_zone))
        return stamp.dt.replace_time_zone("UTC") if dtype.time_zone is None else stamp
    return pl.col("ts").cast(pl.String).str.to_datetime(time_zone="UTC", time_unit="us")


def _cited(rows: pl.DataFrame) -> pl.DataFrame:
    """Cited rows sorted by client, time, row id (what ``rows_by_client`` expects)."""
    cited = _part(rows, "cited")
    return cited.select(
        _time(cited).cast(UTC_TIME).alias("time"),
        pl.col("client_ip").cast(pl.String),
        pl.col("family").cast(pl.String),
        pl.col("table_name").cast(pl.String).alias("table"),
        pl.col("row_id").cast(pl.String),
        pl.col("summary").cast(pl.String),
    ).sort("client_ip", "time", "row_id")


def _omitted(rows: pl.DataFrame, cited: pl.DataFrame) -> pl.DataFrame:
    totals = _part(rows, "total").group_by("client_ip").agg(pl.col("n").sum().cast(pl.Int64))
    shown = cited.group_by("client_ip").len()
    joined = totals.join(shown, on="client_ip", how="left").with_columns(pl.col("len").fill_null(0))
    left = (pl.col("n") - pl.col("len")).alias("omitted")
    return joined.select("client_ip", left).filter(pl.col("omitted") > 0)


def _timeline(rows: pl.DataFrame) -> pl.DataFrame:
    """The cited rows, at most ``TIMELINE_PER_KIND`` per client and family (its first ones, as
    the local engine draws them)."""
    cited = _part(rows, "cited")
    drawn = cited.select(
        _time(cited).cast(UTC_TIME).alias("time"),
        pl.col("client_ip").cast(pl.String),
        pl.col("family").cast(pl.String),
        pl.col("label").cast(pl.String),
        pl.col("outcome").cast(pl.String),
        pl.col("row_id").cast(pl.String),
    ).sort("time", "client_ip", "row_id")
    first = pl.int_range(pl.len()).over("client_ip", "family") < TIMELINE_PER_KIND
    return drawn.filter(first)


def _value_counts(rows: pl.DataFrame, part: str) -> pl.DataFrame:
    """One row per client: its values (sorted, empty reads ``unknown``) and their counts."""
    key = pl.col("key").cast(pl.String)
    return (
        _part(rows, part)
        .select(
            pl.col("client_ip").cast(pl.String),
            pl.when(key.str.len_bytes() > 0).then(key).otherwise(pl.lit("unknown")).alias("k"),
            pl.col("n").cast(pl.UInt32).alias("len"),
        )
        .group_by("client_ip", "k")
        .agg(pl.col("len").sum())
        .sort("client_ip", "k")
        .group_by("client_ip", maintain_order=True)
        .agg("k", "len")
    )
