"""netlogs' canonical tables as Parquet (``netlogs fetch`` writes them, ``--logs`` reads them)."""

from __future__ import annotations

import json
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import reduce
from pathlib import Path
from typing import IO

import polars as pl

from netlogs.fileio import atomic_output
from netlogs.frames import IN_MEMORY
from netlogs.model import EvidenceTables
from netlogs.schemas import CANONICAL


def write_canonical(tables: EvidenceTables, out_dir: Path) -> dict[str, Path]:
    """Write ``<table>.parquet`` for every canonical table (empty ones too: the schema travels).

    Each file's footer carries its summary (rows per source table, newest times), so a trace
    that reads only some rows does not scan the whole file for them.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in CANONICAL:
        path = out_dir / f"{name}.parquet"
        frame: pl.DataFrame = getattr(tables, name)
        metadata = summary_metadata(summarize_canonical(frame.lazy(), name))
        with atomic_output(path) as handle:
            frame.write_parquet(handle, metadata=metadata)
        written[name] = path
    return written


# The Parquet footer key of a canonical file's summary (JSON, see summary_metadata).
SUMMARY_KEY = "netlogs.summary"


@dataclass(frozen=True)
class CanonicalSummary:
    """What a whole canonical file holds: rows, rows per source table, newest times."""

    rows: int
    source_rows: tuple[tuple[str | None, int], ...]  # sorted by table, no-table last
    newest: Mapping[str, datetime | None]  # per _NEWEST_COLUMNS column


def summarize_canonical(frame: pl.LazyFrame, name: str) -> CanonicalSummary:
    """One pass over the few columns the summary needs (``frame`` has canonical types)."""
    newest_columns = _NEWEST_COLUMNS.get(name, ())
    per_source = (
        frame.group_by("source_table")
        .agg(pl.len().alias("_rows"), *(pl.col(c).max() for c in newest_columns))
        .sort("source_table", nulls_last=True)
        .collect()
    )
    source_rows = tuple(
        (table, int(rows)) for table, rows in per_source.select("source_table", "_rows").iter_rows()
    )
    newest = {column: per_source.get_column(column).max() for column in newest_columns}
    return CanonicalSummary(
        sum(rows for _, rows in source_rows),
        source_rows,
        {c: v if isinstance(v, datetime) else None for c, v in newest.items()},
    )


def summary_metadata(summary: CanonicalSummary) -> dict[str, str]:
    """The summary as Parquet footer metadata (times as integer microseconds: exact)."""
    document = {
        "rows": summary.rows,
        "source_rows": [[table, rows] for table, rows in summary.source_rows],
        "newest_us": {c: _micros(v) for c, v in summary.newest.items()},
    }
    return {SUMMARY_KEY: json.dumps(document, sort_keys=True)}


def _stored_summary(path: Path, name: str, rows: int) -> CanonicalSummary | None:
    """The footer's summary if it is well-formed and matches the file (else None: scan)."""
    try:
        document = json.loads(pl.read_parquet_metadata(path)[SUMMARY_KEY])
        source_rows = tuple((table, count) for table, count in document["source_rows"])
        newest = {c: _from_micros(document["newest_us"][c]) for c in _NEWEST_COLUMNS.get(name, ())}
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    valid = (
        document.get("rows") == rows
        and all(isinstance(t, str | None) and isinstance(n, int) for t, n in source_rows)
        and sum(n for _, n in source_rows) == rows
    )
    return CanonicalSummary(rows, source_rows, newest) if valid else None


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _micros(moment: datetime | None) -> int | None:
    return None if moment is None else (moment - _EPOCH) // timedelta(microseconds=1)


