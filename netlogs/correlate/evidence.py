"""Evidence rows cited per flow and the timeline rows for the HTML report.

Each source frame arrives sorted by time, so a client's rows in frame order are its rows in
time. Only the first and last ``evidence_per_kind`` rows of each (client, family) group are cited
(the rest are counted), and the first ``timeline_per_kind`` are drawn; one group-by collects
their positions and summaries are formatted after that cut, so a million-row table costs one
grouping, not a million strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import polars as pl

from netlogs.correlate.bulk import gc_paused, named_tuples
from netlogs.correlate.context import CorrelationContext
from netlogs.model import EvidenceRow, LogFamily


class FamilyEvidence(NamedTuple):
    """One log family's share: cited rows with summaries, timeline rows, rows per client."""

    cited: pl.DataFrame
    timeline: pl.DataFrame
    counts: pl.DataFrame


@dataclass(frozen=True)
class CitedEvidence:
    """The cited rows (one frame, sorted by client, time, row id; ``rows_by_client`` turns it
    into ``EvidenceRow`` tuples), rows not cited per client, and the timeline rows."""

    cited: pl.DataFrame
    omitted: Mapping[str, int]
    timeline: pl.DataFrame


def _text(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String).fill_null("?")


def request_evidence(requests: pl.DataFrame, ctx: CorrelationContext) -> FamilyEvidence:
    """The Key Vault family: attributed requests, by original client."""
    status = _text(pl.col("http_status"))
    stitched = pl.when(pl.col("client_ip") != pl.col("caller_ip")).then(
        pl.concat_str(pl.lit(" (SNAT of "), pl.col("client_ip"), pl.lit(")"))
    )
    summary = pl.concat_str(
        [
            _text(pl.col("operation")),
            pl.lit(" "),
            status,
            pl.when(pl.col("error_code").is_not_null()).then(
                pl.concat_str(pl.lit(" "), pl.col("error_code"))
            ),
            pl.lit(" caller "),
            _text(pl.col("caller_ip")),
            stitched,
            pl.lit(" via "),
            pl.col("arrival"),
            pl.when(pl.col("covering_row").is_not_null()).then(
                pl.concat_str(pl.lit(", covered by "), pl.col("covering_row"))
            ),
        ],
        ignore_nulls=True,
    )
    challenge = (pl.col("operation") == "Authentication") & (pl.col("http_status") == 401)
    outcome = (
        pl.when(pl.col("network_denied"))
        .then(pl.lit("denied"))
        .when((pl.col("http_status") >= 400) & ~challenge)
        .then(pl.lit("error"))
        .otherwise(pl.lit("ok"))
    )
    label = pl.concat_str(_text(pl.col("operation")), pl.lit(" "), status)
    return _shape(
        requests,
        LogFamily.KEYVAULT,
        time=pl.col("time"),
        summary=summary,
        label=label,
        outcome=outcome,
        ctx=ctx,
    )


def _endpoint(ip: str, port: str) -> pl.Expr:
    return pl.concat_str(
        [
            _text(pl.col(ip)),
            pl.when(pl.col(port).is_not_null()).then(
                pl.concat_str(pl.lit(":"), pl.col(port).cast(pl.String))
            ),
        ],
        ignore_nulls=True,
    )


