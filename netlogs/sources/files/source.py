"""Offline evidence: every supported file under a directory, recognised by its content.

``FileSource(root).collect(query)`` walks ``root`` recursively (sorted, so runs are repeatable),
recognises each file's format and Log Analytics table from its content (formats.py), and
returns the rows as RawTables with an InputFile (path, sha256, format, rows) per file. Exports
are filtered by the query once, after normalization, with a reason for every row set aside
(``netlogs.normalize.ledger.account_evidence``), as the KQL templates filter online. With
``prefilter=True`` netlogs' own canonical Parquet gets the query's row filters pushed into its
scan, so a trace loads only the rows it can use.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from netlogs.errors import InputError
from netlogs.model import (
    CollectedEvidence,
    EvidenceQuery,
    InputFile,
    ParseIssue,
    RawTable,
    SourceStatus,
)
from netlogs.sources.files.formats import file_sha256, read_evidence_file
from netlogs.sources.files.read import ReadOptions, UnknownContentError
from netlogs.sources.files.walk import Unwalkable, walk_evidence


class FileSource:
    """Evidence read from files (exports, raw storage blobs, ``netlogs fetch`` output)."""

    def __init__(
        self,
        root: Path,
        *,
        csv_timezone: str | None = None,
        skip_unknown: bool = False,
        prefilter: bool = False,
    ) -> None:
        """``prefilter``: push the query's row filters into canonical Parquet scans.

        Only for callers that account the rows afterwards (``trace``): ``collect`` then
        returns, of each canonical file, the rows the query keeps plus the file's newest rows
        (the offline latency reference), while row ids, InputFile and source row counts stay
        those of the whole file. Without it every row of every file is returned.
        """
        self.root = root
        self.options = ReadOptions(csv_timezone=csv_timezone, skip_unknown=skip_unknown)
        self.prefilter = prefilter

    def collect(self, query: EvidenceQuery) -> CollectedEvidence:
        """Read every file under ``root``.

        Raises:
            InputError: a file or directory is unreadable or not understood (unless
                ``skip_unknown``), or ``root`` holds no evidence file at all.
        """
        read = _Collected()
        files, unwalkable = self._walk()
        for problem in unwalkable:
            self._not_read(read, self._display(problem.path), problem.reason,
                           problem.hides_evidence)
        for path in files:
            self._read_one(read, path, query)
        if not read.inputs:
            raise InputError(f"{self.root}: no evidence files found (searched recursively)")
        return read.evidence()

    def _walk(self) -> tuple[list[Path], list[Unwalkable]]:
        try:
            return walk_evidence(self.root)
        except FileNotFoundError:
            raise InputError(f"{self.root}: no such file or directory") from None
        except OSError as exc:
            raise InputError(f"{self.root}: cannot be read ({exc.strerror or exc})") from None

    def _read_one(self, read: _Collected, path: Path, query: EvidenceQuery) -> None:
        display = self._display(path)
        try:
            found = read_evidence_file(
                path, display, self.options, query if self.prefilter else None
            )
        except UnknownContentError as exc:
            where = f" (line {exc.line})" if exc.line is not None else ""
            if not self.options.skip_unknown:
                raise InputError(f"{display}{where}: {exc.reason}") from None
            read.issues.append(ParseIssue(display, exc.line, f"file not read: {exc.reason}"))
            read.inputs.append(InputFile(display, _sha256_or_blank(path), "unknown (skipped)", 0))
            return
        except OSError as exc:
            self._not_read(read, display, f"cannot be read ({exc.strerror or exc})", True)
            return
        read.tables.extend((path.parent, table) for table in found.tables)
        read.issues.extend(found.issues)
        read.inputs.append(InputFile(display, found.sha256, found.detected_format, found.rows))
        if found.partial_detail:
            read.fetch_partial[path.parent] = f"{display}: {found.partial_detail}"

    def _not_read(self, read: _Collected, display: str, reason: str, hides: bool) -> None:
        """A path that could not be read: refused, or (``skip_unknown``) reported as a gap;
        when it may have held evidence, every source read is partial."""
        if not self.options.skip_unknown:
            raise InputError(f"{display}: {reason}")
        read.issues.append(ParseIssue(display, None, f"not read: {reason}"))
        if hides:
            read.hidden.append(f"{display}: {reason}")

    def _display(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


@dataclass
class _Collected:
    """What the files under the root gave, gathered while walking them."""

    tables: list[tuple[Path, RawTable]] = field(default_factory=list)
    issues: list[ParseIssue] = field(default_factory=list)
    inputs: list[InputFile] = field(default_factory=list)
    fetch_partial: dict[Path, str] = field(default_factory=dict)  # folder -> ledger says partial
    hidden: list[str] = field(default_factory=list)  # paths not read that may hold evidence

    def evidence(self) -> CollectedEvidence:
        tables = [_mark_partial(folder, table, self.fetch_partial) for folder, table in self.tables]
        if self.hidden:
            why = "not every input could be read (" + "; ".join(self.hidden[:3]) + (
                ", ..." if len(self.hidden) > 3 else "") + ")"
            tables = [_partial(table, why) for table in tables]
        return CollectedEvidence(
            raw_tables=tuple(tables), parse_issues=tuple(self.issues), inputs=tuple(self.inputs)
        )


def _partial(table: RawTable, why: str) -> RawTable:
    detail = f"{table.detail}; {why}" if table.detail else why
    return replace(table, status=SourceStatus.PARTIAL, detail=detail)


def _sha256_or_blank(path: Path) -> str:
    try:
        return file_sha256(path)
    except OSError:
        return ""


def _mark_partial(folder: Path, table: RawTable, partial: dict[Path, str]) -> RawTable:
    """Canonical tables of a fetch whose ledger lists partial chunks are partial themselves."""
    if folder not in partial or not table.table.startswith("canonical:"):
        return table
    return replace(table, status=SourceStatus.PARTIAL, detail=partial[folder])
