"""Where each row of a CSV export starts, and which rows are cut short.

polars reads a row with fewer fields than the header as if the missing cells were empty, and
refuses a file that ends inside a quoted field. Neither may lose evidence silently, so the text
is laid out here first (vectorized over its lines): a record starts on a line when the quotes
before it are balanced, which also gives each row its real line number when a quoted cell spans
lines. A file that ends inside a quoted field on its last line loses that record (counted as
truncated); a quote left open further up swallows every later row, so that file is refused at
the line the quote opens. Rows with too few fields are found by counting the separators outside
quotes, only for rows whose last cell is empty (a short row always is).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

_QUOTED = r'"[^"]*"'  # a quoted cell; an escaped quote ("") splits it in two, which is harmless


@dataclass(frozen=True)
class CsvLayout:
    """The bytes to parse and the line each data row starts on."""

    data: bytes  # without a last record cut inside a quoted field
    lines: pl.DataFrame  # every line: number, text, record (header = record 1)
    row_lines: pl.Series  # Int64, the first line of each data row
    cut_line: int | None  # the line of a last record cut inside a quoted field
    ends_with_newline: bool
    cut_spans_lines: bool = False  # that record runs over several lines: not just the last row


def csv_layout(data: bytes) -> CsvLayout:
    text = data.decode("utf-8", errors="replace")
    quotes = pl.col("text").str.count_matches('"', literal=True)
    lines = (
        pl.Series("text", [text])
        .str.split("\n")
        .explode()
        .to_frame()
        .with_row_index("number", offset=1)
        .with_columns(quotes.alias("quotes"))
        .with_columns(((pl.col("quotes").cum_sum() - pl.col("quotes")) % 2 == 0).alias("start"))
    )
    ends_with_newline = text.endswith("\n")
    if ends_with_newline:
        lines = lines.head(-1)  # the empty text after the final newline is no line
    lines = lines.with_columns(pl.col("start").cum_sum().alias("record"))
    starts = lines.filter(pl.col("start")).get_column("number").cast(pl.Int64)
    cut_line = None
    spans = False
    if int(lines.get_column("quotes").sum()) % 2 and starts.len() > 1:
        cut_line = int(starts[-1])
        spans = lines.height > cut_line
        data = data[: _offset_of_line(data, cut_line)]
        starts = starts.head(-1)
        lines = lines.filter(pl.col("number") < cut_line)
    return CsvLayout(data, lines, starts.slice(1), cut_line, ends_with_newline, spans)


def _offset_of_line(data: bytes, line: int) -> int:
    """Byte offset where ``line`` (1-based) starts; counted from the end (it is the last record)."""
    total = data.count(b"\n") + 1
    offset = len(data)
    for _ in range(total - line + 1):  # a few lines: the cut record only
        offset = data.rfind(b"\n", 0, offset)
    return offset + 1


def short_rows(layout: CsvLayout, candidates: pl.Series, width: int) -> pl.Series:
    """Per data row: True when it has fewer than ``width`` fields.

    ``candidates`` (Boolean per row) marks the rows that may be short (their last cell is
    empty); only their text is examined.
    """
    records = pl.DataFrame({"record": pl.int_range(2, candidates.len() + 2, eager=True)})
    wanted = records.filter(candidates.fill_null(True)).get_column("record")
    if wanted.is_empty():
        return pl.Series([False] * candidates.len(), dtype=pl.Boolean)
    texts = (
        layout.lines.filter(pl.col("record").is_in(wanted.implode()))
        .group_by("record", maintain_order=True)
        .agg(pl.col("text").str.join("\n"))
    )
    fields = pl.col("text").str.replace_all(_QUOTED, "").str.count_matches(",", literal=True) + 1
    counted = texts.select(pl.col("record").cast(pl.Int64), (fields < width).alias("short"))
    joined = records.with_columns(pl.col("record").cast(pl.Int64)).join(
        counted, on="record", how="left", maintain_order="left"
    )
    return joined.get_column("short").fill_null(False)
