"""Offline evidence: every supported file under a directory, recognised by its content.

``FileSource(root).collect(query)`` walks ``root`` recursively (sorted, so runs are repeatable),
recognises each file's format and Log Analytics table from its content (file_formats.py), and
returns the rows as RawTables with an InputFile (path, sha256, format, rows) per file. Filtering
by the query happens after normalization (``netlogs.normalize.filter_evidence``), exactly as the
KQL templates filter online. With ``prefilter=True`` netlogs' own canonical Parquet also gets the
same row filters pushed into its scan, so a trace loads only the rows it can use.
"""

from __future__ import annotations

from dataclasses import replace
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
from netlogs.sources.file_formats import (
    ReadOptions,
    UnknownContentError,
    file_sha256,
    read_evidence_file,
)

# Files that are never evidence: notes next to the logs, editor and OS droppings.
_IGNORED_SUFFIXES = frozenset({".md", ".txt", ".rst"})


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

        Only for callers that apply ``filter_evidence`` afterwards (``trace``): ``collect`` then
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
            InputError: a file is unreadable or not understood (unless ``skip_unknown``),
                or ``root`` holds no evidence file at all.
        """
        tables: list[tuple[Path, RawTable]] = []
        issues: list[ParseIssue] = []
        inputs: list[InputFile] = []
        partial: dict[Path, str] = {}  # directory -> why its fetch ledger says "partial"
        for path in evidence_files(self.root):
            display = self._display(path)
            try:
                read = read_evidence_file(
                    path, display, self.options, query if self.prefilter else None
                )
            except UnknownContentError as exc:
                where = f" (line {exc.line})" if exc.line is not None else ""
                if not self.options.skip_unknown:
                    raise InputError(f"{display}{where}: {exc.reason}") from None
                issues.append(ParseIssue(display, exc.line, f"file not read: {exc.reason}"))
                inputs.append(InputFile(display, file_sha256(path), "unknown (skipped)", 0))
                continue
            tables.extend((path.parent, table) for table in read.tables)
            issues.extend(read.issues)
            inputs.append(InputFile(display, read.sha256, read.detected_format, read.rows))
            if read.partial_detail:
                partial[path.parent] = f"{display}: {read.partial_detail}"
        if not inputs:
            raise InputError(f"{self.root}: no evidence files found (searched recursively)")
        return CollectedEvidence(
            raw_tables=tuple(_mark_partial(folder, table, partial) for folder, table in tables),
            parse_issues=tuple(issues),
            inputs=tuple(inputs),
        )

    def _display(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def _mark_partial(folder: Path, table: RawTable, partial: dict[Path, str]) -> RawTable:
    """Canonical tables of a fetch whose ledger lists partial chunks are partial themselves."""
    if folder not in partial or not table.table.startswith("canonical:"):
        return table
    return replace(table, status=SourceStatus.PARTIAL, detail=partial[folder])


def evidence_files(root: Path) -> list[Path]:
    """Candidate files under ``root`` (or ``root`` itself), hidden ones and notes excluded."""
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise InputError(f"{root}: no such file or directory")
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(root).parts)
        and path.suffix.lower() not in _IGNORED_SUFFIXES
    )
