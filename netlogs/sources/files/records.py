"""Raw resource-log records (storage blobs, Event Hub lines) -> one RawTable per raw shape.

Records of a category netlogs does not read are refused, or with ``--skip-unknown`` set aside
(counted with the file's first table, so every record is accounted for). Flow records without
their list of flows, and shapes lacking a field on the way to their flow tuples, are set aside
or refused like any export lacking a needed column.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from netlogs.model import ParseIssue, RawTable, SetAsideReason, SourceStatus
from netlogs.sources.files.checks import with_set_aside
from netlogs.sources.files.raw import MissingFieldError, records_without_flows, shape_raw
from netlogs.sources.files.read import FileRead, ReadOptions, UnknownContentError


def read_records(frame: pl.DataFrame, display: str, options: ReadOptions, kind: str) -> FileRead:
    read = FileRead(kind)
    damaged = _without_category(frame)
    damaged_lines = _lines(frame.filter(damaged))
    frame = frame.filter(~damaged)
    if frame.is_empty() and damaged_lines.len():
        raise UnknownContentError("records without a category", damaged_lines[0])
    unknown = frame.filter(pl.col("_shape").is_null())
    if unknown.height:
        lines = _lines(unknown)
        reason = "a record whose category netlogs does not read"
        if not options.skip_unknown or unknown.height == frame.height:
            raise UnknownContentError(reason, lines[0])
        read.issues.extend(ParseIssue(display, line, f"{reason}; set aside") for line in lines)
    known = frame.filter(pl.col("_shape").is_not_null())
    for (shape,), part in sorted(known.partition_by("_shape", as_dict=True).items()):
        table, issues = _raw_shape(str(shape), part, display, options)
        read.issues.extend(issues)
        read.add(table, options)
    if unknown.height:  # counted with the file's first table, so every record is accounted for
        read.tables[0] = with_set_aside(read.tables[0], SetAsideReason.UNRELATED, unknown.height)
    if damaged_lines.len():
        _set_damaged_aside(read, damaged_lines, display)
    shapes = ", ".join(table.table for table in read.tables)
    read.detected_format = f"{kind} ({shapes})" if shapes else kind
    return read


def _without_category(frame: pl.DataFrame) -> pl.Series:
    """Records that lost their category (and are no flow log by their version): damaged."""
    if "category" not in frame.columns:
        return pl.Series([False] * frame.height, dtype=pl.Boolean)
    blank = pl.col("category").cast(pl.String).str.strip_chars().fill_null("") == ""
    return frame.select((blank & pl.col("_shape").is_null()).alias("damaged")).to_series()


def _set_damaged_aside(read: FileRead, lines: pl.Series, display: str) -> None:
    """Records without a category could have been any of the file's logs: every table of the
    file is partial; the count goes with the first."""
    why = "a record without a category; set aside"
    read.issues.extend(ParseIssue(display, line, why) for line in lines)
    detail = f"{lines.len()} record(s) without a category"
    read.tables = [
        replace(
            with_set_aside(table, SetAsideReason.UNPARSEABLE, lines.len()) if i == 0 else table,
            status=SourceStatus.PARTIAL,
            detail="; ".join(filter(None, (table.detail, detail))),
        )
        for i, table in enumerate(read.tables)
    ]


def _lines(frame: pl.DataFrame) -> pl.Series:
    """The line (or record number) of each record, for issues."""
    column = "_line" if "_line" in frame.columns else "_row"
    lines: pl.Series = frame.get_column(column).cast(pl.Int64, strict=False)
    return lines


def _raw_shape(
    shape: str, records: pl.DataFrame, display: str, options: ReadOptions
) -> tuple[RawTable, list[ParseIssue]]:
    """The flat table of one raw shape; records without a field it needs are set aside."""
    without = records_without_flows(shape, records)
    if without is not None and without.any():
        kept, issues = _raw_shape(shape, records.filter(~without), display, options)
        lines = records.filter(without).get_column("_line" if "_line" in records.columns
                                                   else "_row").cast(pl.Int64, strict=False)
        why = "a flow record without its list of flows; set aside"
        issues.extend(ParseIssue(display, line, why) for line in lines)
        aside = with_set_aside(kept, SetAsideReason.MISSING_COLUMN, int(without.sum()))
        detail = f"{int(without.sum())} flow record(s) without their list of flows"
        return replace(aside, detail="; ".join(filter(None, (kept.detail, detail)))), issues
    try:
        return RawTable(shape, shape_raw(shape, records), display), []
    except MissingFieldError as exc:
        reason = f"{shape} export lacks required column {exc.field}"
        if not options.skip_unknown:
            raise UnknownContentError(reason) from None
        detail = f"{reason}: its {records.height} record(s) are set aside"
        empty = RawTable(shape, records.head(0), display, SourceStatus.PARTIAL, detail)
        issue = ParseIssue(display, None, f"{detail}; they are not evidence")
        return with_set_aside(empty, SetAsideReason.MISSING_COLUMN, records.height), [issue]