def _from_micros(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("newest time is not an integer")
    return _EPOCH + timedelta(microseconds=value)


def canonical_table_of(columns: Iterable[str]) -> str | None:
    """The canonical table whose columns these are (extra columns allowed, none missing)."""
    present = set(columns)
    for name, schema in CANONICAL.items():
        # Columns appended to a schema later are optional, so old files still read.
        required = set(list(schema)[: _BASE_WIDTH.get(name, len(schema))])
        if required <= present:
            return name
    return None


# Width of each schema when netlogs first wrote Parquet; later columns may be absent.
_BASE_WIDTH = {"kv_requests": 17, "fw_events": 18, "flows": 21, "dns": 8}


def read_canonical(source: Path | IO[bytes]) -> tuple[str, pl.DataFrame]:
    """(canonical table name, frame) of one Parquet file; ValueError if it is not one of ours."""
    frame = pl.read_parquet(source)
    name = canonical_table_of(frame.columns)
    if name is None:
        raise ValueError(f"columns {sorted(frame.columns)[:8]} match no canonical table")
    return name, frame


# Time columns the newest-evidence moment is taken from (pipeline/window.py): rows holding their
# maximum survive a filtered scan, so that moment does not depend on the query's filters.
_NEWEST_COLUMNS = {
    "kv_requests": ("time",),
    "fw_events": ("time",),
    "flows": ("time_start", "time_end"),
}


@dataclass(frozen=True)
class CanonicalScan:
    """The rows of one canonical Parquet file a query can use, and what the whole file held."""

    name: str
    frame: pl.DataFrame  # kept rows (the canonical columns; unread ones null)
    total_rows: int
    source_rows: tuple[tuple[str | None, int], ...]  # rows per source_table, whole file
    # positions in ``frame`` of the newest rows ``keep`` did not select (kept for the latency
    # reference); every other row passed ``keep``
    unfiltered: tuple[int, ...] = ()


def scan_canonical(
    path: Path, keep: Mapping[str, pl.Expr], columns: Mapping[str, Iterable[str]] | None = None
) -> CanonicalScan:
    """Read only the rows of ``path`` that ``keep[<table>]`` (or the newest-time rule) selects.

    The filter runs inside the Parquet scan, so memory follows the kept rows, not the file;
    the whole-file figures come from the footer summary (``write_canonical``) when it is there
    and matches the file, else from one scan of two columns.
    With ``columns``, only those columns of the table (and what the filter reads) are loaded;
    the others are typed nulls. Raises ValueError (or a polars error) if the file is not one of
    netlogs' canonical tables.
    """
    lazy = pl.scan_parquet(path)
    schema = lazy.collect_schema()
    name = canonical_table_of(schema)
    if name is None:
        raise ValueError(f"columns {sorted(schema)[:8]} match no canonical table")
    lazy = _canonical_types(lazy, schema, CANONICAL[name])
    rows = int(lazy.select(pl.len()).collect().item())  # from the footer: no data read
    summary = _stored_summary(path, name, rows) or summarize_canonical(lazy, name)
    newest = [
        (pl.col(column) == pl.lit(moment, CANONICAL[name][column])).fill_null(False)
        for column, moment in summary.newest.items()
        if moment is not None
    ]
    wanted = reduce(operator.or_, newest, keep[name])
    if columns is not None and name in columns:
        loaded = {*columns[name], *wanted.meta.root_names()}
        lazy = lazy.select(
            pl.col(c) if c in loaded else pl.lit(None, dtype).alias(c)
            for c, dtype in CANONICAL[name].items()
        )
    frame = lazy.filter(wanted).collect(engine=IN_MEMORY)
    unfiltered = _not_kept(frame, keep[name], newest)
    return CanonicalScan(name, frame, summary.rows, summary.source_rows, unfiltered)


def _not_kept(frame: pl.DataFrame, keep: pl.Expr, newest: list[pl.Expr]) -> tuple[int, ...]:
    """Positions of the rows only the newest-time rule selected: ``keep`` is tested again on
    the few rows at the newest times, not on every row."""
    if not newest or frame.is_empty():
        return ()
    candidates = frame.select(reduce(operator.or_, newest)).to_series().arg_true()
    if candidates.is_empty():
        return ()
    kept = frame[candidates].select(keep.fill_null(False)).to_series()
    return tuple(candidates.filter(~kept).to_list())


def _canonical_types(
    lazy: pl.LazyFrame, present: pl.Schema, schema: Mapping[str, pl.DataType]
) -> pl.LazyFrame:
    """Filters see canonical types; absent columns become typed nulls (as ``conform`` does)."""
    fixes = [
        pl.lit(None, dtype).alias(column) if column not in present else pl.col(column).cast(dtype)
        for column, dtype in schema.items()
        if column not in present or present[column] != dtype
    ]
    return lazy.with_columns(fixes) if fixes else lazy
