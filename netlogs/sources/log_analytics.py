"""Evidence from Log Analytics workspaces: the only module that imports ``azure.*``.

``LogAnalyticsSource`` renders every evidence template per workspace and time chunk and sends it
through ``LogsQueryClient.send_request``. That keeps the SDK's authentication, TLS and retry
policies (Retry-After is honoured, capped so a run stays bounded) but skips its per-row
conversion: the response JSON is turned into typed polars frames column-wise (``la_frames``).
Chunks that hit the 500,000-row / 64 MB response limit are halved and asked again; partial results
are kept and marked partial; every chunk gets a ledger entry. Azure is imported lazily so that
``netlogs --help`` and offline runs never load the SDK.
"""

# ruff: noqa: PLC0415  (azure is imported lazily: `netlogs --help` and offline runs never load it)

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from netlogs.errors import AuthError, ConfigError, QueryError, SourceError
from netlogs.kql import Template
from netlogs.model import CollectedEvidence, EvidenceQuery, SourceStatus, TimeWindow
from netlogs.sources.la_chunks import (
    ResponseLimits,
    halve,
    iso_timespan,
    truncation_reason,
)
from netlogs.sources.la_frames import describe_service_error, parse_response
from netlogs.sources.la_plan import (
    ChunkQuery,
    ChunkResult,
    chunk_query,
    collected_evidence,
    select_templates,
    template_chunks,
)

MAX_CONCURRENCY = 5  # the service runs 5 queries per user at once and queues the rest


@dataclass(frozen=True)
class RetrySettings:
    """How long and how often one chunk request may be retried (429, 5xx, dropped connections)."""

    total: int = 3
    backoff_factor: float = 0.8
    backoff_max: float = 30.0
    max_retry_after: float = 60.0  # a longer Retry-After is cut to this, so a run stays bounded
    total_timeout: float = 900.0  # seconds for one request including its retries
    read_timeout: float = 240.0  # seconds waiting for an answer (the service gives up at 180)
    connection_timeout: float = 30.0


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes


