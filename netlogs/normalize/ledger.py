"""The row ledger after normalization: every canonical row is used or set aside with a reason.

``account_evidence`` chooses the rows the query returns (``filters.evidence_predicates``), once,
with bookkeeping. Each row gets the first reason that applies, in this order:

1. ``unparseable_time`` (no time), ``out_of_range_time`` (before ``EARLIEST_EVIDENCE``,
   2015-01-01, or after the run's clock plus ``FUTURE_TOLERANCE``, a day: a clock reset to 1970
   or a typo'd 2099 must neither stretch a window nor settle ingestion latency);
2. ``other_vault`` (Key Vault rows of another vault), ``outside_window`` (firewall rows keep the
   reuse lead before the window); rows a filtered scan of netlogs' own Parquet skipped are
   ``unrelated`` (the scan does not say which of its filters skipped them);
3. ``unrelated``: firewall/flow rows to a destination that is neither the vault's endpoints nor
   its name, rows of a firewall outside the topology, DNS queries for other names, clients the
   query does not ask for;
4. ``malformed_address``: an address column that is empty or not an address (``10.0.1.999``,
   ``10.0.1.10:51544``, `` 10.0.1.10``, ``<redacted>``); a destination that is not an address
   is malformed rather than unrelated, since it may have been the vault's;
5. ``duplicate``: a row already kept, read again from another input (two copies of one export,
   overlapping exports) or with the very same row id (two copies of netlogs' own Parquet).

The rules are polars expressions in ``reasons.py``; rows a source already filtered by the query
are tested only for the reasons its filter does not decide.

A source with rows set aside for a reason that hides evidence (``SetAsideReason.hides_evidence``)
becomes partial; a source with rows but none in the window is missing for the window.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

import polars as pl

from netlogs.model import (
    EvidenceQuery,
    EvidenceTables,
    LogFamily,
    SetAsideReason,
    SourceStatus,
    SourceSummary,
    TimeWindow,
)
from netlogs.normalize.reasons import CODE, REASON, REASONS, codes_of, first_reasons

# Azure Key Vault diagnostic logs, Azure Firewall structured logs and VNet flow logs all date
# from after this: an earlier row is a broken clock or a broken cell, not evidence.
EARLIEST_EVIDENCE = datetime(2015, 1, 1, tzinfo=timezone.utc)
# A row newer than the run's clock plus this is from the future (or mistyped).
FUTURE_TOLERANCE = timedelta(days=1)

_HIDDEN_NOTE = "set aside: "
_FAMILY = {
    "kv_requests": LogFamily.KEYVAULT,
    "fw_events": LogFamily.FIREWALL,
    "flows": LogFamily.FLOW,
    "dns": LogFamily.DNS,
}
# Reasons that say the row was not in the window (or can't be placed in it): a source whose
# rows all went this way has nothing to say about the window.
_NOT_IN_WINDOW = {
    SetAsideReason.UNPARSEABLE_TIME.value,
    SetAsideReason.OUT_OF_RANGE_TIME.value,
    SetAsideReason.OUTSIDE_WINDOW.value,
}
_NOT_IN_WINDOW_CODES = pl.Series(
    [CODE[SetAsideReason(value)] for value in _NOT_IN_WINDOW], dtype=pl.UInt8
)
# Per canonical table, a column in which two different rows rarely agree (times carry
# microseconds): only rows that share it are compared in full to find exact copies.
_TELLING = {"kv_requests": "time", "fw_events": "time", "flows": "time_start", "dns": "time"}
# Up to this many source tables per family, rows are counted per table by comparing names.
_COMPARED_TABLES = 8


def sane_times(now: datetime) -> TimeWindow:
    """The times a row may carry and still be evidence for a run at ``now``."""
    return TimeWindow(EARLIEST_EVIDENCE, max(now, EARLIEST_EVIDENCE) + FUTURE_TOLERANCE)


@dataclass(frozen=True)
class AccountedEvidence:
    """The rows used, with the ledger in ``tables.sources``, and the newest time of any row
    inside the window (used or not): the export cannot be older than that."""

    tables: EvidenceTables
    newest_in_window: datetime | None


def account_evidence(
    tables: EvidenceTables, query: EvidenceQuery, sane: TimeWindow
) -> AccountedEvidence:
    """The rows the query returns, minus the rows set aside above, with the ledger.

    Each ``sources`` entry then holds ``read == used + sum(set_aside)``; ``rows`` is ``used``.
    ``query`` is the query the evidence was collected for (or that query without a window):
    rows the source already filtered by it (``tables.query_filtered``) are tested only for
    what its filter does not decide (times, addresses, copies).
    """
    kept: dict[str, Any] = {}
    moved: Counter[tuple[LogFamily, str, str]] = Counter()
    newest: list[datetime] = []
    used_rows: Counter[tuple[LogFamily, str]] = Counter()
    for name, reasons in first_reasons(query, sane, tables).items():
        frame: pl.DataFrame = getattr(tables, name)
        codes = codes_of(frame, reasons, tables.query_filtered.get(name))
        used, counts, latest = _split(frame, codes, name)
        kept[name] = used
        moved.update(counts)
        family_tables = [s.table for s in tables.sources if s.family is _FAMILY[name]]
        used_rows.update(_rows_per_table(used, name, family_tables))
        newest.extend([latest] if latest is not None else [])
    listed = {(summary.family, summary.table) for summary in tables.sources}
    unlisted = {key for key in used_rows if key not in listed} | {
        (family, table) for family, table, _ in moved if (family, table) not in listed
    }
    assert not unlisted, f"rows of sources the source list does not have: {sorted(unlisted)}"
    sources = tuple(_settled(summary, moved, used_rows) for summary in tables.sources)
    return AccountedEvidence(
        replace(tables, sources=sources, query_filtered={}, **kept),
        max(newest) if newest else None,
    )


def _split(
    frame: pl.DataFrame, codes: pl.Series, name: str
) -> tuple[pl.DataFrame, Counter[tuple[LogFamily, str, str]], datetime | None]:
    """(rows used, rows set aside per (family, table, reason), newest time in the window);
    row order is kept. Reasons are small integer codes while the frame is labelled."""
    if frame.is_empty():
        return frame, Counter(), None
    time = frame.get_column("time_end" if name == "flows" else "time")
    set_aside = codes.null_count() < frame.height
    if set_aside:
        in_window = codes.is_null() | ~codes.is_in(_NOT_IN_WINDOW_CODES.implode())
        time = time.filter(in_window)
    latest = time.max()
    used = frame.filter(codes.is_null()) if set_aside else frame  # most rows are used
    table = _table_of(name)
    parts = []
    if set_aside:
        aside = frame.select(table).with_columns(codes).filter(pl.col(REASON).is_not_null())
        parts.append(aside.group_by("source_table", REASON).len())
    copies = _later_copies(used, name)
    if copies is not None:
        duplicate = pl.lit(CODE[SetAsideReason.DUPLICATE], dtype=pl.UInt8).alias(REASON)
        parts.append(used.filter(copies).group_by(table, duplicate).len())
        used = used.filter(~copies)
    counts: Counter[tuple[LogFamily, str, str]] = Counter()
    for part in parts:
        for source_table, code, rows in part.iter_rows():
            counts[(_FAMILY[name], str(source_table), REASONS[code].value)] += int(rows)
    return used, counts, latest if isinstance(latest, datetime) else None


def _later_copies(frame: pl.DataFrame, name: str) -> pl.Series | None:
    """True for each row that copies an earlier one (None: no row does).

    A copy has every column of an earlier row but its id, and comes from another input (two
    copies of one export, overlapping exports, chunks that share a boundary), or has the very
    same id (two copies of netlogs' own Parquet). Rows of one input that look alike are kept:
    they may be distinct events whose distinguishing columns were not loaded. A telling column
    finds the candidates cheaply; only those are compared in full.
    """
    if frame.height < 2:
        return None
    telling = _repeated(frame.get_column(_TELLING[name]))
    if not telling.any():
        return None
    candidates = telling.arg_true()
    content = pl.struct([column for column in frame.columns if column != "row_id"])
    origin = pl.col("row_id").str.replace(r"[:#]\d+$", "")
    later = frame[candidates].select(
        (origin != origin.first().over(content)).fill_null(False)
        | ~pl.struct(content, pl.col("row_id")).is_first_distinct()
    )
    copies = later.to_series()
    if not copies.any():
        return None
    return pl.int_range(frame.height, eager=True).is_in(candidates.filter(copies).implode())


def _repeated(column: pl.Series) -> pl.Series:
    """``column.is_duplicated()``. In a sorted column without nulls equal values are neighbours,
    so each value is only compared with the next (hashing 800 k times cost 50 ms at 0.3x, the
    comparison 1 ms: benchmarks/RESULTS-trace.md)."""
    if column.null_count() or not column.is_sorted():
        return column.is_duplicated()
    same_as_previous = column == column.shift(1)
    return (same_as_previous | same_as_previous.shift(-1)).fill_null(False)


def _table_of(name: str) -> pl.Expr:
    """The source list's table of a canonical row (netlogs' own Parquet may have none)."""
    return pl.col("source_table").fill_null(f"canonical:{name}")


def _rows_per_table(
    frame: pl.DataFrame, name: str, listed: Sequence[str]
) -> Counter[tuple[LogFamily, str]]:
    """Rows per source table, counted by comparing with the few tables the source list has
    (a group_by hashes every row's name); a table it lacks shows up through the group_by."""
    if frame.is_empty():
        return Counter()
    table = _table_of(name)
    if 0 < len(listed) <= _COMPARED_TABLES:
        counts = frame.select((table == t).sum().alias(str(i)) for i, t in enumerate(listed))
        if sum(counts.row(0)) == frame.height:
            by_table = zip(listed, counts.row(0), strict=True)
            return Counter({(_FAMILY[name], t): int(rows) for t, rows in by_table if rows})
    grouped = frame.group_by(table).len()
    return Counter({(_FAMILY[name], str(t)): int(rows) for t, rows in grouped.iter_rows()})


def _settled(
    summary: SourceSummary,
    moved: Mapping[tuple[LogFamily, str, str], int],
    used_rows: Mapping[tuple[LogFamily, str], int],
) -> SourceSummary:
    """The summary with the rows set aside here moved from ``used`` to ``set_aside``.

    Rows the summary counts that reached no canonical table were skipped by a filtered Parquet
    scan (``RawTable.source_rows``): the query would not return them (outside the window, not
    about the vault). They are ``unrelated`` and, never looked at, show nothing of the window.
    """
    here: Counter[str] = Counter(
        {
            why: rows
            for (family, table, why), rows in moved.items()
            if family is summary.family and table == summary.table
        }
    )
    used = used_rows.get((summary.family, summary.table), 0)
    skipped = summary.used - used - sum(here.values())
    assert skipped >= 0, f"{summary.table}: more rows set aside than were used"
    in_window = used + sum(
        rows
        for why, rows in here.items()
        if why not in _NOT_IN_WINDOW
        and not (why == SetAsideReason.OTHER_VAULT.value and summary.family is LogFamily.KEYVAULT)
    )
    here[SetAsideReason.UNRELATED.value] += skipped
    settled = ledger_summary(
        summary, used=used, set_aside=merge_counts(summary.set_aside, here.items())
    )
    if skipped:
        note = f"{skipped} row(s) skipped by the filtered scan (outside the window, or not"
        note += " about the vault)"
        settled = replace(settled, detail=join_details(settled, note))
    if settled.status is SourceStatus.COMPLETE and settled.read and not in_window:
        which = " of this vault" if summary.family is LogFamily.KEYVAULT else ""
        why = ", ".join(f"{reason} {rows}" for reason, rows in settled.set_aside)
        note = f"{settled.read} row(s) read, none{which} in the window ({why})"
        return replace(settled, status=SourceStatus.MISSING, detail=join_details(settled, note))
    return settled


def merge_counts(
    counts: Iterable[tuple[str, int]], more: Iterable[tuple[str, int]]
) -> tuple[tuple[str, int], ...]:
    """Two (reason, rows) lists as one, sorted by reason, without zero counts."""
    total: Counter[str] = Counter()
    for why, rows in (*counts, *more):
        total[why] += rows
    return tuple(sorted((why, rows) for why, rows in total.items() if rows))


def ledger_summary(
    summary: SourceSummary, *, used: int, set_aside: tuple[tuple[str, int], ...]
) -> SourceSummary:
    """``summary`` with its ledger (``rows`` = ``used``), partial when set-aside rows could
    have been evidence; the detail names those counts.

    The ledger must add up: ``read == used + sum(set_aside)``.
    """
    read = used + sum(rows for _, rows in set_aside)
    assert summary.read in (0, read), f"{summary.table}: ledger of {summary.read} rows now {read}"
    hidden = [(why, rows) for why, rows in set_aside if SetAsideReason(why).hides_evidence]
    status, detail = summary.status, summary.detail
    if hidden and status is not SourceStatus.MISSING:
        status = SourceStatus.PARTIAL
        counts = ", ".join(f"{why} {rows}" for why, rows in hidden)
        total = sum(rows for _, rows in hidden)
        note = f"{_HIDDEN_NOTE}{total} row(s) that could be evidence ({counts})"
        detail = join_details(summary, note)
    return replace(
        summary, rows=used, read=read, used=used, set_aside=set_aside, status=status, detail=detail
    )


def join_details(summary: SourceSummary, note: str) -> str:
    """The summary's detail with ``note`` added (once; a newer count replaces an older one)."""
    stale = _HIDDEN_NOTE if note.startswith(_HIDDEN_NOTE) else None
    parts = [
        part
        for part in summary.detail.split("; ")
        if part and not (stale and part.startswith(stale))
    ]
    return "; ".join(dict.fromkeys([*parts, note]))
