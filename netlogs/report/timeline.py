"""The data behind the HTML timeline: plotly trace dicts built with polars, no plotly import.

One lane per client; inside it, vault requests, firewall records and flow records sit at slightly
different heights. Up to ``RAW_LIMIT`` records are drawn one marker each. Beyond that the records
are counted per client x family x outcome x detail (HTTP status or firewall action) x time bucket,
so a million rows become at most ``AGGREGATE_LIMIT`` markers and the browser stays responsive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import polars as pl

from netlogs import schemas
from netlogs.model import TraceResult
from netlogs.report.safe_text import INVISIBLE_CHARS, neutralise, shorten, visible_code
from netlogs.report.vocabulary import ip_sort_key

RAW_LIMIT = 20_000
SVG_LIMIT = 10_000  # up to this many markers SVG is fast, prints well and needs no WebGL
AGGREGATE_LIMIT = 60_000
MAX_LANES = 150
TARGET_BUCKETS = 400
# WebGL drawing buffers are commonly capped at 4096 px; a taller plot misplaces its markers.
MAX_HEIGHT = 4_000

_BUCKETS = tuple(
    timedelta(seconds=s)
    for s in (1, 5, 10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400)
) + tuple(timedelta(days=d) for d in (2, 7, 14, 30, 90, 365))

FAMILY_NAME = {
    "keyvault": "Key Vault request",
    "firewall": "Firewall record",
    "flow": "Flow record",
}
_ACTIONS = ("Allow", "Allowed", "Deny", "Denied", "Drop", "Alert", "DNAT", "Request")
_FAMILY_RANK = {"keyvault": 0, "firewall": 1, "flow": 2}
_FAMILY_OFFSET = {"keyvault": -0.25, "firewall": 0.0, "flow": 0.25}
_FAMILY_SYMBOL = {"keyvault": "circle", "firewall": "diamond", "flow": "square"}
_OUTCOME_COLOR = {"ok": "#2e7d32", "denied": "#c62828", "error": "#ef6c00"}
_OTHER_COLOR = "#546e7a"


@dataclass(frozen=True)
class Timeline:
    """What the template needs: plotly data + layout, and a sentence on how it was drawn."""

    traces: list[dict[str, Any]]
    layout: dict[str, Any]
    note: str
    records: int


def plot_text(value: object, limit: int = 120) -> str:
    """Text for plotly labels: plotly reads a small HTML subset there, so escape it to entities."""
    text = shorten(neutralise(value), limit)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_WHITESPACE = {"\t": " ", "\n": " ", "\r": " "}
_SHOWN = {c: visible_code(c) for c in INVISIBLE_CHARS} | _WHITESPACE


def plot_text_expr(column: str | pl.Expr, limit: int = 120) -> pl.Expr:
    """``plot_text`` as a vectorized polars expression (for per-record hover text)."""
    expr = pl.col(column) if isinstance(column, str) else column
    text = expr.cast(pl.String).fill_null("").str.replace_many(_SHOWN)
    cut = (
        pl.when(text.str.len_chars() > limit)
        .then(text.str.slice(0, limit - 1) + pl.lit("…"))
        .otherwise(text)
    )
    return cut.str.replace_many(_HTML_ENTITIES)


def timeline_records(result: TraceResult) -> pl.DataFrame:
    """The correlated timeline, or (for a result read back from JSON) the cited evidence rows."""
    if result.timeline is not None:
        return result.timeline.select(list(schemas.TIMELINE)).cast(pl.Schema(schemas.TIMELINE))
    rows = [
        (e.time, f.client_ip, e.source.value, e.summary, "cited", e.row)
        for f in result.flows
        for e in f.evidence
    ]
    return pl.DataFrame(rows, schema=dict(schemas.TIMELINE), orient="row")


def build_timeline(result: TraceResult) -> Timeline:
    """Traces and layout for the whole result, raw or aggregated depending on its size."""
    records = timeline_records(result)
    lanes, note = _lanes(records, result)
    if records.is_empty() or not lanes:
        return Timeline([], _layout(lanes, result), "No records to draw.", 0)
    frame = (
        records.filter(pl.col("client_ip").is_in(list(lanes)))
        .with_columns(
            lane=pl.col("client_ip").replace_strict(lanes, return_dtype=pl.Float64)
            + pl.col("family").replace_strict(
                _FAMILY_OFFSET, default=0.15, return_dtype=pl.Float64
            ),
            x=pl.col("time").dt.epoch("ms"),
            outcome=pl.col("outcome").fill_null("unknown"),
        )
        .with_columns(detail=_detail())
        .with_columns(outcome=_cited_outcome())
    )
    if frame.height <= RAW_LIMIT:
        traces, how = _raw_traces(frame), "one marker per record"
    else:
        traces, how = _aggregated_traces(frame, result)
    if sum(len(t["x"]) for t in traces) <= SVG_LIMIT:
        for trace in traces:
            trace["type"] = "scatter"
    layout = _layout(lanes, result)
    sentence = f"{records.height:,} record(s), {how}." + (f" {note}" if note else "")
    return Timeline(traces=traces, layout=layout, note=sentence, records=records.height)


def _lanes(records: pl.DataFrame, result: TraceResult) -> tuple[dict[str, float], str]:
    """Client IP -> lane number, busiest ``MAX_LANES`` clients kept, in IP order."""
    counts = (
        records.group_by("client_ip").len().sort(["len", "client_ip"], descending=[True, False])
    )
    kept = counts.head(MAX_LANES)["client_ip"].to_list()
    for flow in result.flows:  # clients with a verdict but no records still get a lane
        if len(kept) < MAX_LANES and flow.client_ip not in kept:
            kept.append(flow.client_ip)
    ordered = sorted(kept, key=ip_sort_key)
    dropped = counts.height - len([c for c in counts["client_ip"] if c in set(kept)])
    note = f"{dropped} quieter client(s) are not drawn; see the tables below." if dropped else ""
    return {ip: float(i) for i, ip in enumerate(ordered)}, note


def _series_key(frame: pl.DataFrame) -> pl.DataFrame:
    """Stable order: vault, firewall, flow families first (legend order), then time."""
    rank = pl.col("family").replace_strict(
        _FAMILY_RANK, default=len(_FAMILY_RANK), return_dtype=pl.Int32
    )
    return frame.sort([rank, "family", "outcome", "detail", "x", "lane", "row_id"], nulls_last=True)


def _traces(frame: pl.DataFrame, sizes: pl.Expr) -> list[dict[str, Any]]:
    """One trace per family x outcome x detail, so the legend names each status and action."""
    traces = []
    keys = ["family", "outcome", "detail"]
    for (family, outcome, detail), part in frame.group_by(keys, maintain_order=True):
        marker_sizes = part.select(sizes.alias("size"))["size"].to_list()
        traces.append(_trace(str(family), str(outcome), str(detail), part, marker_sizes))
    return traces


def _trace_name(family: str, outcome: str, detail: str) -> str:
    """Legend text; a vault status that is not plainly ok says how it failed (403 can be both)."""
    name = f"{FAMILY_NAME.get(family, family)}: {plot_text(detail, 20)}"
    return (
        f"{name} ({plot_text(outcome, 12)})" if family == "keyvault" and outcome != "ok" else name
    )


def _trace(
    family: str, outcome: str, detail: str, part: pl.DataFrame, sizes: list[float]
) -> dict[str, Any]:
    return {
        "type": "scattergl",
        "mode": "markers",
        "name": _trace_name(family, outcome, detail),
        "legendgroup": family,
        "x": part["x"].to_list(),
        "y": part["lane"].to_list(),
        "text": part["hover"].to_list(),
        "hovertemplate": "%{text}<extra></extra>",
        "marker": {
            "color": _OUTCOME_COLOR.get(outcome, _OTHER_COLOR),
            "symbol": _FAMILY_SYMBOL.get(family, "x"),
            "size": sizes[0] if len(set(sizes)) == 1 else sizes,
            "opacity": 0.8,
        },
    }


def _raw_traces(frame: pl.DataFrame) -> list[dict[str, Any]]:
    frame = _series_key(frame)
    hover = pl.concat_str(
        plot_text_expr("client_ip", 45),
        pl.lit(" · "),
        plot_text_expr("label"),
        pl.lit("<br>"),
        plot_text_expr("row_id", 80),
    )
    return _traces(frame.with_columns(hover=hover), pl.lit(7.0))


def _detail() -> pl.Expr:
    """HTTP status for vault requests, the action for firewall records, the outcome otherwise.

    Works on timeline labels ("SecretGet 200", "Allow allow-kv") and on cited-evidence summaries
    ("SecretGet 403 ForbiddenByFirewall caller ...", "a:1 -> b:443 Deny (rule x)"). Only known
    actions are kept, so odd log values cannot multiply legend entries.
    """
    status = pl.coalesce(
        pl.col("label").str.extract(r"^\s*\S+\s+(\d{3})\b"),
        pl.col("label").str.extract(r"\b(\d{3})\s*$"),
    )
    action = pl.col("label").str.extract(r"\b(" + "|".join(_ACTIONS) + r")\b")
    return (
        pl.when(pl.col("family") == "keyvault")
        .then(pl.lit("HTTP ") + status.fill_null("?"))
        .when(pl.col("family") == "firewall")
        .then(action.fill_null("other"))
        .when(pl.col("family") == "flow")
        .then(pl.col("outcome").replace({"ok": "allowed"}))
        .otherwise(pl.col("outcome"))
    )


def _cited_outcome() -> pl.Expr:
    """For rows read back from JSON (outcome "cited"): ok/denied/error from the detail."""
    detail = pl.col("detail")
    derived = (
        pl.when(detail.str.contains(r"^HTTP [23]"))
        .then(pl.lit("ok"))
        .when(detail.is_in(["HTTP 403", "Deny", "Drop"]))
        .then(pl.lit("denied"))
        .when(detail.str.starts_with("HTTP 4") | detail.str.starts_with("HTTP 5"))
        .then(pl.lit("error"))
        .when(detail.is_in(["Allow", "Allowed"]))
        .then(pl.lit("ok"))
        .otherwise(pl.col("outcome"))
    )
    return pl.when(pl.col("outcome") == "cited").then(derived).otherwise(pl.col("outcome"))


def _aggregated_traces(
    frame: pl.DataFrame, result: TraceResult
) -> tuple[list[dict[str, Any]], str]:
    span = result.window.duration
    buckets = [b for b in _BUCKETS if span / b <= TARGET_BUCKETS] or [_BUCKETS[-1]]
    for bucket in buckets:  # coarsen until the marker count is safe for the browser
        counted = _count(frame, bucket)
        if counted.height <= AGGREGATE_LIMIT:
            break
    counted = _series_key(counted.with_columns(row_id=pl.lit("")))
    hover = pl.concat_str(
        plot_text_expr("client_ip", 45),
        pl.lit(" · "),
        plot_text_expr(pl.col("family").replace(FAMILY_NAME), 30),
        pl.lit(" · "),
        plot_text_expr("detail", 30),
        pl.lit(": "),
        pl.col("n").cast(pl.String),
        pl.lit(" record(s)"),
    )
    sizes = (5 + 3 * pl.col("n").cast(pl.Float64).log10()).clip(5, 20).round(1)
    traces = _traces(counted.with_columns(hover=hover), sizes)
    return traces, f"counted per {_describe(bucket)} bucket (marker size grows with the count)"


def _count(frame: pl.DataFrame, bucket: timedelta) -> pl.DataFrame:
    width_ms = int(bucket.total_seconds() * 1000)
    return (
        frame.with_columns(x=(pl.col("x") // width_ms) * width_ms)
        .group_by(["client_ip", "family", "outcome", "detail", "lane", "x"])
        .agg(n=pl.len())
    )


def _describe(bucket: timedelta) -> str:
    seconds = int(bucket.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            return f"{seconds // size}-{unit}"
    return f"{seconds}-second"


def _layout(lanes: dict[str, float], result: TraceResult) -> dict[str, Any]:
    names = {f.client_ip: f.client for f in result.flows if f.client}
    ticks = [plot_text(f"{ip} {names[ip]}" if ip in names else ip, 48) for ip in lanes]
    start, end = (int(t.timestamp() * 1000) for t in (result.window.start, result.window.end))
    return {
        "height": min(max(260, 90 + 34 * len(lanes)), MAX_HEIGHT),
        "margin": {"l": 230, "r": 20, "t": 30, "b": 50},
        "hovermode": "closest",
        "showlegend": True,
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        "xaxis": {
            "type": "date",
            "range": [start, end],
            "title": {"text": "time (UTC)"},
            "hoverformat": "%Y-%m-%d %H:%M:%S.%L",
        },
        "yaxis": {
            "tickmode": "array",
            "tickvals": list(lanes.values()),
            "ticktext": ticks,
            "autorange": False,  # the range below is already reversed (first client on top)
            "zeroline": False,
            "range": [len(lanes) - 0.5, -0.5],
            "automargin": True,
        },
        "plot_bgcolor": "#ffffff",
    }
