"""Recognise one evidence file by its content and turn it into RawTables.

Shapes: canonical Parquet (``PAR1`` magic), Log Analytics query-API JSON (``{"tables": ...}``,
possibly with a top-level ``error`` = partial result), ``az monitor log-analytics query -o json``
arrays of row objects, raw resource-log JSON (``{"records": [...]}``, a bare array of records, one
record, or one JSON object per line), and portal CSV exports. The file name is never consulted.
"""

from __future__ import annotations

import hashlib
import io
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

import polars as pl

from netlogs.errors import SourceError
from netlogs.model import EvidenceQuery, ParseIssue, RawTable, SetAsideReason, SourceStatus
from netlogs.normalize import evidence_predicates, read_canonical, scan_canonical
from netlogs.sources.files.checks import (
    shown,
    with_set_aside,
)
from netlogs.sources.files.csv_reader import read_portal_csv
from netlogs.sources.files.json_reader import (
    MAX_JSON_DEPTH,
    deepest_line,
    first_bad_line,
    invalid_json,
    looks_like_json_lines,
)
from netlogs.sources.files.own_files import (
    TRACE_SCHEMA,
    is_fetch_metadata,
    ledger_issues,
    ledger_partial_detail,
    own_output_kind,
    own_output_note,
)
from netlogs.sources.files.raw import classify_records, records_frame
from netlogs.sources.files.read import FileRead, ReadOptions, UnknownContentError
from netlogs.sources.files.records import read_records

__all__ = [
    "FileRead",
    "ReadOptions",
    "UnknownContentError",
    "file_sha256",
    "read_evidence_bytes",
    "read_evidence_file",
    "read_evidence_path",
]
from netlogs.sources.files.tables import detect_table
from netlogs.sources.query_api_json import describe_service_error, frame_from_table


def read_evidence_file(
    path: Path, display: str, options: ReadOptions, query: EvidenceQuery | None = None
) -> FileRead:
    """Read one file, hashing it in a thread while it is parsed.

    With a ``query``, canonical Parquet keeps only the rows the query returns (plus
    the newest rows); the rest is never loaded.

    Raises:
        InputError: unreadable CSV or a local-time export without a zone.
        UnknownContentError: not a shape netlogs reads (the caller applies the skip policy).
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        # hashlib releases the GIL on large buffers, so hashing overlaps with parsing.
        digest = pool.submit(file_sha256, path)
        read = read_evidence_path(path, display, options, query)
        read.sha256 = digest.result()
    return read


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def read_evidence_path(
    path: Path, display: str, options: ReadOptions, query: EvidenceQuery | None = None
) -> FileRead:
    """Recognise and read one file (``sha256`` left empty); CSV is parsed straight from disk."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head[:4] == b"PAR1":  # read from disk: the file's bytes never sit in memory whole
        if query is None:
            return _read_parquet(path, display)
        return _scan_parquet(path, display, query)
    if b"\x00" in head or head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (
        b"{",
        b"[",
    ):
        return read_evidence_bytes(path.read_bytes(), display, options)
    if not head.strip() and not path.read_bytes().strip():
        raise UnknownContentError("the file is empty")
    own = own_output_kind(head)
    if own is not None:
        return FileRead(own, issues=[own_output_note(own, display)])
    return _read_csv(path, display, options)


def read_evidence_bytes(data: bytes, display: str, options: ReadOptions) -> FileRead:
    """Recognise and read one file's content given as bytes (``sha256`` left empty)."""
    if data[:4] == b"PAR1":
        return _read_parquet(io.BytesIO(data), display)
    head = data[:4096]
    if b"\x00" in head:
        raise UnknownContentError("binary content that is not Parquet")
    if not head.strip() and not data.strip():
        raise UnknownContentError("the file is empty")
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        try:
            return _read_json(data.decode("utf-8-sig", errors="replace"), display, options)
        except (pl.exceptions.PolarsError, TypeError, AttributeError, KeyError, ValueError) as exc:
            # valid JSON in a shape that fits none of the formats (a row that is not a list, a
            # column that is not an object, values of clashing types ...)
            message = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            reason = f"JSON in a shape netlogs does not read ({type(exc).__name__}: {message})"
            raise UnknownContentError(reason) from None
    own = own_output_kind(head)
    if own is not None:
        return FileRead(own, issues=[own_output_note(own, display)])
    return _read_csv(io.BytesIO(data), display, options)


