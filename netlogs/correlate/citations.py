"""Evidence rows cited per flow and the timeline rows for the HTML report.

Each source frame arrives sorted by time, so a client's rows in frame order are its rows in
time. Of each client's rows of one kind (family and outcome) only the first and last few are
cited (``cited_ends`` of ``evidence_per_kind``: the rule the kusto engine applies too; the rest
are counted). Flow-log rows are cited only for clients none of whose requests reached the vault:
every verdict that can rest on them (NOT_REACHED, a block, an attempt still in Key Vault's
latency) is one of those; for the others they are counted. The client's first
``timeline_per_kind`` rows per family are drawn; one
group-by collects their positions and summaries are formatted after that cut, so a million-row
table costs one grouping, not a million strings.

Each family describes its rows (``FamilyRows``); ``cite_evidence`` runs all of them as two
polars queries (positions, then the cited and drawn rows), so a worker thread building them
needs Python's GIL only twice while the caller runs Python code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import polars as pl

from netlogs.correlate.cited_families import FamilyRows
from netlogs.correlate.context import CorrelationContext, cited_ends
from netlogs.frames import collect_gathers, few_values, named_tuples, utc_datetimes
from netlogs.model import EvidenceRow, LogFamily


@dataclass(frozen=True)
class CitedEvidence:
    """The cited rows (one frame, sorted by client, time, row id; ``rows_by_client`` turns it
    into ``EvidenceRow`` tuples), rows not cited per client (``omitted_by_client`` turns it into
    a mapping), and the timeline rows."""

    cited: pl.DataFrame
    omitted: pl.DataFrame
    timeline: pl.DataFrame


def _positions(rows: FamilyRows, ends: tuple[int, int] | None, drawn: int) -> pl.LazyFrame:
    """Per client and kind (the rows' outcome): ``_cited`` (positions in the frame of the rows
    cited: its first and last rows, see ``cited_ends``; all of them for ``None``), ``_drawn``
    (of its first ``drawn`` rows) and ``count``.

    Frames are time-ordered, so a client's first rows are its earliest. Firewall SYN retries
    are neither cited nor counted. Only the client column, the columns the outcome reads and
    row positions are read: the wide columns are gathered later, for the kept rows.
    """
    narrow = rows.frame.lazy().select(
        pl.col(rows.client_id) if rows.client_id else pl.col(rows.client).alias("client_ip"),
        rows.kind.alias("_kind"),
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"),
        *(["retry"] if "retry" in rows.frame.columns else []),
    )
    if "retry" in rows.frame.columns:
        narrow = narrow.filter(~pl.col("retry"))
    row = pl.col("_row")
    if ends is None:
        cited = [row.alias("_cited")]
    else:  # a kind with few rows has them in both lists: once each (below)
        cited = [row.head(ends[0]).alias("_cited"), row.tail(ends[1]).alias("_tail")]
    positions = [*cited, row.head(drawn).alias("_drawn"), pl.len().alias("count")]
    if rows.client_id is None:
        grouped = narrow.group_by("client_ip", "_kind").agg(positions)
    else:  # the address string of each group's first row, not carried through the grouping
        # (firewall records at 0.3x: 0.045 -> 0.036 s CPU, 8 interleaved runs, same groups)
        grouped = narrow.group_by(rows.client_id, "_kind").agg(
            row.first().alias("_first"), *positions
        )
        spelled = pl.lit(rows.frame.get_column(rows.client)).gather(pl.col("_first"))
        grouped = grouped.with_columns(spelled.alias("client_ip")).drop("_first")
    if ends is not None:
        both = pl.concat_list("_cited", "_tail").list.unique()
        grouped = grouped.with_columns(both.alias("_cited")).drop("_tail")
    return grouped


def _gathered(rows: FamilyRows, picked: pl.DataFrame, used: list[pl.Expr]) -> pl.LazyFrame:
    """The columns ``used`` reads, for the ``picked`` rows (``_row``) only, next to their
    ``client_ip``."""
    names = {name for expr in used for name in expr.meta.root_names()} - {"client_ip"}
    columns = [c for c in rows.frame.columns if c in names]
    positions = picked.get_column("_row")
    return rows.frame.lazy().select(
        pl.col(columns).gather(pl.lit(positions)),
        pl.lit(picked.get_column("client_ip")).alias("client_ip"),
    )


def _picked(
    rows: FamilyRows, ends: tuple[int, int] | None, drawn: int
) -> tuple[pl.LazyFrame, pl.LazyFrame, pl.LazyFrame]:
    """(cited positions, drawn positions, row counts per kind), each per client; positions in
    frame order (time, then input order), as the stable sorts of ``cite_evidence`` expect."""
    where = _positions(rows, ends, drawn).cache()
    cited = _exploded(where.select("client_ip", pl.col("_cited").alias("_row"))).sort("_row")
    # a client's first ``drawn`` rows are among the first ``drawn`` of each of its kinds
    candidates = _exploded(where.select("client_ip", pl.col("_drawn").alias("_row")))
    in_order = candidates.sort("_row")
    drawn_rows = in_order.filter(pl.int_range(pl.len()).over("client_ip") < drawn)
    return cited, drawn_rows, where.select("client_ip", "count")


class PickedRows(NamedTuple):
    """One family's picked rows (``pick_rows``): cited and drawn positions and row counts."""

    rows: FamilyRows
    cited: pl.DataFrame  # client_ip, _row (frame order); before the only_unreached cut
    drawn: pl.DataFrame  # client_ip, _row (frame order)
    counts: pl.DataFrame  # client_ip, count (one row per kind)


