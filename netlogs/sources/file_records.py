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
from netlogs.sources.file_checks import with_set_aside
from netlogs.sources.file_raw import MissingFieldError, records_without_flows, shape_raw
from netlogs.sources.file_read import FileRead, ReadOptions, UnknownContentError


def read_records(frame: pl.DataFrame, display: str, options: ReadOptions, kind: str) -> FileRead:
    unknown = frame.filter(pl.col("_shape").is_null())
    read = FileRead(kind)
    if unknown.height:
        lines = unknown.get_column("_line" if "_line" in unknown.columns else "_row")
        first = lines.cast(pl.Int64, strict=False)[0]
        reason = "a record whose category netlogs does not read"
        if not options.skip_unknown or unknown.height == frame.height:
            raise UnknownContentError(reason, first)
        read.issues.extend(
            ParseIssue(display, line, f"{reason}; set aside")
            for line in lines.cast(pl.Int64, strict=False)
        )
    known = frame.filter(pl.col("_shape").is_not_null())
    for (shape,), part in sorted(known.partition_by("_shape", as_dict=True).items()):
        table, issues = _raw_shape(str(shape), part, display, options)
        read.issues.extend(issues)
        read.add(table, options)
    if unknown.height:  # counted with the file's first table, so every record is accounted for
        first_table = read.tables[0]
        read.tables[0] = with_set_aside(first_table, SetAsideReason.UNRELATED, unknown.height)
    shapes = ", ".join(table.table for table in read.tables)
    read.detected_format = f"{kind} ({shapes})" if shapes else kind
    return read


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
