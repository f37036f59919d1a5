"""Response JSON -> typed frames, error descriptions and chunk arithmetic (no server needed)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import polars as pl
import pytest

from netlogs.errors import SourceError
from netlogs.model import TimeWindow
from netlogs.sources.log_analytics.chunks import (
    ResponseLimits,
    halve,
    iso_timespan,
    split_window,
    truncation_reason,
)
from netlogs.sources.query_api_json import describe_service_error, parse_response, typed_series
from tests.sources.log_analytics.la_bodies import FIXTURES, syntax_error_body

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)


def test_real_security_alert_response_keeps_7_digit_times_and_types():
    body = (FIXTURES / "msticpy_loganalytics_api_raw_response_SecurityAlert.json").read_bytes()
    parsed = parse_response(body, "sample")
    frame = parsed.primary
    assert frame.height == 3 and frame.width == 34
    assert frame.schema["TimeGenerated"] == pl.Datetime("us", "UTC")
    assert frame.schema["IsIncident"] == pl.Boolean
    assert frame.schema["ConfidenceScore"] == pl.Float64
    raw = json.loads(body)["tables"][0]["rows"][0][1]
    assert len(raw.split(".")[1]) == 8  # 7 digits + Z in the source ...
    assert frame["TimeGenerated"][0].microsecond == int(raw.split(".")[1][:6])  # ... kept to µs
    assert parsed.error is None and parsed.server_time_ms is None


def test_statistics_execution_time_becomes_server_time_ms():
    document = {"tables": [], **json.loads((FIXTURES / "la_api_statistics_block.json").read_text())}
    parsed = parse_response(json.dumps(document).encode(), "stats")
    assert parsed.server_time_ms == pytest.approx(15.6102)


def test_timespan_text_becomes_duration():
    series = typed_series(
        "lag", "timespan", ["00:05:00", "1.02:03:04.5", "-00:00:01", None, "bogus"], "t"
    )
    assert series.dtype == pl.Duration("us")
    assert series.to_list() == [
        timedelta(minutes=5),
        timedelta(days=1, hours=2, minutes=3, seconds=4, milliseconds=500),
        timedelta(seconds=-1),
        None,
        None,
    ]


def test_dynamic_objects_are_kept_as_json_text():
    series = typed_series("props", "dynamic", ['{"a":1}', {"b": [1, 2]}, None], "t")
    assert series.to_list() == ['{"a":1}', '{"b": [1, 2]}', None]


def test_guid_decimal_and_bad_datetimes():
    assert typed_series("g", "guid", ["8c5b..."], "t").dtype == pl.String
    assert typed_series("d", "decimal", ["1.25", None], "t").to_list() == [1.25, None]
    with pytest.raises(SourceError, match="ws1: column when holds values that are not ISO"):
        typed_series("when", "datetime", ["yesterday"], "ws1")


def test_rows_that_do_not_match_the_columns_are_an_error():
    body = {
        "tables": [
            {
                "name": "PrimaryResult",
                "columns": [{"name": "a", "type": "long"}],
                "rows": [[1], [2, 3], [4]],
            }
        ]
    }
    with pytest.raises(SourceError, match="do not match the 1 declared columns"):
        parse_response(json.dumps(body).encode(), "ws1")


def test_not_json_is_a_source_error_naming_the_chunk():
    with pytest.raises(SourceError, match=r"^ws1 \[chunk\]: the query API answered with invalid"):
        parse_response(b"<html>proxy error</html>", "ws1 [chunk]")


def test_empty_body_is_no_tables():
    assert parse_response(b"", "x").rows == 0


def test_error_description_walks_innererror_and_details():
    text = describe_service_error(syntax_error_body()["error"])
    assert text.startswith("BadArgumentError: The request had some invalid properties")
    assert "SYN0002: Query could not be parsed at '|' on line [3,2] (line 3, position 2)" in text
    partial = json.loads((FIXTURES / "la_api_partial_error_200.json").read_text())["error"]
    assert "E_OVERFLOW" in describe_service_error(partial)


def test_split_window_covers_the_window_without_overlap():
    window = TimeWindow(T0, T0 + timedelta(hours=2, minutes=30))
    chunks = split_window(window, timedelta(hours=1))
    assert [(c.start, c.end) for c in chunks] == [
        (T0, T0 + timedelta(hours=1)),
        (T0 + timedelta(hours=1), T0 + timedelta(hours=2)),
        (T0 + timedelta(hours=2), T0 + timedelta(hours=2, minutes=30)),
    ]


def test_halve_stops_at_the_smallest_chunk():
    limits = ResponseLimits(min_chunk=timedelta(minutes=1))
    halves = halve(TimeWindow(T0, T0 + timedelta(minutes=3)), limits)
    assert halves is not None
    assert halves[0].end == halves[1].start == T0 + timedelta(minutes=1, seconds=30)
    assert halve(TimeWindow(T0, T0 + timedelta(seconds=90)), limits) is None


def test_iso_timespan_uses_z_and_milliseconds():
    window = TimeWindow(T0, T0 + timedelta(minutes=7, seconds=30, milliseconds=250))
    assert iso_timespan(window) == "2026-11-20T10:00:00Z/2026-11-20T10:07:30.250Z"


def test_truncation_reasons():
    limits = ResponseLimits(max_rows=10, max_bytes=1000)
    assert truncation_reason(3, 10, None, limits) is None
    assert "E_QUERY_RESULT_SET_TOO_LARGE" in (
        truncation_reason(3, 10, "x (E_QUERY_RESULT_SET_TOO_LARGE)", limits) or ""
    )
    assert "10-row" in (truncation_reason(10, 10, None, limits) or "")
    assert "1000-byte" in (truncation_reason(1, 1000, None, limits) or "")
    assert truncation_reason(1, 1, "E_OVERFLOW in percentile", limits) is None