def pick_rows(families: list[FamilyRows], ctx: CorrelationContext) -> list[PickedRows]:
    """The rows each family cites and draws, per client (one polars query for all of them).

    Needs no other family: the firewall and flow-log families are picked while the vault
    requests are still being attributed (``only_unreached`` is applied by ``cite_evidence``).
    """
    ends = cited_ends(ctx.evidence_per_kind)
    plans = [plan for rows in families for plan in _picked(rows, ends, ctx.timeline_per_kind)]
    picked = collect_gathers(plans)
    return [PickedRows(rows, *picked[3 * i : 3 * i + 3]) for i, rows in enumerate(families)]


def cite_evidence(
    picked: list[PickedRows], reached: pl.Series, ctx: CorrelationContext
) -> CitedEvidence:
    """Cited evidence per client (capped, sorted by time then row id), rows left out per
    client, and the timeline frame.

    ``picked`` come in a fixed order (Key Vault, firewall, flow): with the stable sorts
    below, rows at the same moment keep that order. ``reached`` holds the clients with a
    request that reached the vault (see ``only_unreached``). Summaries are formatted only for
    cited rows and timeline labels only for drawn rows, each reading only its own columns.
    """
    cuts = [_unreached_only(p, reached, ctx) for p in picked]
    formatted = [_formatted(p.rows, cited, p.drawn) for p, cited in zip(picked, cuts, strict=True)]
    all_cited = pl.concat([cited for cited, _ in formatted]).sort(
        _client_order(cuts), "time", maintain_order=True
    )
    totals = pl.concat([p.counts for p in picked]).lazy()
    drawn_all = pl.concat([drawn for _, drawn in formatted]).sort("time", maintain_order=True)
    omitted = _omitted(totals, all_cited)
    return CitedEvidence(*collect_gathers([all_cited, omitted, drawn_all]))


def _unreached_only(
    picked: PickedRows, reached: pl.Series, ctx: CorrelationContext
) -> pl.DataFrame:
    """The cited positions, without those of clients in ``reached`` for an ``only_unreached``
    family (when rows are capped: with every row cited, every client cites them)."""
    if not picked.rows.only_unreached or cited_ends(ctx.evidence_per_kind) is None:
        return picked.cited
    # a null client is in no list (is_in gives null): kept, as before
    return picked.cited.filter(~pl.col("client_ip").is_in(reached.implode()).fill_null(False))


