"""How netlogs runs polars queries on its frames: named engines, copies avoided.

Every hot collect names its engine (polars' "auto" streams). Measured per call site on the 1x
benchmark with polars 2.1: streaming wins for row-wise expressions, filters and group-bys over
millions of rows, in-memory for the filtered Parquet scan, gathers, sorts and joins.
"""

from __future__ import annotations

from typing import Final

import polars as pl

STREAMING: Final = "streaming"
IN_MEMORY: Final = "in-memory"


def computed(frame: pl.DataFrame, *exprs: pl.Expr | str) -> pl.DataFrame:
    """``frame.select(*exprs)`` as a streaming query.

    Row-wise expressions over millions of rows run in parallel morsels there: about twice as
    fast as the eager select, which evaluates them one column at a time.
    """
    return frame.lazy().select(*exprs).collect(engine=STREAMING)


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
