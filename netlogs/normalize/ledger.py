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

A source with rows set aside for a reason that hides evidence (``SetAsideReason.hides_evidence``)
becomes partial; a source with rows but none in the window is missing for the window.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

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
from netlogs.normalize.filters import client_filter, in_window, one_of, vault_names

# Azure Key Vault diagnostic logs, Azure Firewall structured logs and VNet flow logs all date
# from after this: an earlier row is a broken clock or a broken cell, not evidence.
EARLIEST_EVIDENCE = datetime(2015, 1, 1, tzinfo=timezone.utc)
# A row newer than the run's clock plus this is from the future (or mistyped).
FUTURE_TOLERANCE = timedelta(days=1)

_REASON = "_set_aside"
_REASONS = tuple(SetAsideReason)
_CODE = {reason: index for index, reason in enumerate(_REASONS)}
_HIDDEN_NOTE = "set aside: "
_IPV4_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = rf"^{_IPV4_OCTET}(\.{_IPV4_OCTET}){{3}}$"
_IPV6 = r"^[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){2,7}(:(\d{1,3}\.){3}\d{1,3})?$"
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
    [_CODE[SetAsideReason(value)] for value in _NOT_IN_WINDOW], dtype=pl.UInt8
)
# Per canonical table, a column in which two different rows rarely agree (times carry
# microseconds): only rows that share it are compared in full to find exact copies.
_TELLING = {"kv_requests": "time", "fw_events": "time", "flows": "time_start", "dns": "time"}
# What a source's filter by the query (``evidence_predicates``) decides: a row it kept is not
# of another vault, is inside the window and is about the vault and the clients asked for.
_DECIDED_BY_FILTER = frozenset(
    {SetAsideReason.OTHER_VAULT, SetAsideReason.OUTSIDE_WINDOW, SetAsideReason.UNRELATED}
)
# Up to this many source tables per family, rows are counted per table by comparing names.
_COMPARED_TABLES = 8


def sane_times(now: datetime) -> TimeWindow:
    """The times a row may carry and still be evidence for a run at ``now``."""
    return TimeWindow(EARLIEST_EVIDENCE, max(now, EARLIEST_EVIDENCE) + FUTURE_TOLERANCE)


def is_address(column: str) -> pl.Expr:
    """True where ``column`` is exactly an IPv4 or IPv6 address (no port, no spaces)."""
    value = pl.col(column)
    return (value.str.contains(_IPV4) | value.str.contains(_IPV6)).fill_null(False)


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
    for name, reasons in _reasons(query, sane, tables).items():
        frame: pl.DataFrame = getattr(tables, name)
        codes = _codes(frame, reasons, tables.query_filtered.get(name))
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


class _Reasons(NamedTuple):
    """A table's first-reason expression, in full and without the rules the query's filter
    decides (for rows a source already filtered: those rules hold for every such row)."""

    full: pl.Expr
    after_filter: pl.Expr


def _codes(frame: pl.DataFrame, reasons: _Reasons, filtered: pl.Series | None) -> pl.Series:
    """Each row's first reason (a small integer code; null: used), every rule tested once.
    Marks that do not fit the frame (replaced since normalization) are not trusted."""
    if filtered is None or filtered.len() != frame.height or not filtered.any():
        return frame.select(reasons.full.alias(_REASON)).to_series()
    codes = frame.select(reasons.after_filter.alias(_REASON)).to_series()
    retest = (~filtered).arg_true()  # the few rows the source returned unfiltered
    if retest.is_empty():
        return codes
    return codes.scatter(retest, frame[retest].select(reasons.full).to_series())


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
        aside = frame.select(table).with_columns(codes).filter(pl.col(_REASON).is_not_null())
        parts.append(aside.group_by("source_table", _REASON).len())
    copies = _later_copies(used, name)
    if copies is not None:
        duplicate = pl.lit(_CODE[SetAsideReason.DUPLICATE], dtype=pl.UInt8).alias(_REASON)
        parts.append(used.filter(copies).group_by(table, duplicate).len())
        used = used.filter(~copies)
    counts: Counter[tuple[LogFamily, str, str]] = Counter()
    for part in parts:
        for source_table, code, rows in part.iter_rows():
            counts[(_FAMILY[name], str(source_table), _REASONS[code].value)] += int(rows)
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


def _address_check(frame: pl.DataFrame, column: str) -> pl.Expr:
    """``is_address(column)`` decided once per distinct value (thousands of clients, not a
    million rows), then looked up."""
    values = frame.get_column(column).drop_nulls().unique()
    valid = values.filter(values.to_frame(column).select(is_address(column)).to_series())
    if valid.len() == values.len():  # the usual case: no lookup of every row needed
        return pl.col(column).is_not_null()
    return pl.col(column).is_in(valid.implode()).fill_null(False)