def _client_order(cited: list[pl.DataFrame]) -> pl.Expr:
    """``client_ip``'s sort order as numbers: its rank among the cited clients' sorted spellings.

    Sorting the cited rows by this number and time, not by the string, gives the same order
    (byte-wise, nulls first) at about a third of the cost: 0.18 -> 0.065 s CPU at 0.3x for the
    225 k cited rows (3 runs each, identical frames; benchmarks/RESULTS-trace.md).
    """
    clients = pl.concat([frame.get_column("client_ip") for frame in cited]).drop_nulls()
    return pl.col("client_ip").cast(pl.Enum(clients.unique().sort())).to_physical()


def _formatted(
    rows: FamilyRows, cited_rows: pl.DataFrame, drawn_rows: pl.DataFrame
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(the cited rows with their summaries, the drawn rows with their labels) of one family."""
    row_id, table = pl.col("row_id").fill_null("?"), pl.col("source_table").fill_null("?")
    family = pl.lit(rows.family.value).alias("family")
    used = [rows.time, rows.summary, row_id, table]
    cited = _gathered(rows, cited_rows, used).select(
        rows.time.alias("time"),
        "client_ip",
        family,
        table.alias("table"),
        row_id,
        rows.summary.alias("summary"),
    )
    used = [rows.time, rows.label, rows.outcome, row_id]
    drawn = _gathered(rows, drawn_rows, used).select(
        rows.time.alias("time"),
        "client_ip",
        family,
        rows.label.alias("label"),
        rows.outcome.alias("outcome"),
        row_id,
    )
    return cited, drawn


def _omitted(totals: pl.LazyFrame, cited: pl.LazyFrame) -> pl.LazyFrame:
    """Per client with some: its rows (``totals``: counts per family) minus the cited ones."""
    return (
        totals.group_by("client_ip")
        .agg(pl.col("count").sum())
        .join(cited.group_by("client_ip").len(), on="client_ip", how="left")
        .select("client_ip", (pl.col("count") - pl.col("len").fill_null(0)).alias("omitted"))
        .filter(pl.col("omitted") > 0)
    )


def _exploded(rows: pl.LazyFrame) -> pl.LazyFrame:
    return rows.explode("_row").drop_nulls("_row")


def rows_by_client(cited: pl.DataFrame) -> dict[str, tuple[EvidenceRow, ...]]:
    """EvidenceRow tuples per client; ``cited`` is sorted by client, time, row id.

    Columns are converted in bulk and the rows built by one ``map`` (no per-row Python
    statements); each client's rows are one contiguous slice of the sorted frame. The few
    distinct families and table names become shared objects, not one string per row.
    """
    columns = [
        few_values(cited.get_column("family"), {family.value: family for family in LogFamily}),
        few_values(cited.get_column("table")),
        cited.get_column("row_id").to_list(),
        utc_datetimes(cited.get_column("time")),
        cited.get_column("summary").to_list(),
    ]
    rows = tuple(named_tuples(EvidenceRow, *columns))
    runs = cited.get_column("client_ip").rle().struct.unnest()
    lengths = runs.get_column("len").cast(pl.Int64)
    ends = lengths.cum_sum()
    spans = map(slice, (ends - lengths).to_list(), ends.to_list())
    return dict(zip(runs.get_column("value").to_list(), map(rows.__getitem__, spans), strict=True))


def omitted_by_client(omitted: pl.DataFrame) -> dict[str, int]:
    """``{client_ip: rows not cited}`` from ``CitedEvidence.omitted`` (only clients with some)."""
    columns = (omitted.get_column(c).to_list() for c in ("client_ip", "omitted"))
    return dict(zip(*columns, strict=True))
