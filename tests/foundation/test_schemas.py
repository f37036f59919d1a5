"""conform() is the single gate into the canonical tables."""

from __future__ import annotations

import polars as pl

from netlogs.schemas import FW_EVENTS, KV_REQUESTS, conform, empty_frame


def test_conform_orders_casts_and_fills_missing_columns() -> None:
    raw = pl.DataFrame({"http_status": ["403"], "caller_ip": ["10.2.1.4"], "vendor_extra": [1]})
    out = conform(raw, KV_REQUESTS)
    assert out.columns == list(KV_REQUESTS)
    assert out.schema["http_status"] == pl.Int32()
    assert out.row(0, named=True)["http_status"] == 403
    assert out["vault"].to_list() == [None]


def test_conform_keeps_zero_rows_when_no_column_matches() -> None:
    assert conform(pl.DataFrame({"x": []}), FW_EVENTS).height == 0
    assert conform(pl.DataFrame({"x": [1, 2]}), FW_EVENTS).height == 2


def test_empty_frame_has_the_canonical_schema() -> None:
    assert dict(empty_frame(FW_EVENTS).schema) == dict(FW_EVENTS)
