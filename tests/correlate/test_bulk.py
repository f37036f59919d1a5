"""Bulk helpers: the fast datetime conversion gives exactly polars' own objects."""

from __future__ import annotations

from datetime import datetime, timezone

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from netlogs.frames import utc_datetimes
from netlogs.schemas import UTC_TIME

# microseconds from 1901 to 2105: the range the fast path claims to convert exactly
_INSTANTS = st.integers(min_value=-(2**31) * 10**6, max_value=(2**32 - 1) * 10**6)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), _INSTANTS), min_size=1, max_size=200))
def test_fast_conversion_equals_polars_to_list(micros: list[int | None]) -> None:
    times = pl.Series("time", micros, dtype=pl.Int64).cast(UTC_TIME)
    expected = times.to_list()
    converted = utc_datetimes(times)
    assert converted == expected
    assert [None if t is None else t.tzinfo for t in converted] == [
        None if t is None else t.tzinfo for t in expected
    ]


def test_instants_beyond_the_exact_range_and_other_types_fall_back() -> None:
    far = datetime(2300, 1, 1, 0, 0, 0, 1, tzinfo=timezone.utc)
    times = pl.Series("time", [far], dtype=UTC_TIME)
    assert utc_datetimes(times) == [far]
    naive = pl.Series("time", [datetime(2026, 11, 20, 1, 2, 3, 4)])
    assert utc_datetimes(naive) == naive.to_list()
    assert utc_datetimes(pl.Series("n", [1, None])) == [1, None]
