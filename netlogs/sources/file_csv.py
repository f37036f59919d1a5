"""Log Analytics portal CSV exports.

The portal names time columns ``TimeGenerated [UTC]`` or ``TimeGenerated [Local Time]`` and
writes US-style times (``8/9/2023, 2:24:24.550 PM``). Local times are refused unless the caller
names the zone they were exported in: guessing would shift every row by hours. Every cell is
read as text; the normalizers type what they use.
"""

from __future__ import annotations

import re
import zoneinfo

import polars as pl

from netlogs.errors import InputError
from netlogs.normalize.common import parse_time_column

_ZONE_SUFFIX = re.compile(r"^(?P<name>.*?)\s*\[(?P<zone>UTC|Local Time)\]$")


def read_portal_csv(data: bytes, display: str, csv_timezone: str | None) -> pl.DataFrame:
    """Read a CSV export with ``_row`` = its line number; ``[UTC]``/``[Local Time]`` made UTC.

    Raises:
        InputError: unreadable CSV, or local-time columns without ``csv_timezone``.
    """
    try:
        frame = _read_text_csv(data)
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"{display}: not a readable CSV file ({_first_line(exc)})") from None
    frame = frame.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("_row"))
    return _zoned_time_columns(frame, display, csv_timezone)


def _read_text_csv(data: bytes) -> pl.DataFrame:
    try:
        return pl.read_csv(data, infer_schema=False)
    except pl.exceptions.ComputeError:
        # Invalid UTF-8 somewhere (an export cut mid-character): the lossy decoder is several
        # times slower, so it is only the fallback.
        return pl.read_csv(data, infer_schema=False, encoding="utf8-lossy")


def _zoned_time_columns(
    frame: pl.DataFrame, display: str, csv_timezone: str | None
) -> pl.DataFrame:
    renames: dict[str, str] = {}
    converted: list[pl.Series] = []
    for column in frame.columns:
        match = _ZONE_SUFFIX.match(column)
        if match is None:
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