def firewall_evidence(records: pl.DataFrame, ctx: CorrelationContext) -> FamilyEvidence:
    """The firewall family: records to the vault, by source address (SYN retries left out)."""
    dst_name = pl.when(pl.col("kind") == "application").then(pl.col("fqdn"))
    destination = pl.concat_str(
        [
            pl.coalesce(dst_name, pl.col("dst_ip"), pl.col("fqdn")).fill_null("?"),
            pl.when(pl.col("dst_port").is_not_null()).then(
                pl.concat_str(pl.lit(":"), pl.col("dst_port").cast(pl.String))
            ),
        ],
        ignore_nulls=True,
    )
    rule = pl.coalesce(pl.col("rule"), pl.col("action_reason"))
    summary = pl.concat_str(
        [
            _endpoint("src_ip", "src_port"),
            pl.lit(" -> "),
            destination,
            pl.lit(" "),
            _text(pl.col("action")),
            pl.when(rule.is_not_null()).then(pl.concat_str(pl.lit(" (rule "), rule, pl.lit(")"))),
            pl.when(pl.col("firewall").is_not_null()).then(
                pl.concat_str(pl.lit(" on "), pl.col("firewall"))
            ),
        ],
        ignore_nulls=True,
    )
    label = pl.concat_str([_text(pl.col("action")), rule], separator=" ", ignore_nulls=True)
    outcome = (
        pl.when(pl.col("verdict_action") == "deny").then(pl.lit("denied")).otherwise(pl.lit("ok"))
    )
    return _shape(
        records,
        LogFamily.FIREWALL,
        client="src_ip",
        time=pl.col("time"),
        summary=summary,
        label=label,
        outcome=outcome,
        ctx=ctx,
    )


def flow_evidence(flows: pl.DataFrame, ctx: CorrelationContext) -> FamilyEvidence:
    """The flow-log family: outbound flows to the vault, by source address."""
    decision = pl.when(pl.col("denied")).then(pl.lit("Deny")).otherwise(pl.lit("Allow"))
    summary = pl.concat_str(
        [
            _endpoint("src_ip", "src_port"),
            pl.lit(" -> "),
            _endpoint("dst_ip", "dst_port"),
            pl.lit(" "),
            decision,
            pl.when(pl.col("flow_state").is_not_null()).then(
                pl.concat_str(pl.lit(" state "), pl.col("flow_state"))
            ),
            pl.when(pl.col("rule").is_not_null()).then(
                pl.concat_str(pl.lit(" (rule "), pl.col("rule"), pl.lit(")"))
            ),
        ],
        ignore_nulls=True,
    )
    label = pl.concat_str(
        [pl.col("direction"), pl.col("flow_state"), _endpoint("dst_ip", "dst_port")],
        separator=" ",
        ignore_nulls=True,
    )
    outcome = pl.when(pl.col("denied")).then(pl.lit("denied")).otherwise(pl.lit("ok"))
    return _shape(
        flows,
        LogFamily.FLOW,
        client="src_ip",
        time=pl.col("time_start"),
        summary=summary,
        label=label,
        outcome=outcome,
        ctx=ctx,
    )


def _positions(frame: pl.DataFrame, client: str, first: int, last: int) -> pl.DataFrame:
    """Per client: ``_first``/``_last`` (positions in ``frame`` of its first/last rows), ``count``.

    Frames are time-ordered, so a client's first rows are its earliest. Firewall SYN retries
    are neither cited nor counted. Only the client column and row positions are read: the
    wide columns are gathered later, for the kept rows.
    """
    narrow = frame.select(
        pl.col(client).alias("client_ip"),
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"),
        *(["retry"] if "retry" in frame.columns else []),
    )
    if "retry" in narrow.columns:
        narrow = narrow.filter(~pl.col("retry"))
    return narrow.group_by("client_ip").agg(
        pl.col("_row").head(first).alias("_first"),
        pl.col("_row").tail(last).alias("_last"),
        pl.len().alias("count"),
    )


def _gathered(frame: pl.DataFrame, rows: pl.DataFrame, used: list[pl.Expr]) -> pl.DataFrame:
    """The columns ``used`` reads, for ``rows`` only, next to their ``client_ip``."""
    names = {name for expr in used for name in expr.meta.root_names()} - {"client_ip"}
    columns = [c for c in frame.columns if c in names]
    picked = frame.select(pl.col(columns).gather(rows.get_column("_row")))
    return picked.hstack([rows.get_column("client_ip")])


