"""Runs the kusto engine's queries, with time-sliced execution when the server reports a limit.

A facts query whose answer says a limit was hit (result too large, memory, runaway query) is run
again per half of its slice, recursively, down to ``MIN_SLICE``; the slices' answers are merged
by ``correlate.kusto_merge``. A slice that still hits a limit at ``MIN_SLICE`` keeps its partial
answer, and the ledger and the sources say partial. Every answer that is used gets a ledger entry
and a query record (with its slice's bounds); the answers that were replaced by slices do not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import polars as pl

from netlogs.correlate.kusto_facts import ClientShare, FactQuery, KustoAnswer, KustoExecutor
from netlogs.errors import SourceError
from netlogs.model import LedgerEntry, QueryRecord, SourceStatus, TimeWindow
from netlogs.terms import utc_text

# The smallest slice a limit splits a window into: an hour of a busy vault's firewall rows is
# far below Kusto's per-query memory and result limits.
MIN_SLICE = timedelta(hours=1)
# Shares of the clients a per-client answer is split into before time slices are tried
# (residues of the IPv4 address: 64 shares of 20,000 clients are ~300 clients each).
MAX_CLIENT_SHARES = 64
# How a limit shows in the server's reason (ADX error codes, Log Analytics PartialError text).
_LIMIT_MARKERS = (
    "e_query_result_set_too_large",
    "e_low_memory_condition",
    "e_runaway_query",
    "result set has exceeded",
    "record count limit",
    "exceeded the allowed result size",
    "64mb",
    "memory",
    "limit",
)


def is_limit(reason: str) -> bool:
    """Whether a partial answer's reason is a server limit (slicing may help)."""
    text = reason.lower()
    return any(marker in text for marker in _LIMIT_MARKERS)


def halves(part: TimeWindow) -> tuple[TimeWindow, TimeWindow] | None:
    """The two halves of ``part`` on a whole second, or None below two ``MIN_SLICE``."""
    if part.end - part.start < 2 * MIN_SLICE:
        return None
    middle = part.start + (part.end - part.start) / 2
    middle -= timedelta(microseconds=middle.microsecond)
    return TimeWindow(part.start, middle), TimeWindow(middle, part.end)


class QueryRunner:
    """Runs the queries in order and keeps their ledger entries and query records."""

    def __init__(self, executor: KustoExecutor, window: TimeWindow) -> None:
        self.executor, self.window = executor, window
        self.ledger: tuple[LedgerEntry, ...] = ()
        self.queries: tuple[QueryRecord, ...] = ()
        self.partial = ""

    def __call__(self, query: FactQuery) -> pl.DataFrame:
        """The whole window's answer of ``query`` (a limit marks it partial)."""
        answer = self.executor.execute(query, self.window)
        self._use(query, self.window, answer, "")
        return answer.frame

    def sliced(self, build: Callable[[TimeWindow], FactQuery]) -> list[pl.DataFrame]:
        """The answers of ``build(slice)`` for consecutive slices covering the window, in time
        order: one slice unless the server reports a limit."""
        return self._slices(build, self.window, "")

    def _slices(
        self, build: Callable[[TimeWindow], FactQuery], part: TimeWindow, why: str
    ) -> list[pl.DataFrame]:
        query = build(part)
        answer = self.executor.execute(query, self.window)
        split = halves(part) if answer.partial and is_limit(answer.partial) else None
        if split is None:
            self._use(query, part, answer, why)
            return [answer.frame]
        span = f"{utc_text(part.start, 'seconds')}/{utc_text(part.end, 'seconds')}"
        reason = f"time slice: {span} hit a limit ({answer.partial})"
        return [frame for half in split for frame in self._slices(build, half, reason)]

    def shared(
        self, build: Callable[[TimeWindow, ClientShare], FactQuery]
    ) -> list[pl.DataFrame]:
        """The answers of a per-client query (``build(slice, share)``): the whole window for
        every client unless the server reports a limit; then asked again per share of the
        clients (halving the share until ``MAX_CLIENT_SHARES``), and past that per time slice.
        Time slices alone cannot shrink an answer bounded per client (the cited rows): each
        slice returns up to N rows per client and kind again; shares of the clients can."""
        return self._shares(build, self.window, (0, 1), "")

    def _shares(
        self,
        build: Callable[[TimeWindow, ClientShare], FactQuery],
        part: TimeWindow,
        clients: ClientShare,
        why: str,
    ) -> list[pl.DataFrame]:
        share, shares = clients
        if shares >= MAX_CLIENT_SHARES:
            return self._slices(lambda piece: build(piece, clients), part, why)
        query = build(part, clients)
        answer = self.executor.execute(query, self.window)
        if not (answer.partial and is_limit(answer.partial)):
            self._use(query, part, answer, why)
            return [answer.frame]
        who = "all clients" if shares == 1 else f"the clients at {share} mod {shares}"
        reason = f"{who} (IPv4 address) hit a limit ({answer.partial}); asked per half of them"
        halves_of_share = ((share, 2 * shares), (share + shares, 2 * shares))
        return [
            frame
            for half in halves_of_share
            for frame in self._shares(build, part, half, reason)
        ]

    def optional(self, query: FactQuery, fallback: str) -> pl.DataFrame | None:
        """``query``'s rows, or None when the server cannot run it (ledger: missing)."""
        try:
            return self(query)
        except SourceError as exc:
            detail = f"{exc}; {fallback}"
            self._record(query, self.window, SourceStatus.MISSING, rows=0, detail=detail, ms=None)
            return None

    def note(self, template: str, detail: str) -> None:
        """Adds ``detail`` to the ledger entries of ``template`` (what a merge approximated)."""
        self.ledger = tuple(
            replace(entry, detail="; ".join(filter(None, (entry.detail, detail))))
            if entry.template == template
            else entry
            for entry in self.ledger
        )

    def _use(self, query: FactQuery, part: TimeWindow, answer: KustoAnswer, why: str) -> None:
        if answer.partial and not self.partial:
            self.partial = f"{query.name}: {answer.partial}"
        status = SourceStatus.PARTIAL if answer.partial else SourceStatus.COMPLETE
        detail = "; ".join(filter(None, (why, answer.partial)))
        self._record(
            query, part, status, rows=answer.frame.height, detail=detail, ms=answer.server_time_ms
        )

    def _record(
        self,
        query: FactQuery,
        part: TimeWindow,
        status: SourceStatus,
        *,
        rows: int,
        detail: str,
        ms: float | None,
    ) -> None:
        target = self.executor.target
        entry = LedgerEntry(
            template=query.name,
            workspace=target,
            start=part.start,
            end=part.end,
            rows=rows,
            status=status,
            server_time_ms=ms,
            query_sha256=query.sha256,
            detail=detail,
        )
        span = f"{utc_text(part.start, 'seconds')}/{utc_text(part.end, 'seconds')}"
        record = QueryRecord(query.name, query.text, query.sha256, span, target)
        self.ledger = (*self.ledger, entry)
        self.queries = (*self.queries, record)
