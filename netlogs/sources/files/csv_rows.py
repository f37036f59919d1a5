"""Where each row of a CSV export starts, and which rows are cut short.

polars reads a row with fewer fields than the header as if the missing cells were empty, and
refuses a file that ends inside a quoted field. Neither may lose evidence silently, so the text
is laid out here (vectorized over its lines): a record starts on a line when the quotes before it
are balanced, which also gives each row its real line number when a quoted cell spans lines. A
file that ends inside a quoted field on its last line loses that record (counted as truncated);
a quote left open further up swallows every later row, so that file is refused at the line the
quote opens. Rows with too few fields are found by counting the separators outside quotes, only
for rows whose last cell is empty (a short row always is).

The usual export (balanced quotes, one line per row, last cell filled) is never loaded into
memory: polars counts its lines straight from the file (multi-threaded, ~5 ms for 300k rows, where
reading the bytes and counting in Python cost ~0.08 s CPU), and the text is read only when a
check needs it (a quote left open, a line count that disagrees with the rows, short-row
candidates, a file without a final newline).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import polars as pl

_QUOTED = r'"[^"]*"'  # a quoted cell; an escaped quote ("") splits it in two, which is harmless


class ExportText:
    """A CSV export as polars reads it (the path, or the bytes given), its text loaded lazily."""

    def __init__(self, source: Path | IO[bytes] | bytes) -> None:
        self._path = source if isinstance(source, Path) else None
        self._data: bytes | None = None
        if isinstance(source, bytes):
            self._data = source
        elif not isinstance(source, Path):
            self._data = source.read()

    @property
    def readable(self) -> Path | IO[bytes]:
        """What polars reads: the path (no copy of the file in memory), else the bytes."""
        return self._path if self._path is not None else io.BytesIO(self.data)

    @property
    def data(self) -> bytes:
        if self._data is None:
            assert self._path is not None  # one of the two is always set
            self._data = self._path.read_bytes()
        return self._data

    def ends_with_newline(self) -> bool:
        if self._path is None or self._data is not None:
            return self.data.endswith(b"\n")
        with self._path.open("rb") as handle:
            size = handle.seek(0, io.SEEK_END)
            handle.seek(max(size - 1, 0))
            return handle.read(1) == b"\n"

    def line_count(self) -> int:
        """Lines of the file, the last counted even without its newline."""
        if self._path is not None and self._data is None:
            # quote_char=None: every newline counts, quoted or not (checked against the bytes
            # by tests/sources/files/test_csv_layout.py); polars refuses an empty file
            try:
                lines = pl.scan_csv(self._path, quote_char=None, has_header=False)
                return int(lines.select(pl.len()).collect().item())
            except pl.exceptions.PolarsError:
                pass
        return self.data.count(b"\n") + (0 if self.data.endswith(b"\n") else 1)


@dataclass(frozen=True)
class OpenQuote:
    """The last record of the file is cut inside a quoted field."""

    data: bytes  # the file without that record
    line: int  # the line the record starts on
    spans_lines: bool  # the record runs over several lines: more than the last row is lost


def open_quote(data: bytes) -> OpenQuote | None:
    """Where the file ends inside a quoted field (None: every quote is closed)."""
    if data.count(b'"') % 2 == 0:
        return None
    lines = _lines(data)
    starts = lines.filter(pl.col("start")).get_column("number")
    if starts.len() < 2:  # the header itself is cut: polars will say the file is unreadable
        return None
    line = int(starts[-1])
    return OpenQuote(data[: _offset_of_line(data, line)], line, lines.height > line)


def row_lines(text: ExportText, rows: int) -> pl.Series | None:
    """The line each of the ``rows`` data rows starts on (None when that cannot be laid out)."""
    if text.line_count() - 1 == rows:  # one line per record (blank lines are rows to polars too)
        return pl.int_range(2, rows + 2, dtype=pl.Int64, eager=True)
    starts = _lines(text.data).filter(pl.col("start")).get_column("number").cast(pl.Int64)
    return starts.slice(1) if starts.len() - 1 == rows else None


def short_rows(text: ExportText, candidates: pl.Series, width: int) -> pl.Series:
    """Per data row: True when it has fewer than ``width`` fields.

    ``candidates`` (Boolean per row) marks the rows that may be short (their last cell is
    empty); only their text is examined.
    """
    records = pl.DataFrame({"record": pl.int_range(2, candidates.len() + 2, eager=True)})
    wanted = records.filter(candidates.fill_null(True)).get_column("record")
    if wanted.is_empty():
        return pl.Series([False] * candidates.len(), dtype=pl.Boolean)
    texts = (
        _lines(text.data)
        .filter(pl.col("record").is_in(wanted.implode()))
        .group_by("record", maintain_order=True)
        .agg(pl.col("text").str.join("\n"))
    )
    fields = pl.col("text").str.replace_all(_QUOTED, "").str.count_matches(",", literal=True) + 1
    counted = texts.select(pl.col("record").cast(pl.Int64), (fields < width).alias("short"))
    joined = records.with_columns(pl.col("record").cast(pl.Int64)).join(
        counted, on="record", how="left", maintain_order="left"
    )
    return joined.get_column("short").fill_null(False)


def _lines(data: bytes) -> pl.DataFrame:
    """Every line: ``number``, ``text``, ``start`` (a record starts on it), ``record``."""
    quotes = pl.col("text").str.count_matches('"', literal=True)
    lines = (
        pl.Series("text", [data.decode("utf-8", errors="replace")])
        .str.split("\n")
        .explode()
        .to_frame()
        .with_row_index("number", offset=1)
        .with_columns(quotes.alias("quotes"))
        .with_columns(((pl.col("quotes").cum_sum() - pl.col("quotes")) % 2 == 0).alias("start"))
    )
    if data.endswith(b"\n"):
        lines = lines.head(-1)  # the empty text after the final newline is no line
    return lines.with_columns(pl.col("start").cum_sum().alias("record"))


def _offset_of_line(data: bytes, line: int) -> int:
    """Byte offset where ``line`` (1-based) starts; counted from the end (it is the last record)."""
    total = data.count(b"\n") + 1
    offset = len(data)
    for _ in range(total - line + 1):  # a few lines: the cut record only
        offset = data.rfind(b"\n", 0, offset)
    return offset + 1
