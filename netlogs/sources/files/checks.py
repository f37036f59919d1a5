"""Checks on a table read from a file before its rows are trusted as evidence.

- A ``Type`` column names the table each row came from: rows of a table netlogs does not read
  (``SigninLogs``, ``AzureActivity``, a custom ``_CL`` table) are not evidence, whatever their
  columns look like.
- ``AzureDiagnostics`` rows of a category netlogs does not read (Front Door, Application
  Gateway, ...) are set aside as unrelated; they never make a log family look present.
- A table whose export lacks a column the verdicts need is refused, or with ``--skip-unknown``
  kept as a partial source whose rows are all set aside (never read as empty).

A file made only of rows that are not evidence is an unknown file, like any content netlogs
does not read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from netlogs.model import ParseIssue, RawTable, SetAsideReason, SourceStatus
from netlogs.normalize.common import pick
from netlogs.normalize.dispatch import UNRELATED_PART, diagnostics_labels, unrelated_note
from netlogs.normalize.required import missing_column
from netlogs.sources.files.tables import KNOWN_TABLES


def shown(value: str, limit: int = 40) -> str:
    """A value from a file, fit for a one-line message: control characters escaped, cut short."""
    escaped = value.encode("unicode_escape").decode("ascii") if not value.isprintable() else value
    return escaped if len(escaped) <= limit else escaped[: limit - 3] + "..."


class NotEvidenceError(Exception):
    """Every row of the table is of a kind netlogs does not read."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Checked:
    """The table as it may be used, and what was set aside on the way."""

    table: RawTable
    issues: list[ParseIssue] = field(default_factory=list)


def checked_table(raw: RawTable, skip_unknown: bool) -> Checked:
    """``raw`` without rows that are not evidence, refused or set aside when it lacks columns.

    Raises:
        NotEvidenceError: no row is evidence (the caller treats the file as unknown), or a
            needed column is missing and ``skip_unknown`` is off.
    """
    if raw.table.startswith("canonical:"):
        return Checked(raw)
    checked = Checked(raw)
    foreign = _foreign_type(raw.frame)
    if foreign is not None:
        _drop_unrelated(checked, foreign, _type_note(raw.frame))
    if checked.table.table == "AzureDiagnostics":
        _drop_unrelated_diagnostics(checked)
    _require_columns(checked, skip_unknown)
    return checked


def _drop_unrelated_diagnostics(checked: Checked) -> None:
    """AzureDiagnostics rows no normalizer takes: blank categories (maybe damaged rows) are
    unparseable, the others' categories unrelated. Labelled once when nothing is dropped."""
    frame = checked.table.frame
    other = diagnostics_labels(frame) == UNRELATED_PART
    if not other.any():
        return
    blank = frame.select(
        pick(frame, "Category").cast(pl.String).str.strip_chars().fill_null("") == ""
    ).to_series()
    note = "rows without a Category that fit no log netlogs reads"
    _drop_unrelated(checked, other & blank, note, SetAsideReason.UNPARSEABLE)
    if checked.table.frame is not frame:  # rows were dropped: label what is left
        frame = checked.table.frame
        other = diagnostics_labels(frame) == UNRELATED_PART
    _drop_unrelated(checked, other, unrelated_note(frame.filter(other)))


def _foreign_type(frame: pl.DataFrame) -> pl.Series | None:
    """Rows whose ``Type`` names a table netlogs does not read (None: there are none).

    Judged once per distinct ``Type`` (an export holds a handful): per row it cost 0.013 s
    CPU per 300k rows.
    """
    if "Type" not in frame.columns:
        return None
    kind = frame.get_column("Type").cast(pl.String)
    distinct = kind.unique().drop_nulls().to_frame("kind")
    stripped = pl.col("kind").str.strip_chars()
    named = distinct.filter(
        (stripped.str.len_bytes() > 0) & ~stripped.is_in(sorted(KNOWN_TABLES))
    ).get_column("kind")
    return kind.is_in(named.implode()) if named.len() else None


def _type_note(frame: pl.DataFrame) -> str:
    if "Type" not in frame.columns:
        return ""
    kinds = frame.get_column("Type").cast(pl.String).drop_nulls().unique().sort()
    foreign = [k for k in kinds.to_list() if k.strip() and k.strip() not in KNOWN_TABLES]
    listed = ", ".join(shown(k) for k in foreign[:5]) + (", ..." if len(foreign) > 5 else "")
    return f"rows of tables netlogs does not read (Type: {listed})"


def _drop_unrelated(
    checked: Checked,
    mask: pl.Series,
    note: str,
    reason: SetAsideReason = SetAsideReason.UNRELATED,
) -> None:
    """Set aside the rows of ``mask`` (a damaged row may hide evidence: see ``reason``)."""
    raw = checked.table
    unrelated = int(mask.fill_null(False).sum())
    if not unrelated:
        return
    if unrelated == raw.frame.height:
        raise NotEvidenceError(_all_rows_note(note, unrelated))
    frame = raw.frame.filter(~mask.fill_null(False))
    checked.table = _with_set_aside(raw, frame, reason, unrelated)
    checked.issues.append(ParseIssue(raw.origin, None, f"{raw.table}: {note}; set aside"))


def _all_rows_note(note: str, rows: int) -> str:
    if note.startswith(f"{rows} AzureDiagnostics rows"):
        return "only " + note.removeprefix(f"{rows} ")
    return f"only {note}"


def _require_columns(checked: Checked, skip_unknown: bool) -> None:
    raw = checked.table
    missing = missing_column(raw.table, raw.frame)
    if missing is None:
        return
    reason = f"{raw.table} export lacks required column {missing}"
    if not skip_unknown:
        raise NotEvidenceError(reason)
    rows = raw.frame.height
    aside = _with_set_aside(raw, raw.frame.head(0), SetAsideReason.MISSING_COLUMN, rows)
    detail = f"{reason}: its {rows} row(s) are set aside"
    checked.table = RawTable(
        aside.table,
        aside.frame,
        aside.origin,
        SourceStatus.PARTIAL,
        f"{raw.detail}; {detail}" if raw.detail else detail,
        aside.source_rows,
        aside.set_aside,
    )
    checked.issues.append(ParseIssue(raw.origin, None, f"{detail}; they are not evidence"))


def with_set_aside(raw: RawTable, reason: SetAsideReason, rows: int) -> RawTable:
    """``raw`` with ``rows`` more rows counted as set aside for ``reason``."""
    return _with_set_aside(raw, raw.frame, reason, rows)


def _with_set_aside(
    raw: RawTable, frame: pl.DataFrame, reason: SetAsideReason, rows: int
) -> RawTable:
    counts = dict(raw.set_aside)
    counts[reason.value] = counts.get(reason.value, 0) + rows
    status = raw.status
    if reason.hides_evidence:
        status = SourceStatus.PARTIAL
    return RawTable(
        raw.table, frame, raw.origin, status, raw.detail, raw.source_rows,
        tuple(sorted(counts.items())),
    )
