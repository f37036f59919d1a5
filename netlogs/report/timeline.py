"""The HTML timeline, drawn server-side as one inline SVG (no chart library, no script).

One lane per client, at least ``LANE`` px tall even when printed on A4; inside it, vault
requests (circles), firewall records (diamonds) and flow records (squares) sit at slightly
different heights. Up to ``RAW_LIMIT`` records are drawn one marker each, with the record in the
marker's tooltip. Beyond that the records are counted per client x family x outcome x detail
(HTTP status or firewall action) x time bucket, so a million rows become at most
``AGGREGATE_LIMIT`` markers. Markers are built as text by vectorized polars expressions; every
log-derived string is neutralised and XML-escaped on the way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import escape

import polars as pl

from netlogs import schemas
from netlogs.model import TraceResult
from netlogs.report.safe_text import INVISIBLE_CHARS, neutralise, shorten, visible_code
from netlogs.report.vocabulary import ip_sort_key

RAW_LIMIT = 5_000  # one marker (with its own tooltip) per record up to here
AGGREGATE_LIMIT = 15_000  # counted markers; the bucket widens until the count fits
MAX_LANES = 150
TARGET_BUCKETS = 400
LANE = 34  # px per client in the SVG's own units: >= 18 px even scaled to an A4 page width
LEFT, PLOT_W, TOP, BOTTOM = 250, 960, 28, 40
WIDTH = LEFT + PLOT_W + 16

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
_FAMILY_OFFSET = {"keyvault": -9.0, "firewall": 0.0, "flow": 9.0}
OUTCOME_CLASS = {"ok": "o-ok", "denied": "o-denied", "error": "o-error"}
_OTHER_CLASS = "o-other"


@dataclass(frozen=True)
class Series:
    """One legend entry: a family x outcome x detail and how many markers it drew."""

    name: str
    family: str
    css: str
    markers: int


@dataclass(frozen=True)
class Timeline:
    svg: str  # the whole chart, escaped; empty when there is nothing to draw
    series: tuple[Series, ...]
    lanes: tuple[str, ...]  # lane labels, top to bottom
    note: str
    records: int

    @property
    def markers(self) -> int:
        return sum(s.markers for s in self.series)


_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
_WHITESPACE = {"\t": " ", "\n": " ", "\r": " "}
_SHOWN = {c: visible_code(c) for c in INVISIBLE_CHARS} | _WHITESPACE


def svg_text(value: object, limit: int = 120) -> str:
    """Log text for an SVG element: invisible characters shown, cut, XML-escaped."""
    return escape(shorten(neutralise(value), limit), quote=True)


def svg_text_expr(column: str | pl.Expr, limit: int = 120) -> pl.Expr:
    """``svg_text`` as a vectorized polars expression (per-record tooltips)."""
    expr = pl.col(column) if isinstance(column, str) else column
    text = expr.cast(pl.String).fill_null("").str.replace_many(_SHOWN)
    cut = (
        pl.when(text.str.len_chars() > limit)
        .then(text.str.slice(0, limit - 1) + pl.lit("…"))
        .otherwise(text)
    )
    return cut.str.replace_many(_ENTITIES)


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
    """The chart for the whole result, raw or counted depending on its size."""
    records = timeline_records(result)
    lanes, note = _lanes(records, result)
    labels = _lane_labels(lanes, result)
    if records.is_empty() or not lanes:
        return Timeline("", (), labels, "No records to draw.", 0)
    start, end = result.window.start, result.window.end
    inside = records.filter(pl.col("time").is_between(start, end))
    outside = records.height - inside.height
    frame = (
        inside.filter(pl.col("client_ip").is_in(list(lanes)))
        .with_columns(
            y=pl.col("client_ip").replace_strict(lanes, return_dtype=pl.Float64) * LANE
            + (TOP + LANE / 2)
            + pl.col("family").replace_strict(_FAMILY_OFFSET, default=5.0, return_dtype=pl.Float64),
            ms=pl.col("time").dt.epoch("ms"),
            outcome=pl.col("outcome").fill_null("unknown"),
        )
        .with_columns(detail=_detail())
        .with_columns(outcome=_cited_outcome())
    )
    if frame.height <= RAW_LIMIT:
        marks, how = _raw_marks(frame), "one marker per record (hover a marker for the row)"
    else:
        marks, how = _counted_marks(frame, result)
    series, body = _draw_series(marks, result)
    svg = _frame(labels, result) + body + "</svg>"
    sentence = f"{records.height:,} record(s), {how}." + (f" {note}" if note else "")
    if outside:
        sentence += f" {outside:,} record(s) just outside the window are not drawn."
    return Timeline(svg, series, labels, sentence, records.height)


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


def _lane_labels(lanes: dict[str, float], result: TraceResult) -> tuple[str, ...]:
    names = {f.client_ip: f.client for f in result.flows if f.client}
    return tuple(f"{ip} {names[ip]}" if ip in names else ip for ip in lanes)


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


def _raw_marks(frame: pl.DataFrame) -> pl.DataFrame:
    tip = pl.concat_str(
        pl.col("time").dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"),
        pl.lit(" · "),
        svg_text_expr("client_ip", 45),
        pl.lit(" · "),
        svg_text_expr("label"),
        pl.lit(" · row "),
        svg_text_expr("row_id", 80),
    )
    return frame.with_columns(tip=tip, r=pl.lit(5.0))


def _counted_marks(frame: pl.DataFrame, result: TraceResult) -> tuple[pl.DataFrame, str]:
    span = result.window.duration
    buckets = [b for b in _BUCKETS if span / b <= TARGET_BUCKETS] or [_BUCKETS[-1]]
    for bucket in buckets:  # coarsen until the marker count is safe for the browser
        counted = _count(frame, bucket)
        if counted.height <= AGGREGATE_LIMIT:
            break
    tip = pl.concat_str(
        pl.from_epoch("ms", time_unit="ms").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        pl.lit(" · "),
        svg_text_expr("client_ip", 45),
        pl.lit(" · "),
        svg_text_expr(pl.col("family").replace(FAMILY_NAME), 30),
        pl.lit(" · "),
        svg_text_expr("detail", 30),
        pl.lit(": "),
        pl.col("n").cast(pl.String),
        pl.lit(" record(s)"),
    )
    radius = (4 + 2 * pl.col("n").cast(pl.Float64).log10()).clip(4, 11).round(1)
    how = f"counted per {_describe(bucket)} bucket (a bigger marker means more records)"
    return counted.with_columns(tip=tip, r=radius, row_id=pl.lit("")), how


def _count(frame: pl.DataFrame, bucket: timedelta) -> pl.DataFrame:
    width_ms = int(bucket.total_seconds() * 1000)
    return (
        frame.with_columns(ms=(pl.col("ms") // width_ms) * width_ms)
        .group_by(["client_ip", "family", "outcome", "detail", "y", "ms"])
        .agg(n=pl.len(), time=pl.col("time").min())
    )


def _describe(bucket: timedelta) -> str:
    seconds = int(bucket.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            return f"{seconds // size}-{unit}"
    return f"{seconds}-second"


def _series_name(family: str, outcome: str, detail: str) -> str:
    """Legend text; a vault status that is not plainly ok says how it failed (403 can be both)."""
    name = f"{FAMILY_NAME.get(family, family)}: {shorten(neutralise(detail), 20)}"
    if family == "keyvault" and outcome != "ok":
        return f"{name} ({shorten(neutralise(outcome), 12)})"
    return name


def _shape(family: str) -> pl.Expr:
    """The marker element for each row of a family, as SVG text."""
    x, y, r = (pl.col(c).round(1).cast(pl.String) for c in ("x", "y", "r"))
    tip = pl.concat_str(pl.lit("<title>"), pl.col("tip"), pl.lit("</title>"))
    if family == "keyvault":
        head = pl.concat_str(pl.lit('<circle cx="'), x, pl.lit('" cy="'), y, pl.lit('" r="'), r)
        return pl.concat_str(head, pl.lit('">'), tip, pl.lit("</circle>"))
    if family == "firewall":
        top = (pl.col("y") - pl.col("r") - 1).round(1).cast(pl.String)
        side = (pl.col("r") + 1).round(1).cast(pl.String)
        head = pl.concat_str(pl.lit('<path d="M'), x, pl.lit(","), top, pl.lit("l"), side,
                             pl.lit(","), side, pl.lit("l-"), side, pl.lit(","), side,
                             pl.lit("l-"), side, pl.lit(",-"), side, pl.lit('z">'))
        return pl.concat_str(head, tip, pl.lit("</path>"))
    left = (pl.col("x") - pl.col("r")).round(1).cast(pl.String)
    upper = (pl.col("y") - pl.col("r")).round(1).cast(pl.String)
    side = (2 * pl.col("r")).round(1).cast(pl.String)
    head = pl.concat_str(pl.lit('<rect x="'), left, pl.lit('" y="'), upper, pl.lit('" width="'),
                         side, pl.lit('" height="'), side, pl.lit('">'))
    return pl.concat_str(head, tip, pl.lit("</rect>"))


def _draw_series(marks: pl.DataFrame, result: TraceResult) -> tuple[tuple[Series, ...], str]:
    """One ``<g>`` per family x outcome x detail, in legend order (vault, firewall, flow)."""
    start_ms = int(result.window.start.timestamp() * 1000)
    span_ms = max(int(result.window.duration.total_seconds() * 1000), 1)
    rank = pl.col("family").replace_strict(_FAMILY_RANK, default=9, return_dtype=pl.Int32)
    marks = marks.with_columns(
        x=(pl.col("ms") - start_ms) / span_ms * PLOT_W + LEFT
    ).sort([rank, "family", "outcome", "detail", "ms", "y", "row_id"], nulls_last=True)
    series, parts = [], []
    for (family, outcome, detail), part in marks.group_by(
        ["family", "outcome", "detail"], maintain_order=True
    ):
        css = OUTCOME_CLASS.get(str(outcome), _OTHER_CLASS)
        name = _series_name(str(family), str(outcome), str(detail))
        drawn = part.select(_shape(str(family)).alias("svg"))["svg"]
        parts.append(f'<g class="m {css}" data-series="{escape(name, quote=True)}">')
        parts.append("".join(drawn.to_list()))
        parts.append("</g>")
        series.append(Series(name, str(family), css, part.height))
    return tuple(series), "".join(parts)


def _frame(labels: tuple[str, ...], result: TraceResult) -> str:
    """The SVG element, lanes with their labels, and the time axis."""
    height = TOP + LANE * len(labels) + BOTTOM
    parts = [
        f'<svg class="timeline-svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'role="img" aria-label="timeline of {len(labels)} client(s)" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, label in enumerate(labels):
        y = TOP + i * LANE
        stripe = ' class="lane alt"' if i % 2 else ' class="lane"'
        parts.append(f'<rect x="{LEFT}" y="{y}" width="{PLOT_W}" height="{LANE}"{stripe}/>')
        parts.append(
            f'<text x="{LEFT - 8}" y="{y + LANE / 2 + 4:.0f}" class="lab" text-anchor="end">'
            f"{svg_text(label, 36)}</text>"
        )
    parts.append(_axis(result, TOP + LANE * len(labels)))
    return "".join(parts)


def _axis(result: TraceResult, bottom: int) -> str:
    start, end = result.window.start, result.window.end
    span = end - start
    step = next((b for b in _BUCKETS if span / b <= 8), _BUCKETS[-1])
    first = datetime.fromtimestamp(
        -(-start.timestamp() // step.total_seconds()) * step.total_seconds(), tz=timezone.utc
    )
    fmt = "%H:%M" if span <= timedelta(days=1) else "%m-%d %H:%M"
    parts = [f'<line x1="{LEFT}" y1="{bottom}" x2="{LEFT + PLOT_W}" y2="{bottom}" class="ax"/>']
    tick = first
    while tick <= end:
        x = LEFT + (tick - start) / span * PLOT_W
        parts.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{bottom + 4}" class="grid"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 18}" class="tick" text-anchor="middle">'
            f"{tick.strftime(fmt)}</text>"
        )
        tick += step
    parts.append(
        f'<text x="{LEFT + PLOT_W}" y="{bottom + 34}" class="tick" text-anchor="end">'
        f"time (UTC), {start.strftime('%Y-%m-%d %H:%M:%S')} to "
        f"{end.strftime('%H:%M:%S' if end.date() == start.date() else '%Y-%m-%d %H:%M:%S')}</text>"
    )
    return "".join(parts)
