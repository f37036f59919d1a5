"""Log Analytics portal CSV exports.

The portal names time columns ``TimeGenerated [UTC]`` or ``TimeGenerated [Local Time]`` and
writes US-style times (``8/9/2023, 2:24:24.550 PM``). Local times are refused unless the caller
names the zone they were exported in: guessing would shift every row by hours. Cells are typed
the way ``polars.read_csv`` types them (all text when that fails); the normalizers accept both.
Columns no normalizer reads (tenant, billing, the pandas index of re-saved exports, the long
``ResourceId`` next to ``Resource``) are never materialised.
"""

from __future__ import annotations

import io
import re
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import polars as pl

from netlogs.errors import InputError
from netlogs.model import ParseIssue, SetAsideReason
from netlogs.normalize.common import parse_time_column
from netlogs.sources.files.csv_rows import (
    ExportText,
    OpenQuote,
    open_quote,
    row_lines,
    short_rows,
)

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


@dataclass
class CsvRead:
    """The rows of a CSV export that can be used, and the rows set aside (with their lines)."""

    frame: pl.DataFrame
    display: str
    set_aside: dict[str, int] = field(default_factory=dict)
    issues: list[ParseIssue] = field(default_factory=list)

    def set_rows_aside(self, rows: pl.DataFrame, reason: SetAsideReason, why: str) -> None:
        """Count ``rows`` (``_row`` = their line) as set aside, with one issue per row."""
        if rows.is_empty():
            return
        self.set_aside[reason.value] = self.set_aside.get(reason.value, 0) + rows.height
        # set-aside rows are exceptions, so a loop over them is fine
        self.issues.extend(
            ParseIssue(self.display, int(line), why) for line in rows.get_column("_row")
        )


def read_portal_csv(
    source: Path | IO[bytes], display: str, csv_timezone: str | None
) -> CsvRead:
    """Read a CSV export with ``_row`` = the line each row starts on; ``[UTC]``/``[Local Time]``
    made UTC. Rows with too few fields, a last row cut by the end of the file, and rows whose
    time does not parse are set aside with their line.

    Raises:
        InputError: unreadable CSV, or local-time columns without ``csv_timezone``.
    """
    text = ExportText(source)
    try:
        frame, header = _read_csv(text.readable)
        cut = None
    except pl.exceptions.PolarsError as exc:
        # polars refuses a quote left open: the only way back is to cut the file before it
        cut = open_quote(text.data)
        if cut is None:
            raise InputError(f"{display}: not a readable CSV file ({_first_line(exc)})") from None
        frame, header, text = _read_cut_csv(cut, display)
    read = CsvRead(frame.head(0), display)
    if cut is not None:
        lost = pl.DataFrame({"_row": [cut.line]})
        read.set_rows_aside(lost, SetAsideReason.TRUNCATED, "the file ends inside this row")
    lines = row_lines(text, frame.height)
    if lines is not None:
        frame = frame.with_columns(lines.alias("_row"))
        frame = _without_cut_last_row(read, frame, text, display)
        frame = _without_short_rows(read, frame, text, header)
    else:  # the layout and polars disagree (not seen): keep polars' rows, numbered by index
        frame = frame.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("_row"))
    if header and header[-1] in _NOT_EVIDENCE:  # read only to find short rows
        frame = frame.drop(header[-1])
    read.frame = _without_bad_times(read, _zoned_time_columns(frame, display, csv_timezone))
    return read


def _read_cut_csv(cut: OpenQuote, display: str) -> tuple[pl.DataFrame, list[str], ExportText]:
    if cut.spans_lines:
        raise InputError(
            f"{display} (line {cut.line}): a quoted cell opened on this line is never "
            "closed; the file is damaged from here on"
        )
    try:
        frame, header = _read_csv(io.BytesIO(cut.data))
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"{display}: not a readable CSV file ({_first_line(exc)})") from None
    return frame, header, ExportText(cut.data)


def _without_cut_last_row(
    read: CsvRead, frame: pl.DataFrame, text: ExportText, display: str
) -> pl.DataFrame:
    """An export ends with a newline: without one, its last line was cut somewhere, so the last
    row (whatever it still holds) is set aside; a file cut inside its header is refused."""
    if text.ends_with_newline() or not text.data.strip():
        return frame
    if frame.is_empty():
        raise InputError(f"{display} (line 1): the file ends inside its header line (cut short)")
    read.set_rows_aside(frame.tail(1), SetAsideReason.TRUNCATED, "the file ends inside this row")
    return frame.head(-1)


def _without_short_rows(
    read: CsvRead, frame: pl.DataFrame, text: ExportText, header: list[str]
) -> pl.DataFrame:
    """Rows with fewer fields than the header are set aside."""
    if len(header) < 2 or frame.is_empty():
        return frame
    candidates = frame.get_column(header[-1]).is_null()
    if not candidates.any():  # every last cell filled: no row is short, nothing to lay out
        return frame
    short = short_rows(text, candidates, len(header))
    if not short.any():
        return frame
    why = "a row with fewer fields than the header"
    read.set_rows_aside(frame.filter(short), SetAsideReason.UNPARSEABLE, why)
    return frame.filter(~short)


def _without_bad_times(read: CsvRead, parsed: pl.DataFrame) -> pl.DataFrame:
    """Rows whose ``TimeGenerated`` is empty or not a time netlogs can read are set aside."""
    if "TimeGenerated" not in parsed.columns or parsed.is_empty():
        return parsed
    bad = parsed.get_column("TimeGenerated").is_null()
    if not bad.any():
        return parsed
    reason = SetAsideReason.UNPARSEABLE_TIME
    read.set_rows_aside(parsed.filter(bad), reason, "TimeGenerated is empty or not a time")
    return parsed.filter(~bad)


def evidence_columns(source: Path | IO[bytes]) -> tuple[list[str], list[str]]:
    """(columns netlogs reads of a CSV export, the whole header); the last column is always
    read (short rows). Public for the parse benchmark, whose anchor reads the same columns."""
    header = pl.read_csv(_rewound(source), n_rows=0, infer_schema=False).columns
    skipped = _NOT_EVIDENCE | ({"ResourceId"} if "Resource" in header else set())
    wanted = [name for name in header if name not in skipped] or list(header)
    if header and header[-1] not in wanted:
        wanted.append(header[-1])
    return wanted, header


def _rewound(source: Path | IO[bytes]) -> Path | IO[bytes]:
    if not isinstance(source, Path):
        source.seek(0)
    return source


def _read_csv(source: Path | IO[bytes]) -> tuple[pl.DataFrame, list[str]]:
    """Typed like ``polars.read_csv`` (numbers become numbers); all text when inference fails.

    Also returns the whole header: its width and last column find the short rows.
    """
    columns, header = evidence_columns(source)
    for options in (
        {},  # read_csv's own inference (100 rows); 10,000 rows cost +0.03 s CPU per 300k rows
        {"infer_schema": False},
        # Invalid UTF-8 (an export cut mid-character): the lossy decoder is several times
        # slower, so it is only the last resort.
        {"infer_schema": False, "encoding": "utf8-lossy"},
    ):
        try:
            frame = pl.read_csv(_rewound(source), columns=columns, **options)  # type: ignore[arg-type]
            return frame, header
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