def _read_csv(source: Path | IO[bytes], display: str, options: ReadOptions) -> FileRead:
    csv = read_portal_csv(source, display, options.csv_timezone)
    aside = tuple(sorted(csv.set_aside.items()))
    hides = any(SetAsideReason(reason).hides_evidence for reason, _ in aside)
    status = SourceStatus.PARTIAL if hides else SourceStatus.COMPLETE
    detail = ""
    if hides:
        first = csv.issues[0]
        detail = (
            f"{sum(csv.set_aside.values())} row(s) of the CSV could not be read "
            f"(first: line {first.line}: {first.reason})"
        )
    read = _rows_read(
        "portal CSV export", csv.frame, display, options, RawTable("", csv.frame, display,
                                                                 status, detail, set_aside=aside)
    )
    read.issues[:0] = csv.issues
    return read


def _read_parquet(source: Path | IO[bytes], display: str) -> FileRead:
    try:
        name, frame = read_canonical(source)
    except (ValueError, OSError, pl.exceptions.PolarsError) as exc:
        reason = f"Parquet that is not a netlogs canonical table ({exc})"
        raise UnknownContentError(reason) from None
    frame = frame.with_columns(pl.int_range(1, pl.len() + 1).alias("_row"))
    return FileRead(
        f"netlogs canonical Parquet ({name})", [RawTable(f"canonical:{name}", frame, display)]
    )


def _scan_parquet(path: Path, display: str, query: EvidenceQuery) -> FileRead:
    """Canonical Parquet with the query's row filters pushed into the scan (same rows and ids):
    the table says which rows passed them, so the ledger does not test those rules again."""
    keep = evidence_predicates(query)
    try:
        scan = scan_canonical(path, keep, query.columns)
    except (ValueError, OSError, pl.exceptions.PolarsError) as exc:
        reason = f"Parquet that is not a netlogs canonical table ({exc})"
        raise UnknownContentError(reason) from None
    table = RawTable(
        f"canonical:{scan.name}",
        scan.frame,
        display,
        source_rows=scan.source_rows,
        unfiltered_rows=scan.unfiltered,
    )
    return FileRead(f"netlogs canonical Parquet ({scan.name})", [table], total_rows=scan.total_rows)