def _shape(
    frame: pl.DataFrame,
    family: LogFamily,
    *,
    client: str = "client_ip",
    time: pl.Expr,
    summary: pl.Expr,
    label: pl.Expr,
    outcome: pl.Expr,
    ctx: CorrelationContext,
) -> FamilyEvidence:
    """(cited rows with summaries, timeline rows, row count per client) for one family.

    Summaries are formatted only for cited rows and timeline labels only for drawn rows, each
    reading only its own columns.
    """
    per_kind, drawn = ctx.evidence_per_kind, ctx.timeline_per_kind
    positions = _positions(frame, client, max(per_kind, drawn), per_kind)
    first = pl.col("_first")
    cited_rows = positions.select(  # a client with few rows has them in both lists: once each
        "client_ip",
        pl.concat_list(first.list.head(per_kind), "_last").list.unique().list.sort().alias("_row"),
    )
    row_id, table = pl.col("row_id").fill_null("?"), pl.col("source_table").fill_null("?")
    cited = _gathered(frame, _exploded(cited_rows), [time, summary, row_id, table]).select(
        time.alias("time"),
        "client_ip",
        pl.lit(family.value).alias("family"),
        table.alias("table"),
        row_id,
        summary.alias("summary"),
    )
    drawn_rows = positions.select("client_ip", first.list.head(drawn).alias("_row"))
    # in frame order (time, then input order), as the stable timeline sort expects
    drawn_rows = _exploded(drawn_rows).sort("_row")
    timeline = _gathered(frame, drawn_rows, [time, label, outcome, row_id]).select(
        time.alias("time"),
        "client_ip",
        pl.lit(family.value).alias("family"),
        label.alias("label"),
        outcome.alias("outcome"),
        row_id,
    )
    return FamilyEvidence(cited, timeline, positions.select("client_ip", "count"))


def _exploded(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.explode("_row").drop_nulls("_row")


def cite_evidence(parts: list[FamilyEvidence]) -> CitedEvidence:
    """Cited evidence per client (capped, sorted by time then row id) and the timeline frame.

    ``parts`` come in a fixed family order (Key Vault, firewall, flow): with the stable sorts
    below, rows at the same moment keep that order.
    """
    cited = pl.concat([p.cited for p in parts]).sort("client_ip", "time", maintain_order=True)
    timeline = pl.concat([p.timeline for p in parts]).sort("time", maintain_order=True)
    totals = pl.concat([p.counts for p in parts]).group_by("client_ip").agg(pl.col("count").sum())
    return CitedEvidence(cited, _omitted(cited, totals), timeline)


def rows_by_client(cited: pl.DataFrame) -> dict[str, tuple[EvidenceRow, ...]]:
    """EvidenceRow tuples per client; ``cited`` is sorted by client, time, row id.

    Columns are converted in bulk and the rows built by one ``map`` (no per-row Python
    statements); each client's rows are one contiguous slice of the sorted frame.
    """
    families = {family.value: family for family in LogFamily}
    kinds = map(families.__getitem__, cited.get_column("family").to_list())
    columns = [cited.get_column(c).to_list() for c in ("table", "row_id", "time", "summary")]
    with gc_paused():
        rows = named_tuples(EvidenceRow, kinds, *columns)
    runs = cited.get_column("client_ip").rle().struct.unnest()
    lengths, clients = (runs.get_column(c).to_list() for c in ("len", "value"))
    result: dict[str, tuple[EvidenceRow, ...]] = {}
    start = 0
    for length, client in zip(lengths, clients, strict=True):
        result[client] = tuple(rows[start : start + length])
        start += length
    return result


def _omitted(cited: pl.DataFrame, totals: pl.DataFrame) -> dict[str, int]:
    shown = cited.group_by("client_ip").len()
    joined = totals.join(shown, on="client_ip", how="left").with_columns(
        (pl.col("count") - pl.col("len").fill_null(0)).alias("omitted")
    )
    return {c: int(n) for c, n in joined.select("client_ip", "omitted").iter_rows() if n > 0}
