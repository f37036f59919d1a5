"""What reading one evidence file gives: its tables, issues and row count (formats.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from netlogs.model import ParseIssue, RawTable
from netlogs.sources.files.checks import NotEvidenceError, checked_table


@dataclass
class FileRead:
    """What one file contributed."""

    detected_format: str
    tables: list[RawTable] = field(default_factory=list)
    issues: list[ParseIssue] = field(default_factory=list)
    sha256: str = ""
    partial_detail: str = ""  # set by a fetch ledger that lists partial query chunks
    total_rows: int | None = None  # rows in the file when only the query's rows were kept

    @property
    def rows(self) -> int:
        """Rows read from the file: the rows kept plus every row set aside."""
        if self.total_rows is not None:
            return self.total_rows
        return sum(
            table.frame.height + sum(rows for _, rows in table.set_aside) for table in self.tables
        )

    def add(self, raw: RawTable, options: ReadOptions) -> None:
        """Keep ``raw`` once it passed the evidence checks (checks.py).

        Raises:
            UnknownContentError: no row of ``raw`` is evidence, or it lacks a needed column.
        """
        try:
            checked = checked_table(raw, options.skip_unknown)
        except NotEvidenceError as exc:
            raise UnknownContentError(exc.reason) from None
        self.tables.append(checked.table)
        self.issues.extend(checked.issues)


@dataclass(frozen=True)
class ReadOptions:
    csv_timezone: str | None
    skip_unknown: bool


class UnknownContentError(Exception):
    """The file (or a part of it) is not a shape netlogs reads; ``line`` when known."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
