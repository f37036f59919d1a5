"""Log Analytics query-API response JSON -> typed polars frames (no Azure SDK needed).

The API declares a type for every column (``string, datetime, int, long, real, bool, dynamic,
guid, timespan, decimal``). The SDK converts every cell of every row into Python objects; for large
pulls we instead transpose the row lists once (C-level ``zip``) and build one polars Series per
column with the declared dtype, parsing datetimes and timespans vectorized.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from netlogs.errors import SourceError

# Kusto column type -> the polars dtype a Series is built with (datetime/timespan parsed after).
_DIRECT_DTYPES: Mapping[str, pl.DataType] = {
    "string": pl.String(),
    "guid": pl.String(),
    "bool": pl.Boolean(),
    "int": pl.Int32(),
    "long": pl.Int64(),
    "real": pl.Float64(),
    "decimal": pl.Float64(),
}
LA_TIME = pl.Datetime("us", "UTC")
LA_TIMESPAN = pl.Duration("us")
# ISO-8601 with 0-7 fractional digits and ``Z`` or an offset (ingested rows carry 7 digits).
_ISO_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%#z"
# Kusto timespan text: [-][d.]hh:mm:ss[.fffffff]
_TIMESPAN_RE = r"^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$"


@dataclass(frozen=True)
class ParsedResponse:
    """One query-API response: its tables, the top-level error (partial result) and statistics."""

    tables: tuple[tuple[str, pl.DataFrame], ...]
    error: Mapping[str, Any] | None
    server_time_ms: float | None

    @property
    def rows(self) -> int:
        return sum(frame.height for _, frame in self.tables)

    @property
    def primary(self) -> pl.DataFrame:
        """The first table (``PrimaryResult``); an empty frame when the response had none."""
        return self.tables[0][1] if self.tables else pl.DataFrame()


def parse_response(body: bytes, where: str) -> ParsedResponse:
    """Parse a query-API response body; ``where`` names workspace/chunk for error messages.

    Raises:
        SourceError: the body is not the query-API JSON shape.
    """
    if not body.strip():
        return ParsedResponse((), None, None)
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise SourceError(f"{where}: the query API answered with invalid JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise SourceError(f"{where}: the query API answered with JSON that is not an object")
    tables = tuple(
        (str(table.get("name", "")), frame_from_table(table, where))
        for table in document.get("tables") or ()
    )
    error = document.get("error")
    return ParsedResponse(
        tables, error if isinstance(error, dict) else None, _server_time(document)
    )


def frame_from_table(table: Mapping[str, Any], where: str) -> pl.DataFrame:
    """A frame from one ``{"name","columns","rows"}`` table, column-wise, with declared types."""
    columns: Sequence[Mapping[str, str]] = table.get("columns") or ()
    rows: Sequence[Sequence[Any]] = table.get("rows") or ()
    widths = set(map(len, rows))  # builtin map/len: C speed, no Python frame per row
    if widths - {len(columns)}:
        raise SourceError(f"{where}: rows do not match the {len(columns)} declared columns")
    values: list[Sequence[Any]] = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    series = [
        typed_series(column["name"], column.get("type", "string"), column_values, where)
        for column, column_values in zip(columns, values, strict=True)
    ]
    return pl.DataFrame(series)


def typed_series(name: str, kusto_type: str, values: Sequence[Any], where: str) -> pl.Series:
    """One column as a polars Series of the dtype its Kusto type maps to."""
    kind = kusto_type.lower()
    if kind == "datetime":
        return _datetime_series(name, values, where)
    if kind == "timespan":
        return _timespan_series(name, values)
    if kind == "dynamic":
        return _dynamic_series(name, values)
    dtype = _DIRECT_DTYPES.get(kind, pl.String())
    try:
        return pl.Series(name, values, dtype=dtype, strict=False)
    except (TypeError, pl.exceptions.PolarsError):
        # e.g. decimals sent as text: infer first, then cast (unreadable values become null)
        inferred: pl.Series = pl.Series(name, values, strict=False).cast(dtype, strict=False)
        return inferred


def _datetime_series(name: str, values: Sequence[Any], where: str) -> pl.Series:
    text = pl.Series(name, values, dtype=pl.String(), strict=False)
    try:
        parsed = text.str.to_datetime(_ISO_FORMAT, time_unit="us", strict=True)
    except pl.exceptions.PolarsError as exc:
        raise SourceError(
            f"{where}: column {name} holds values that are not ISO datetimes"
        ) from exc
    in_utc: pl.Series = parsed.dt.convert_time_zone("UTC").cast(LA_TIME)
    return in_utc


def _timespan_series(name: str, values: Sequence[Any]) -> pl.Series:
    """Kusto ``[-][d.]hh:mm:ss[.fffffff]`` text -> Duration; unreadable text becomes null."""
    parts = (
        pl.Series(name, values, dtype=pl.String(), strict=False)
        .str.extract_groups(_TIMESPAN_RE)
        .struct.unnest()
    )
    frame = parts.select(
        sign=pl.when(pl.col("1") == "-").then(-1).otherwise(1),
        micros=(
            pl.col("2").cast(pl.Int64).fill_null(0) * 86_400_000_000
            + pl.col("3").cast(pl.Int64) * 3_600_000_000
            + pl.col("4").cast(pl.Int64) * 60_000_000
            + pl.col("5").cast(pl.Int64) * 1_000_000
            + pl.col("6").str.pad_end(7, "0").str.slice(0, 6).cast(pl.Int64).fill_null(0)
        ),
    )
    duration: pl.Series = (frame["sign"] * frame["micros"]).cast(LA_TIMESPAN).alias(name)
    return duration


def _dynamic_series(name: str, values: Sequence[Any]) -> pl.Series:
    """``dynamic`` stays JSON text; the API sends it as text, objects are re-encoded (rare path)."""
    try:
        return pl.Series(name, values, dtype=pl.String(), strict=True)
    except (TypeError, pl.exceptions.PolarsError):
        encoded = [v if v is None or isinstance(v, str) else json.dumps(v) for v in values]
        return pl.Series(name, encoded, dtype=pl.String())


def _server_time(document: Mapping[str, Any]) -> float | None:
    """``statistics.query.executionTime`` (seconds) in ms, when statistics were asked for."""
    statistics = document.get("statistics")
    if not isinstance(statistics, dict):
        return None
    seconds = (statistics.get("query") or {}).get("executionTime")
    return float(seconds) * 1000.0 if isinstance(seconds, (int, float)) else None


def describe_service_error(error: Mapping[str, Any]) -> str:
    """One line from a OneAPI error: outer code, the innermost messages and any line/position.

    The service nests detail in ``innererror`` (and ``details[].innererror``); a syntax error's
    innermost entry carries ``line`` and ``pos``.
    """
    parts: list[str] = []
    for entry in error_chain(error):
        message = str(entry.get("message", "")).strip()
        code = str(entry.get("code", "")).strip()
        text = f"{code}: {message}" if code and message else code or message
        if "line" in entry:
            text += f" (line {entry['line']}, position {entry.get('pos', '?')})"
        if text and text not in parts:
            parts.append(text)
    return "; ".join(parts).replace("\n", " ") or "no error detail"


def error_chain(error: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    chain: list[Mapping[str, Any]] = []
    pending: list[Any] = [error]
    while pending and len(chain) < 20:  # bounded: a malformed body must not loop
        entry = pending.pop(0)
        if not isinstance(entry, dict):
            continue
        chain.append(entry)
        pending.extend(entry.get("details") or ())
        pending.append(entry.get("innererror"))
    return chain
