"""Evidence from Log Analytics workspaces.

``LogAnalyticsSource.collect`` signs in once, runs the coverage probe in every workspace, plans
the evidence queries from what the probe saw (absent tables are not queried; each table gets as
few chunks as its row count allows under the 500,000-row / 64 MB response limits), then runs them
on a small thread pool under one overall deadline. The response JSON is turned into typed polars
frames column-wise (``query_api_json``); chunks cut at a response limit are halved and asked again;
every chunk gets a ledger entry. HTTP, tokens and timeouts live in ``transport``; Azure is
imported lazily so that ``netlogs --help`` and offline runs never load the SDK.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import TypeVar

import polars as pl

from netlogs.errors import ConfigError, SourceError
from netlogs.kql import Template
from netlogs.model import CollectedEvidence, EvidenceQuery, SourceStatus, TimeWindow
from netlogs.sources.log_analytics.checks import (
    Inventory,
    absent_table,
    answer_problem,
    inventory_from_probe,
    mark_pending,
    unknown_table,
    with_probe_counts,
)
from netlogs.sources.log_analytics.chunks import (
    ResponseLimits,
    halve,
    plan_chunks,
    truncation_reason,
)
from netlogs.sources.log_analytics.plan import (
    ChunkQuery,
    ChunkResult,
    CollectInterrupted,
    chunk_query,
    collected_evidence,
    lags_from_probe,
    select_templates,
    template_window,
)
from netlogs.sources.log_analytics.transport import (
    DEFAULT_CLOUD,
    Deadline,
    DeadlineReachedError,
    QueryTransport,
    RetrySettings,
    StoppedError,
    error_member,
    raise_for_status,
)
from netlogs.sources.log_analytics.workers import DaemonPool
from netlogs.sources.query_api_json import describe_service_error, parse_response
from netlogs.terms import utc_text

__all__ = ["LogAnalyticsSource", "Progress", "RetrySettings"]

MAX_CONCURRENCY = 5  # the service runs 5 queries per user at once and queues the rest
DEFAULT_TIMEOUT_S = 300.0  # overall deadline of a run's queries (`--timeout`)
T = TypeVar("T")


@dataclass(frozen=True)
class Progress:
    """Where a run is: the step, queries answered of those planned, rows so far, seconds."""

    step: str
    done: int
    total: int
    rows: int
    elapsed: float

    @property
    def step_number(self) -> int:
        """1-based position of ``step`` among ``STEPS`` (the steps done so far, this one too)."""
        return STEPS.index(self.step) + 1 if self.step in STEPS else 0


STEPS = ("signing in", "probing workspaces", "querying")


class LogAnalyticsSource:
    """Collects evidence rows from one or more Log Analytics workspaces.

    Args:
        workspaces: workspace IDs (GUIDs).
        credential: an azure-core ``TokenCredential``; default ``DefaultAzureCredential``.
        endpoint: query API base URL (default the cloud's); ``/v1`` may be included.
        cloud: ``AzureCloud``, ``AzureUSGovernment`` or ``AzureChinaCloud`` (endpoint, token).
        connection_verify: CA bundle path (or False) for TLS verification.
        chunk: longest time chunk (default: sized from the probe's row counts).
        timeout_s: overall deadline for every query of a run; chunks not answered by then are
            marked partial.
        now: the run's clock reading (windows after it are refused; latency is counted from it).
        progress: called with a ``Progress`` when a step starts and after each answer.
        templates: template names to run (default: every evidence and probe template).
    """

    def __init__(
        self,
        workspaces: Sequence[str],
        *,
        credential: object | None = None,
        endpoint: str | None = None,
        cloud: str = DEFAULT_CLOUD,
        connection_verify: str | bool | None = None,
        max_concurrency: int = MAX_CONCURRENCY,
        chunk: timedelta | None = None,
        limits: ResponseLimits | None = None,
        retry: RetrySettings | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        now: datetime | None = None,
        progress: Callable[[Progress], None] | None = None,
        server_timeout_s: int = 180,
        include_statistics: bool = True,
        templates: Sequence[str] | None = None,
    ) -> None:
        if not workspaces:
            raise ConfigError("Log Analytics needs at least one workspace ID")
        if not 1 <= max_concurrency <= MAX_CONCURRENCY:
            raise ConfigError(f"max_concurrency must be 1..{MAX_CONCURRENCY} (the service limit)")
        self.workspaces = tuple(dict.fromkeys(workspaces))
        self.chunk = chunk
        self.limits = limits or ResponseLimits()
        self.retry = retry or RetrySettings()
        self.max_concurrency = max_concurrency
        self.timeout_s = timeout_s
        self.now = now
        self.templates = templates
        self._progress = progress
        prefer = [f"wait={server_timeout_s}"] + (
            ["include-statistics=true"] if include_statistics else []
        )
        self.transport = QueryTransport(
            credential=credential,
            endpoint=endpoint,
            cloud=cloud,
            verify=connection_verify,
            retry=self.retry,
            prefer=",".join(prefer),
        )
        self._deadline = Deadline(timeout_s)
        self._counts = [0, 0, 0]  # answered, planned, rows
        self._query: EvidenceQuery | None = None
        self._by_name: dict[str, Template] = {}

    # ------------------------------------------------------------------ public

    def collect(self, query: EvidenceQuery) -> CollectedEvidence:
        """Probe every workspace, then run the planned evidence queries.

        Raises:
            ConfigError: no time window, or a window that starts after now.
            AuthError: no token, or the identity may not read a workspace.
            QueryError: the service rejected a query (syntax error, server timeout).
            SourceError: a chunk failed after its retries, or nothing was answered in time.
            CollectInterrupted: Ctrl-C; carries what was fetched.
        """
        window = self._checked_window(query)
        try:
            return self._collect(query, window)
        finally:
            self.transport.close()  # the connections of this run (stragglers fail fast)

    def _collect(self, query: EvidenceQuery, window: TimeWindow) -> CollectedEvidence:
        self._deadline = Deadline(self.timeout_s)
        self._counts = [0, 0, 0]
        self.transport.stop.clear()
        evidence, probes = select_templates(self.templates)
        self._query, self._by_name = query, {t.name: t for t in (*evidence, *probes)}
        self._report("signing in")
        self.transport.sign_in()
        probe_chunks = [
            chunk_query(probe, query, workspace, query.firewall_window() or window)
            for workspace in self.workspaces
            for probe in probes
        ]
        probed = self._run("probing workspaces", probe_chunks, [], probes_only=True)
        inventories = {r.query.workspace: inventory_from_probe(r) for r in probed}
        planned, answered = self._plan(evidence, query, inventories)
        results = self._run("querying", planned, probed + answered)
        results = with_probe_counts(results, inventories)
        self._refuse_if_nothing_answered(results)
        lags = [lag for r in probed for lag in lags_from_probe(r.frame)]
        results = mark_pending(results, window, self._now(), lags)
        return collected_evidence(results, {p.name for p in probes})

    # ------------------------------------------------------------------ planning

    def _checked_window(self, query: EvidenceQuery) -> TimeWindow:
        window = query.window
        if window is None:
            raise ConfigError(
                "a Log Analytics query needs a time window (--since or --start/--end)"
            )
        now = self._now()
        if window.start >= now:
            raise ConfigError(
                f"the window starts at {utc_text(window.start, 'seconds')}, after now "
                f"({utc_text(now, 'seconds')}): "
                "nothing can have been logged yet; check --start/--end"
            )
        return window

    def _plan(
        self,
        templates: Sequence[Template],
        query: EvidenceQuery,
        inventories: dict[str, Inventory | None],
    ) -> tuple[list[ChunkQuery], list[ChunkResult]]:
        """Chunks to send, and results known without a query (absent tables, empty tables)."""
        planned: list[ChunkQuery] = []
        known: list[ChunkResult] = []
        for workspace in self.workspaces:
            inventory = inventories.get(workspace)
            for template in templates:
                window = template_window(template, query)
                whole = chunk_query(template, query, workspace, window)
                if inventory is not None and not inventory.has(whole.table):
                    known.append(absent_table(_unsent(whole, SourceStatus.MISSING)))
                    continue
                rows = inventory.estimate(whole.table, whole.template) if inventory else None
                if (
                    rows == 0
                    and inventory is not None
                    and inventory.knows(whole.table, whole.template)
                ):
                    known.append(_unsent(whole, SourceStatus.COMPLETE, _NO_ROWS))
                    continue
                planned += [
                    chunk_query(template, query, workspace, part)
                    for part in plan_chunks(window, rows, self.limits, self.chunk)
                ]
        return planned, known

    # ------------------------------------------------------------------ running

    def _run(
        self,
        step: str,
        chunks: Sequence[ChunkQuery],
        earlier: list[ChunkResult],
        *,
        probes_only: bool = False,
    ) -> list[ChunkResult]:
        """Run ``chunks`` on at most ``max_concurrency`` threads; the first failure cancels the
        rest; Ctrl-C stops at once and hands over what was fetched."""
        self._counts[1] += len(chunks)
        self._report(step)
        results: list[ChunkResult] = []
        consumed: set[Future[list[ChunkResult]]] = set()
        # daemon threads: a query still blocked after Ctrl-C does not hold the process open
        pool: DaemonPool[list[ChunkResult]] = DaemonPool(self.max_concurrency, "netlogs-la")
        futures: dict[Future[list[ChunkResult]], ChunkQuery] = {
            pool.submit(partial(self._collect_chunk, chunk)): chunk for chunk in chunks
        }
        try:
            for future in _as_completed(futures):
                done = future.result()
                consumed.add(future)
                results.extend(done)
                self._counts[0] += 1
                self._counts[2] += sum(r.frame.height for r in done if not probes_only)
                self._report(step)
        except KeyboardInterrupt:
            self.transport.stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
            everything = [*earlier, *results]
            for future, chunk in futures.items():
                if future in consumed:
                    continue
                if future.done() and not future.cancelled() and future.exception() is None:
                    everything += future.result()
                else:
                    everything.append(_unsent(chunk, SourceStatus.PARTIAL, _INTERRUPTED))
            probes = {n for n, t in self._by_name.items() if t.family == "probe"}
            raise CollectInterrupted(collected_evidence(everything, probes)) from None
        except BaseException:
            self.transport.stop.set()  # answers still being read are dropped
            pool.shutdown(wait=False, cancel_futures=True)
            # a short grace, so answers in flight see the stop and close their connections
            # (a stopped read gives up within one piece); never a full read timeout
            wait(futures, timeout=_STRAGGLER_GRACE_S)
            raise
        pool.shutdown(wait=True)
        return [*earlier, *results]

    def _collect_chunk(self, chunk: ChunkQuery) -> list[ChunkResult]:
        """One chunk; halves it (recursively) while the answer is cut at a response limit."""
        try:
            reply = self.transport.post(chunk, self._deadline)
        except DeadlineReachedError:
            detail = f"not answered within the {_DEADLINE} ({self.timeout_s:g} s)"
            return [_unsent(chunk, SourceStatus.PARTIAL, detail, sent=True)]
        except StoppedError:
            return [_unsent(chunk, SourceStatus.PARTIAL, _INTERRUPTED)]
        if reply.status == 400 and unknown_table(error_member(reply.body), chunk.table):
            return [absent_table(_unsent(chunk, SourceStatus.MISSING, sent=True))]
        if reply.status == 400 and chunk.family == "probe":
            # without the probe every table is queried and absent ones recognised by their 400
            refusal = describe_service_error(error_member(reply.body))
            detail = f"the coverage probe was refused ({refusal}); tables queried unplanned"
            return [_unsent(chunk, SourceStatus.PARTIAL, detail, sent=True)]
        raise_for_status(reply, chunk)
        parsed = parse_response(reply.body, chunk.label)
        error_text = describe_service_error(parsed.error) if parsed.error else None
        cut = truncation_reason(parsed.rows, len(reply.body), error_text, self.limits)
        if cut is not None:
            halves = halve(chunk.window, self.limits)
            if halves is not None:
                parts = [self._narrowed(chunk, part) for part in halves]
                return [r for part in parts for r in self._collect_chunk(part)]
            error_text = f"{cut}; chunk not split below {self.limits.min_chunk}"
        problem = error_text or answer_problem(reply.status, reply.body, parsed)
        status = SourceStatus.PARTIAL if problem else SourceStatus.COMPLETE
        return [ChunkResult(chunk, parsed.primary, status, parsed.server_time_ms, problem or "")]

    def _narrowed(self, chunk: ChunkQuery, window: TimeWindow) -> ChunkQuery:
        assert self._query is not None  # set by collect()
        return chunk_query(self._by_name[chunk.template], self._query, chunk.workspace, window)

    def _refuse_if_nothing_answered(self, results: Sequence[ChunkResult]) -> None:
        """Past the deadline with no evidence answer at all, a result would be all gaps: say
        so in one line instead."""
        evidence = [r for r in results if r.query.family != "probe"]
        timed_out = [r for r in evidence if _DEADLINE in r.detail]
        if timed_out and not any(r.sent and _DEADLINE not in r.detail for r in evidence):
            raise SourceError(
                f"no answer from Log Analytics within --timeout {self.timeout_s:g} s "
                f"({len(timed_out)} queries unanswered); nothing was fetched: raise --timeout"
            )

    def _report(self, step: str) -> None:
        if self._progress is not None:
            done, total, rows = self._counts
            self._progress(Progress(step, done, total, rows, self._deadline.elapsed()))

    def _now(self) -> datetime:
        return self.now or datetime.now(timezone.utc)


def _as_completed(futures: Iterable[Future[T]]) -> Iterator[Future[T]]:
    """Futures as they finish, waking twice a second: a Ctrl-C that the OS delivered to a worker
    thread is then raised here promptly (a wait without timeout would sleep through it)."""
    pending = set(futures)
    while pending:
        finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
        yield from finished


_DEADLINE = "--timeout deadline"
_STRAGGLER_GRACE_S = 2.0  # after a failure, how long answers in flight may take to close
_INTERRUPTED = "not fetched: interrupted (Ctrl-C)"
_NO_ROWS = "the coverage probe counted no rows in the window; not queried"


def _unsent(
    chunk: ChunkQuery, status: SourceStatus, detail: str = "", *, sent: bool = False
) -> ChunkResult:
    return ChunkResult(chunk, pl.DataFrame(), status, None, detail, sent=sent)
