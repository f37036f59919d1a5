"""How netlogs runs polars queries on its frames (one engine choice, copies avoided) and turns
columns into many Python objects at once.

Correlation collects its lazy plans through the helpers here, so engines are chosen in this one
place. Streaming (polars' default) runs row-wise expressions, filters and group-bys over
millions of rows in parallel morsels; the in-memory engine wins for plans that gather a few
rows by position and sort them (``collect_gathers``). Measurements in
benchmarks/RESULTS-trace.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import partial
from itertools import repeat
from typing import Any, Final, TypeVar
from zoneinfo import ZoneInfo

import polars as pl

T = TypeVar("T", bound=tuple[Any, ...])

STREAMING: Final = "streaming"
IN_MEMORY: Final = "in-memory"


def collect(plan: pl.LazyFrame) -> pl.DataFrame:
    """``plan.collect()``: scans, filters, row-wise expressions and group-bys (streaming)."""
    return plan.collect(engine=STREAMING)


def collect_all(plans: Iterable[pl.LazyFrame]) -> list[pl.DataFrame]:
    """``pl.collect_all(plans)`` (shared sub-plans computed once), as ``collect``."""
    return pl.collect_all(list(plans), engine=STREAMING)


def collect_gathers(plans: Iterable[pl.LazyFrame]) -> list[pl.DataFrame]:
    """``pl.collect_all(plans)`` for plans that gather few rows by position, concatenate and
    sort them (the cited evidence): in-memory, 2-3x faster there than streaming."""
    return pl.collect_all(list(plans), engine=IN_MEMORY)


def computed(frame: pl.DataFrame, *exprs: pl.Expr | str) -> pl.DataFrame:
    """``frame.select(*exprs)`` as a streaming query.

    Row-wise expressions over millions of rows run in parallel morsels there: about twice as
    fast as the eager select, which evaluates them one column at a time.
    """
    return collect(frame.lazy().select(*exprs))


def with_computed(frame: pl.DataFrame, *exprs: pl.Expr) -> pl.DataFrame:
    """``frame.with_columns(*exprs)``, the new columns computed by a streaming query and the
    others not copied."""
    return frame.with_columns(computed(frame, *exprs).get_columns())


def keep_rows(frame: pl.DataFrame, predicate: pl.Expr) -> pl.DataFrame:
    """``frame.filter(predicate)``, without the copy when every row passes.

    Inputs are often pre-filtered by the evidence query (the same tests, online or offline):
    a copy of millions of rows that drops none is pure allocation cost.
    """
    mask = computed(frame, predicate.fill_null(False)).to_series()  # null drops, as in filter
    return frame if mask.all() else frame.filter(mask)


def named_tuples(kind: type[T], *columns: Iterable[Any]) -> list[T]:
    """``[kind(*row) for row in zip(*columns)]`` for a NamedTuple ``kind``, without calling its
    Python-level ``__new__`` per row: ``zip`` builds each row tuple and ``tuple.__new__`` types
    it, both in C (about twice as fast for the ~200 k cited evidence rows)."""
    return list(map(partial(tuple.__new__, kind), zip(*columns, strict=True)))


_UTC = ZoneInfo("UTC")  # the zone polars gives the datetimes of a "UTC" column
_EXACT_SECONDS = 2**32  # below this, a double holds a microsecond instant to < 0.5 us


def utc_datetimes(times: pl.Series) -> list[datetime | None]:
    """``times.to_list()`` for a UTC Datetime column, about twice as fast (same objects).

    Each instant is rebuilt by ``datetime.fromtimestamp`` from its seconds as a double: before
    2106 a double holds a microsecond instant to better than half a microsecond and
    fromtimestamp rounds to the nearest one, so the result is exact. Other columns, and
    instants outside that range, take polars' own conversion.
    """
    present = times.drop_nulls()
    if times.dtype != pl.Datetime("us", "UTC") or present.is_empty():
        return times.to_list()
    micros = present.dt.epoch("us")
    limit = _EXACT_SECONDS * 1_000_000
    if not -limit < int(micros.min()) <= int(micros.max()) < limit:  # type: ignore[arg-type]
        return times.to_list()
    seconds = (micros / 1_000_000).to_list()
    converted: list[datetime | None] = list(map(datetime.fromtimestamp, seconds, repeat(_UTC)))
    if present.len() == times.len():
        return converted
    rows = iter(converted)
    return [next(rows) if known else None for known in times.is_not_null().to_list()]


def few_values(column: pl.Series, objects: Mapping[str, Any] | None = None) -> list[Any]:
    """``column.to_list()`` for a string column with few distinct values, each row referring
    to one shared object per value: the value itself, or ``objects[value]`` (which must hold
    every value of the column). Nulls stay None."""
    names = list(objects) if objects is not None else column.drop_nulls().unique().to_list()
    codes = column.cast(pl.Enum(names)).to_physical()
    shared = [*(objects[n] for n in names), None] if objects is not None else [*names, None]
    return list(map(shared.__getitem__, codes.fill_null(len(names)).to_list()))


def within(frame: pl.DataFrame, column: str, start: datetime, end: datetime) -> pl.DataFrame:
    """Rows with ``start <= column <= end``: a zero-copy slice when the column is time-ordered."""
    times = frame.get_column(column)
    if times.null_count() or not times.is_sorted():
        return frame.filter(pl.col(column).is_between(start, end))
    first = int(times.search_sorted(start, side="left"))
    last = int(times.search_sorted(end, side="right"))
    return frame.slice(first, max(last - first, 0))
