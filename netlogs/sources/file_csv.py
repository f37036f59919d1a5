"""Log Analytics portal CSV exports.

The portal names time columns ``TimeGenerated [UTC]`` or ``TimeGenerated [Local Time]`` and
writes US-style times (``8/9/2023, 2:24:24.550 PM``). Local times are refused unless the caller
names the zone they were exported in: guessing would shift every row by hours. Cells are typed
the way ``polars.read_csv`` types them (all text when that fails); the normalizers accept both.
Columns no normalizer reads (tenant, billing, the pandas index of re-saved exports, the long
``ResourceId`` next to ``Resource``) are never materialised.
"""

from __future__ import annotations

import re
import zoneinfo
from pathlib import Path
from typing import IO

import polars as pl

from netlogs.errors import InputError
from netlogs.normalize.common import parse_time_column

_ZONE_SUFFIX = re.compile(r"^(?P<name>.*?)\s*\[(?P<zone>UTC|Local Time)\]$")
_TIME_COLUMNS = frozenset(
    {
        "TimeGenerated",
        "FlowStartTime",
        "FlowEndTime",
        "FlowIntervalEndTime",
        "FlowStartTime_t",
        "FlowEndTime_t",
        "FlowIntervalEndTime_t",
        "FlowIntervalStartTime_t",
        "EventStartTime",
    }
)
# Columns no normalizer reads; skipping them saves most of the cost of wide exports.
_NOT_EVIDENCE = frozenset(
    {
        "",
        "TenantId",
        "SourceSystem",
        "_BilledSize",
        "_IsBillable",
        "MG",
        "ManagementGroupName",
        "Computer",
        "SubscriptionId",
        "_SubscriptionId",
        "ResourceGroup",
        "ResourceType",
    }
)


def read_portal_csv(
    source: Path | IO[bytes], display: str, csv_timezone: str | None
) -> pl.DataFrame:
    """Read a CSV export with ``_row`` = its line number; ``[UTC]``/``[Local Time]`` made UTC.

    Raises:
        InputError: unreadable CSV, or local-time columns without ``csv_timezone``.
    """
    try:
        frame = _read_csv(source)
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"{display}: not a readable CSV file ({_first_line(exc)})") from None
    frame = frame.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("_row"))
    return _zoned_time_columns(frame, display, csv_timezone)


def _evidence_columns(source: Path | IO[bytes]) -> list[str]:
    header = pl.read_csv(_rewound(source), n_rows=0, infer_schema=False).columns
    skipped = _NOT_EVIDENCE | ({"ResourceId"} if "Resource" in header else set())
    wanted = [name for name in header if name not in skipped]
    return wanted or header


def _rewound(source: Path | IO[bytes]) -> Path | IO[bytes]:
    if not isinstance(source, Path):
        source.seek(0)
    return source


def _read_csv(source: Path | IO[bytes]) -> pl.DataFrame:
    """Typed like ``polars.read_csv`` (numbers become numbers); all text when inference fails."""
    columns = _evidence_columns(source)
    for options in (
        {"infer_schema_length": 10_000},
        {"infer_schema": False},
        # Invalid UTF-8 (an export cut mid-character): the lossy decoder is several times
        # slower, so it is only the last resort.
        {"infer_schema": False, "encoding": "utf8-lossy"},
    ):
        try:
            return pl.read_csv(_rewound(source), columns=columns, **options)  # type: ignore[arg-type]
        except pl.exceptions.ComputeError as exc:
            failure = exc
    raise failure


def _zoned_time_columns(
    frame: pl.DataFrame, display: str, csv_timezone: str | None
) -> pl.DataFrame:
    renames: dict[str, str] = {}
    converted: list[pl.Series] = []
    for column in frame.columns:
        match = _ZONE_SUFFIX.match(column)
        if match is None:
            # Without a zone note the column is what Log Analytics stores: UTC.
            if column in _TIME_COLUMNS and frame.schema[column] == pl.String:
                converted.append(parse_time_column(frame.get_column(column), "UTC"))
            continue
        renames[column] = match["name"]
        zone = "UTC" if match["zone"] == "UTC" else _zone(display, column, csv_timezone)
        converted.append(parse_time_column(frame.get_column(column), zone))
    return frame.with_columns(converted).rename(renames)


def _zone(display: str, column: str, csv_timezone: str | None) -> str:
    if csv_timezone is None:
        raise InputError(
            f"{display}: column '{column}' holds local times of an unknown zone; export with UTC "
            "times or give the zone of the export (--csv-tz, e.g. Europe/Berlin)"
        )
    try:
        zoneinfo.ZoneInfo(csv_timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(f"{display}: --csv-tz {csv_timezone!r} is not an IANA time zone") from None
    return csv_timezone


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