def _reasons(
    query: EvidenceQuery, sane: TimeWindow, tables: EvidenceTables
) -> dict[str, _Reasons]:
    """Per canonical table, the first reason each row is set aside (null: the row is used)."""
    fw, flow = tables.fw_events, tables.flows
    fw_src, fw_dst = _address_check(fw, "src_ip"), _address_check(fw, "dst_ip")
    flow_src, flow_dst = _address_check(flow, "src_ip"), _address_check(flow, "dst_ip")
    names = vault_names(query)
    targets = [*query.private_endpoint_ips, *query.vault_public_ips]
    client = client_filter(query)
    firewalls = [name.lower() for name in query.firewall_names]
    own_firewall = (
        pl.col("firewall").is_null() | one_of("firewall", firewalls)
        if firewalls
        else pl.lit(True)
    )
    to_vault = (one_of("dst_ip", targets) | one_of("fqdn", names)).fill_null(False)
    # the destination is known (an address or a name) and it is not the vault
    fw_elsewhere = ~to_vault & (fw_dst | pl.col("fqdn").is_not_null())
    fw_unplaced = (~fw_dst & pl.col("dst_ip").is_not_null()) | (
        pl.col("dst_ip").is_null() & pl.col("fqdn").is_null()
    )
    flow_elsewhere = flow_dst & ~one_of("dst_ip", targets).fill_null(False)
    return {
        "kv_requests": _chains(
            *_time_reasons("time", "time", sane),
            (pl.col("vault") != query.vault_name.lower()).fill_null(True),
            SetAsideReason.OTHER_VAULT,
            ~in_window("time", "time", query.window),
            SetAsideReason.OUTSIDE_WINDOW,
            ~_address_check(tables.kv_requests, "caller_ip"),
            SetAsideReason.MALFORMED_ADDRESS,
        ),
        "fw_events": _chains(
            *_time_reasons("time", "time", sane),
            ~in_window("time", "time", query.firewall_window()),
            SetAsideReason.OUTSIDE_WINDOW,
            ~own_firewall.fill_null(False) | fw_elsewhere | ~client("src_ip"),
            SetAsideReason.UNRELATED,
            ~fw_src | fw_unplaced,
            SetAsideReason.MALFORMED_ADDRESS,
        ),
        "flows": _chains(
            *_time_reasons("time_start", "time_end", sane),
            ~in_window("time_start", "time_end", query.window),
            SetAsideReason.OUTSIDE_WINDOW,
            flow_elsewhere | ~client("src_ip"),
            SetAsideReason.UNRELATED,
            ~flow_src | ~flow_dst,
            SetAsideReason.MALFORMED_ADDRESS,
        ),
        "dns": _chains(
            *_time_reasons("time", "time", sane),
            ~in_window("time", "time", query.window),
            SetAsideReason.OUTSIDE_WINDOW,
            ~one_of("query_name", names).fill_null(False) | ~client("client_ip"),
            SetAsideReason.UNRELATED,
        ),
    }


def _time_reasons(start: str, end: str, sane: TimeWindow) -> tuple[Any, ...]:
    low = pl.lit(sane.start).dt.cast_time_unit("us")
    high = pl.lit(sane.end).dt.cast_time_unit("us")
    missing = pl.col(start).is_null() | pl.col(end).is_null()
    absurd = (pl.col(start) < low) | (pl.col(end) > high) | (pl.col(end) < pl.col(start))
    return (
        missing,
        SetAsideReason.UNPARSEABLE_TIME,
        absurd.fill_null(False),
        SetAsideReason.OUT_OF_RANGE_TIME,
    )


def _chains(*pairs: Any) -> _Reasons:
    """The reasons in order, in full and without those the query's filter decides."""
    rest = [
        part
        for condition, reason in zip(pairs[0::2], pairs[1::2], strict=True)
        if reason not in _DECIDED_BY_FILTER
        for part in (condition, reason)
    ]
    return _Reasons(_first(*pairs), _first(*rest))


def _first(*pairs: Any) -> pl.Expr:
    """``when(c1).then(r1).when(c2).then(r2)...`` with a null otherwise (the row is used)."""
    conditions: list[pl.Expr] = list(pairs[0::2])
    reasons: list[SetAsideReason] = list(pairs[1::2])
    chain: Any = pl
    for condition, reason in zip(conditions, reasons, strict=True):
        chain = chain.when(condition.fill_null(True)).then(pl.lit(_CODE[reason], dtype=pl.UInt8))
    return chain.otherwise(pl.lit(None, dtype=pl.UInt8))  # type: ignore[no-any-return]


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