class LogAnalyticsSource:
    """Collects evidence rows from one or more Log Analytics workspaces.

    Args:
        workspaces: workspace IDs (GUIDs).
        credential: an azure-core ``TokenCredential``; default ``DefaultAzureCredential``.
        endpoint: query API base URL (default the public cloud's); ``/v1`` may be included.
        connection_verify: CA bundle path (or False) for TLS verification.
        client: a ready ``LogsQueryClient`` (then credential/endpoint/verify are ignored).
        chunk: length of each time chunk; a chunk hitting a response limit is halved.
        templates: template names to run (default: every evidence and probe template).
    """

    def __init__(
        self,
        workspaces: Sequence[str],
        *,
        credential: object | None = None,
        endpoint: str | None = None,
        connection_verify: str | bool | None = None,
        client: Any | None = None,
        max_concurrency: int = MAX_CONCURRENCY,
        chunk: timedelta = timedelta(hours=1),
        limits: ResponseLimits | None = None,
        retry: RetrySettings | None = None,
        server_timeout_s: int = 180,
        include_statistics: bool = True,
        templates: Sequence[str] | None = None,
    ) -> None:
        if not workspaces:
            raise ConfigError("Log Analytics needs at least one workspace ID")
        if not 1 <= max_concurrency <= MAX_CONCURRENCY:
            raise ConfigError(f"max_concurrency must be 1..{MAX_CONCURRENCY} (the service limit)")
        self.workspaces = tuple(dict.fromkeys(workspaces))
        self.endpoint = endpoint
        self.chunk = chunk
        self.limits = limits or ResponseLimits()
        self.retry = retry or RetrySettings()
        self.max_concurrency = max_concurrency
        self.templates = templates
        self._credential = credential
        self._verify = connection_verify
        self._client = client
        self._client_lock = threading.Lock()
        prefer = [f"wait={server_timeout_s}"] + (
            ["include-statistics=true"] if include_statistics else []
        )
        self._prefer = ",".join(prefer)

    # ------------------------------------------------------------------ public

    def collect(self, query: EvidenceQuery) -> CollectedEvidence:
        """Run every evidence template over every workspace and chunk, plus the coverage probe.

        Raises:
            ConfigError: the query has no time window.
            AuthError: no token, or the identity may not read a workspace.
            QueryError: the service rejected a query (syntax error, server timeout).
            SourceError: anything else that stopped a chunk (network, throttling, HTTP errors).
        """
        if query.window is None:
            raise ConfigError(
                "a Log Analytics query needs a time window (--since or --start/--end)"
            )
        evidence, probes = select_templates(self.templates)
        window = query.window
        jobs: list[Callable[[], list[ChunkResult]]] = [
            _bind(self._collect_chunk, template, query, workspace, part)
            for workspace in self.workspaces
            for template in evidence
            for part in template_chunks(template, query, window, self.chunk)
        ]
        jobs += [
            _bind(self._collect_chunk, probe, query, workspace, window)
            for workspace in self.workspaces
            for probe in probes
        ]
        return collected_evidence(self._run_all(jobs), {p.name for p in probes})

    # ------------------------------------------------------------------ chunks

    def _run_all(self, jobs: Sequence[Callable[[], list[ChunkResult]]]) -> list[ChunkResult]:
        """Run jobs on at most ``max_concurrency`` threads; the first failure cancels the rest."""
        results: list[ChunkResult] = []
        with ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="netlogs-la") as pool:
            futures = [pool.submit(job) for job in jobs]
            try:
                for future in as_completed(futures):
                    results.extend(future.result())
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        return results

    def _collect_chunk(
        self, template: Template, query: EvidenceQuery, workspace: str, window: TimeWindow
    ) -> list[ChunkResult]:
        """One chunk; halves it (recursively) while the answer is cut at a response limit."""
        chunk = chunk_query(template, query, workspace, window)
        reply = self._post(chunk)
        _raise_for_status(reply, chunk)
        parsed = parse_response(reply.body, chunk.label)
        error_text = describe_service_error(parsed.error) if parsed.error else None
        cut = truncation_reason(parsed.rows, len(reply.body), error_text, self.limits)
        if cut is not None:
            halves = halve(window, self.limits)
            if halves is not None:
                return [
                    r
                    for part in halves
                    for r in self._collect_chunk(template, query, workspace, part)
                ]
            error_text = f"{cut}; chunk not split below {self.limits.min_chunk}"
        status = SourceStatus.PARTIAL if error_text else SourceStatus.COMPLETE
        detail = error_text or (
            "204 No Content: the workspace has no data" if reply.status == 204 else ""
        )
        return [ChunkResult(chunk, parsed.primary, status, parsed.server_time_ms, detail)]

    # ------------------------------------------------------------------ HTTP

    def _post(self, chunk: ChunkQuery) -> _Reply:
        """POST /workspaces/{id}/query through the SDK pipeline (auth, TLS, retries)."""
        from azure.core.exceptions import (
            AzureError,
            ClientAuthenticationError,
            ServiceRequestError,
            ServiceResponseError,
        )
        from azure.core.rest import HttpRequest

        body = json.dumps({"query": chunk.kql, "timespan": iso_timespan(chunk.window)})
        request = HttpRequest(
            "POST",
            f"/workspaces/{quote(chunk.workspace, safe='')}/query",
            content=body.encode("utf-8"),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Prefer": self._prefer,
            },
        )
        try:
            # stream=True: otherwise the pipeline's ContentDecodePolicy parses the whole JSON
            # into Python objects too, which is the very cost the raw path avoids
            response = self._logs_client().send_request(request, stream=True)
            return _Reply(response.status_code, response.read() or b"")
        except ClientAuthenticationError as exc:
            raise AuthError(
                f"workspace {chunk.workspace}: could not get an Azure token for Log Analytics "
                f"({_first_line(exc)}); run `az login` (or configure a managed identity or "
                "service principal) and try again"
            ) from exc
        except ServiceResponseError as exc:  # includes read timeouts
            raise SourceError(
                f"{chunk.label}: no complete answer within {self.retry.read_timeout:g} s "
                f"after {self.retry.total} retries ({_first_line(exc)})"
            ) from exc
        except ServiceRequestError as exc:
            raise SourceError(
                f"workspace {chunk.workspace}: cannot reach the query API at "
                f"{self.endpoint or 'https://api.loganalytics.io'} ({_first_line(exc)})"
            ) from exc
        except AzureError as exc:
            raise SourceError(f"{chunk.label}: {_first_line(exc)}") from exc

    def _logs_client(self) -> Any:
        with self._client_lock:
            if self._client is None:
                self._client = _build_client(
                    self._credential, self.endpoint, self._verify, self.retry
                )
            return self._client