def _read_json(text: str, display: str, options: ReadOptions) -> FileRead:
    if looks_like_json_lines(text):
        return _read_json_lines(text, display, options)
    try:
        document = json.loads(text)
    except RecursionError:
        raise UnknownContentError("JSON nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise UnknownContentError(invalid_json(exc), exc.lineno) from None
    if isinstance(document, dict):
        return _read_json_object(document, display, options)
    if isinstance(document, list):
        return _read_json_array(document, display, options)
    raise UnknownContentError("JSON that is neither an object nor an array")


def _read_json_object(document: dict[str, Any], display: str, options: ReadOptions) -> FileRead:
    if document.get("schema") == TRACE_SCHEMA:
        kind = f"netlogs trace report ({TRACE_SCHEMA} JSON)"
        return FileRead(kind, issues=[own_output_note(kind, display)])
    if is_fetch_metadata(document):
        return FileRead(
            f"netlogs fetch metadata ({document['schema']})",
            issues=ledger_issues(document, display),
            partial_detail=ledger_partial_detail(document),
        )
    if "tables" in document:
        return _read_query_api(document, display, options)
    if "error" in document:
        detail = (
            describe_service_error(document["error"])
            if isinstance(document["error"], dict)
            else str(document["error"])
        )
        raise UnknownContentError(f"a Log Analytics error response without rows ({detail})")
    records = document.get("records")
    if isinstance(records, list):
        return read_records(records_frame(records), display, options, "resource-log JSON")
    if "category" in document:
        return read_records(records_frame([document]), display, options, "resource-log JSON")
    raise UnknownContentError("a JSON object without 'tables' or 'records'")


def _read_json_array(rows: list[Any], display: str, options: ReadOptions) -> FileRead:
    if not rows:
        return FileRead("empty JSON array")
    if not all(isinstance(row, dict) for row in rows[:1000]):
        raise UnknownContentError("a JSON array whose items are not objects")
    first = rows[0]
    if "records" in first or "category" in first or "flowLogVersion" in first:
        if "records" in first:
            rows = [record for wrapper in rows for record in wrapper.get("records") or ()]
        return read_records(records_frame(rows), display, options, "resource-log JSON")
    frame = pl.from_dicts(rows, infer_schema_length=None)
    frame = _json_text_columns(frame.drop("TableName", strict=False))
    frame = frame.with_columns(pl.int_range(1, pl.len() + 1).alias("_row"))
    return _rows_read("az monitor log-analytics query JSON", frame, display, options)


def _read_json_lines(text: str, display: str, options: ReadOptions) -> FileRead:
    """One JSON object per line (Event Hub / storage exports, ``jq -c`` output)."""
    lines = pl.Series(text.split("\n"))
    too_deep = deepest_line(lines, MAX_JSON_DEPTH)
    if too_deep is not None:
        raise UnknownContentError("JSON nested too deeply", too_deep)
    numbers = (lines.str.strip_chars().str.len_bytes() > 0).arg_true() + 1
    try:
        frame = pl.read_ndjson(io.BytesIO(text.encode()), infer_schema_length=None)
    except pl.exceptions.PolarsError:
        reason, bad = first_bad_line(text)
        if bad is not None and _is_cut_last_line(text, bad):
            return _without_cut_last_line(text, bad, display, options)
        raise UnknownContentError(reason, bad) from None
    if frame.height != numbers.len():
        raise UnknownContentError("JSON lines that could not be told apart", None)
    frame = frame.with_columns(numbers.cast(pl.Int64).alias("_row"))
    if "records" in frame.columns and "category" not in frame.columns:
        frame = frame.select("_row", "records").explode("records").unnest("records")
        ordinal = pl.int_range(pl.len()).over("_row") + 1
        frame = frame.with_columns(
            pl.col("_row").alias("_line"),
            (pl.col("_row").cast(pl.String) + "." + ordinal.cast(pl.String)).alias("_row"),
        )
    return read_records(classify_records(frame), display, options, "resource-log JSON lines")


def _is_cut_last_line(text: str, line: int) -> bool:
    """``line`` is the last line and the file does not end with a newline: the file was cut."""
    return not text.endswith("\n") and line == text.count("\n") + 1 and line > 1


def _without_cut_last_line(text: str, line: int, display: str, options: ReadOptions) -> FileRead:
    """The lines before a last line cut short; that record is set aside as truncated and, as it
    could have been any of the file's logs, every table of the file is partial."""
    head = text[: text.rfind("\n") + 1]
    if not head.strip():
        raise UnknownContentError("the only JSON line is cut short", line)
    read = _read_json_lines(head, display, options)
    if not read.tables:
        raise UnknownContentError("the last JSON line is cut short", line)
    why = "the file ends inside this record"
    read.issues.append(ParseIssue(display, line, why))
    read.tables = [
        replace(
            with_set_aside(table, SetAsideReason.TRUNCATED, 1) if i == 0 else table,
            status=SourceStatus.PARTIAL,
            detail="; ".join(filter(None, (table.detail, f"line {line}: {why}"))),
        )
        for i, table in enumerate(read.tables)
    ]
    return read


def _read_query_api(document: dict[str, Any], display: str, options: ReadOptions) -> FileRead:
    error = document.get("error")
    status = SourceStatus.PARTIAL if error else SourceStatus.COMPLETE
    detail = describe_service_error(error) if isinstance(error, dict) else ""
    read = FileRead("Log Analytics query API JSON" + (" (partial result)" if error else ""))
    tables = document.get("tables") or []
    for index, table in enumerate(tables):
        origin = display if len(tables) == 1 else f"{display}[{index}]"
        try:
            frame = frame_from_table(table, origin)
        except SourceError as exc:
            raise UnknownContentError(str(exc).removeprefix(f"{origin}: ")) from None
        frame = frame.with_columns(pl.int_range(1, pl.len() + 1).alias("_row"))
        name = _table_or_unknown(frame, f"query API table {table.get('name', '?')!r}")
        read.add(RawTable(name, frame, origin, status, detail), options)
    names = ", ".join(dict.fromkeys(table.table for table in read.tables))
    read.detected_format += f" ({names})" if names else ""
    return read


def _rows_read(
    kind: str,
    frame: pl.DataFrame,
    display: str,
    options: ReadOptions,
    template: RawTable | None = None,
) -> FileRead:
    """One table of rows; ``template`` carries the status and set-aside rows of the reader."""
    name = _table_or_unknown(frame, kind)
    read = FileRead(f"{kind} ({name})")
    raw = RawTable(name, frame, display) if template is None else replace(template, table=name)
    read.add(raw, options)
    return read


def _table_or_unknown(frame: pl.DataFrame, kind: str) -> str:
    name = detect_table(frame)
    if name is None:
        listed = ", ".join(shown(c) for c in frame.columns[:8] if not c.startswith("_"))
        raise UnknownContentError(
            f"{kind} with columns that match no log table netlogs reads "
            f"({listed}{', ...' if frame.width > 8 else ''})"
        )
    return name


def _json_text_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Nested values (``dynamic`` columns) become JSON text, as the query API sends them."""
    nested = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Struct):
            nested.append(pl.col(name).struct.json_encode())
        elif isinstance(dtype, pl.List) and dtype.inner.is_nested():
            # lists of lists or objects: their JSON text (``{"v": ...}`` without the wrapper)
            wrapped = pl.struct(pl.col(name).alias("v")).struct.json_encode()
            nested.append(wrapped.str.strip_prefix('{"v":').str.strip_suffix("}").alias(name))
        elif isinstance(dtype, pl.List):
            nested.append(pl.col(name).cast(pl.List(pl.String)).list.join(","))
    return frame.with_columns(nested)