def _build_client(
    credential: Any, endpoint: str | None, verify: str | bool | None, retry: RetrySettings
) -> Any:
    """A LogsQueryClient with our retry policy and timeouts (azure imported only here)."""
    from azure.monitor.query import LogsQueryClient

    if credential is None:
        try:
            from azure.identity import DefaultAzureCredential
        except ImportError as exc:
            raise SourceError("azure-identity is not installed (needed for --workspace)") from exc
        credential = DefaultAzureCredential()
    options: dict[str, Any] = {
        "retry_policy": _capped_retry_policy(retry),
        "read_timeout": retry.read_timeout,
        "connection_timeout": retry.connection_timeout,
    }
    if endpoint:
        options["endpoint"] = endpoint.rstrip("/")
    if verify is not None:
        options["connection_verify"] = verify
    return LogsQueryClient(credential, **options)


def _capped_retry_policy(settings: RetrySettings) -> Any:
    """azure-core's RetryPolicy, retrying POST too (queries only read) with Retry-After capped."""
    from azure.core.pipeline.policies import RetryPolicy

    class CappedRetryPolicy(RetryPolicy):  # type: ignore[type-arg]
        def __init__(self) -> None:
            super().__init__(
                retry_total=settings.total,
                retry_backoff_factor=settings.backoff_factor,
                retry_backoff_max=settings.backoff_max,
                timeout=settings.total_timeout,
            )
            self._method_whitelist = frozenset({*self._method_whitelist, "POST"})

        def get_retry_after(self, response: Any) -> float | None:
            wait = super().get_retry_after(response)
            return None if wait is None else min(float(wait), settings.max_retry_after)

    return CappedRetryPolicy()


def _raise_for_status(reply: _Reply, chunk: ChunkQuery) -> None:
    """Turn a non-success answer into the NetlogsError an operator can act on."""
    if reply.status in (200, 204):
        return
    error = _error_member(reply.body)
    text = describe_service_error(error) if error else f"HTTP {reply.status} without a body"
    where = f"workspace {chunk.workspace}"
    if reply.status in (401, 403):
        raise AuthError(
            f"{where}: Log Analytics refused access "
            f"(HTTP {reply.status}, {error.get('code', '?')}); "
            "sign in with `az login` and make sure the identity has the Log Analytics Reader role "
            "on the workspace"
        )
    if reply.status == 400:
        raise QueryError(f"{chunk.label}: the service rejected the query: {text}")
    if reply.status == 404:
        raise SourceError(f"{where}: not found ({text}); check the workspace ID (a GUID)")
    if reply.status == 429:
        raise SourceError(f"{where}: still throttled (HTTP 429) after retries: {text}")
    if reply.status == 504:
        raise QueryError(f"{chunk.label}: the query timed out on the service: {text}")
    raise SourceError(f"{chunk.label}: HTTP {reply.status} from the query API: {text}")


def _error_member(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body) if body.strip() else {}
    except ValueError:
        return {}
    error = document.get("error") if isinstance(document, dict) else None
    return error if isinstance(error, dict) else {}


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _bind(
    function: Callable[[Template, EvidenceQuery, str, TimeWindow], list[ChunkResult]],
    template: Template,
    query: EvidenceQuery,
    workspace: str,
    window: TimeWindow,
) -> Callable[[], list[ChunkResult]]:
    return lambda: function(template, query, workspace, window)
