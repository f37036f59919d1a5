"""HTTP to the Log Analytics query API: sign-in, one POST per chunk, deadlines, retries.

The SDK's ``LogsQueryClient`` pipeline keeps authentication, TLS and the retry policy for
status codes (429 with a capped Retry-After, 5xx, refused connections). It does not bound the
*body*: a server that sends headers and then trickles or stops mid-answer would hold a request
for as long as bytes keep coming. So bodies are read here, a few kilobytes at a time, against a
per-response deadline, and an answer cut short (reset, incomplete, too slow) is asked again like
a 5xx. Every wait is also capped by the run's overall deadline.

Azure is imported lazily (only this module and ``log_analytics`` touch it).
"""

# ruff: noqa: PLC0415  (azure is imported lazily: `netlogs --help` and offline runs never load it)

from __future__ import annotations

import json
import logging
import threading
import time
import warnings
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from netlogs.errors import AuthError, QueryError, SourceError
from netlogs.sources.log_analytics.chunks import iso_timespan
from netlogs.sources.log_analytics.plan import ChunkQuery
from netlogs.sources.query_api_json import describe_service_error

# Query API base URL per cloud (also the token audience: ``{audience}/.default``).
CLOUD_ENDPOINTS = {
    "AzureCloud": "https://api.loganalytics.io",
    "AzureUSGovernment": "https://api.loganalytics.us",
    "AzureChinaCloud": "https://api.loganalytics.azure.cn",
}
DEFAULT_CLOUD = "AzureCloud"
_READ_SIZE = 64 * 1024


@dataclass(frozen=True)
class RetrySettings:
    """How long and how often one chunk request may be retried (429, 5xx, broken answers)."""

    total: int = 3
    backoff_factor: float = 0.8
    backoff_max: float = 30.0
    max_retry_after: float = 60.0  # a longer Retry-After is cut to this, so a run stays bounded
    read_timeout: float = 240.0  # seconds one answer may take, headers and body (service: 180)
    connection_timeout: float = 30.0


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes


class DeadlineReachedError(Exception):
    """The run's overall deadline passed before this chunk was answered (not an error line)."""


class StoppedError(Exception):
    """The run was interrupted (Ctrl-C) while this chunk was being read."""


@dataclass
class Deadline:
    """The run's overall deadline (``--timeout``), counted from its creation."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    def elapsed(self) -> float:
        return time.monotonic() - self.started


class BrokenAnswerError(Exception):
    """The answer broke off, stalled or trickled past its deadline: ask again."""


class QueryTransport:
    """One ``LogsQueryClient`` (built on first use) and the POSTs of a run."""

    def __init__(
        self,
        *,
        credential: Any,
        endpoint: str | None,
        cloud: str,
        verify: str | bool | None,
        retry: RetrySettings,
        prefer: str,
    ) -> None:
        if cloud not in CLOUD_ENDPOINTS:
            raise SourceError(f"unknown cloud {cloud!r}: use one of {', '.join(CLOUD_ENDPOINTS)}")
        self.audience = CLOUD_ENDPOINTS[cloud]
        self.endpoint = (endpoint or self.audience).rstrip("/")
        self.retry = retry
        self.stop = threading.Event()
        self._credential = credential
        self.verify = verify
        self._prefer = prefer
        self._client: Any = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ sign-in

    def sign_in(self) -> None:
        """Get the one token every query uses, before any parallel work.

        Raises:
            AuthError: no sign-in (or an expired one): one line that says to run ``az login``.
        """
        from azure.core.exceptions import AzureError

        quiet_azure_loggers()
        scope = f"{self.audience}/.default"
        with self._lock:
            if self._credential is None:
                self._credential = _default_credential()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    token = self._credential.get_token(scope)
            except (AzureError, ValueError, OSError) as exc:
                raise AuthError(
                    f"could not get an Azure token for Log Analytics ({_first_line(exc)}); run "
                    "`az login` (or configure a managed identity or service principal) and try "
                    "again"
                ) from exc
            self._credential = _OneToken(self._credential, scope, token)

    # ------------------------------------------------------------------ queries

    def post(self, chunk: ChunkQuery, deadline: Deadline) -> Reply:
        """POST one chunk's query; the answer's status and whole body.

        Raises:
            DeadlineReachedError: the overall deadline passed first.
            StoppedError: the run was interrupted.
            AuthError / SourceError: the request failed after its retries.
        """
        failure = ""
        for attempt in range(self.retry.total + 1):
            if attempt:
                self._pause(attempt, deadline)
            try:
                return self._attempt(chunk, deadline)
            except BrokenAnswerError as exc:
                if deadline.remaining() <= 0:
                    raise DeadlineReachedError from exc
                failure = str(exc)
        raise SourceError(
            f"{chunk.label}: no complete answer after {self.retry.total} retries ({failure})"
        )

    def _attempt(self, chunk: ChunkQuery, deadline: Deadline) -> Reply:
        from azure.core.exceptions import (
            AzureError,
            ClientAuthenticationError,
            ServiceRequestError,
            ServiceResponseError,
        )

        remaining = deadline.remaining()
        if remaining <= 0:
            raise DeadlineReachedError
        per_answer = min(self.retry.read_timeout, remaining)
        try:
            response = self._logs_client().send_request(
                _request(chunk, self._prefer),
                stream=True,  # the body is read below, against a deadline
                timeout=remaining,  # the retry policy's budget for all its attempts
                read_timeout=per_answer,
                connection_timeout=min(self.retry.connection_timeout, remaining),
            )
            # the body gets what is left of this answer's time and of the run's
            body_time = min(per_answer, max(deadline.remaining(), 0.0))
            return Reply(response.status_code, read_body(response, body_time, self.stop))
        except ClientAuthenticationError as exc:
            raise AuthError(
                f"workspace {chunk.workspace}: could not get an Azure token for Log Analytics "
                f"({_first_line(exc)}); run `az login` and try again"
            ) from exc
        except AzureError as exc:
            if deadline.remaining() <= 0:
                raise DeadlineReachedError from exc
            if isinstance(exc, ServiceResponseError):  # the SDK already retried it
                raise SourceError(
                    f"{chunk.label}: no complete answer within {per_answer:g} s "
                    f"after {self.retry.total} retries ({_first_line(exc)})"
                ) from exc
            if isinstance(exc, ServiceRequestError):
                raise SourceError(
                    f"workspace {chunk.workspace}: cannot reach the query API at {self.endpoint} "
                    f"({_first_line(exc)})"
                ) from exc
            raise SourceError(f"{chunk.label}: {_first_line(exc)}") from exc

    def _pause(self, attempt: int, deadline: Deadline) -> None:
        wait = min(self.retry.backoff_factor * 2 ** (attempt - 1), self.retry.backoff_max)
        if deadline.remaining() <= wait:
            raise DeadlineReachedError
        if self.stop.wait(wait):
            raise StoppedError

    def close(self) -> None:
        """Close the client's connections (a new client is built if the source runs again)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def logs_client(self) -> Any:
        """The signed-in LogsQueryClient every query of this transport uses (kusto engine)."""
        self.sign_in()
        return self._logs_client()

    def _logs_client(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = _build_client(self, self._credential)
            return self._client


def read_body(response: Any, seconds: float, stop: threading.Event) -> bytes:
    """The whole body, read in small pieces so a trickle cannot outlast ``seconds``.

    Raises:
        BrokenAnswerError: the body stalled, broke off or took longer than ``seconds``.
        StoppedError: the run was interrupted meanwhile.
    """
    raw = getattr(getattr(response, "internal_response", None), "raw", None)
    if raw is None or not hasattr(raw, "read1"):  # not the requests transport: plain read
        try:
            return bytes(response.read() or b"")
        except Exception as exc:  # any transport failure is a broken answer
            raise BrokenAnswerError(f"the answer broke off ({_first_line(exc)})") from exc
    ends = time.monotonic() + seconds
    pieces: list[bytes] = []
    try:
        while True:
            if stop.is_set():
                raise StoppedError
            if time.monotonic() > ends:
                raise BrokenAnswerError(f"the answer took longer than {seconds:g} s")
            piece = raw.read1(_READ_SIZE, decode_content=True)
            if not piece:
                return b"".join(pieces)
            pieces.append(piece)
    except (BrokenAnswerError, StoppedError):
        response.close()
        raise
    except Exception as exc:  # reset, incomplete read, socket timeout
        response.close()
        raise BrokenAnswerError(f"the answer broke off ({_first_line(exc)})") from exc


def raise_for_status(reply: Reply, chunk: ChunkQuery) -> None:
    """Turn a non-success answer into the NetlogsError an operator can act on."""
    if reply.status in (200, 204):
        return
    error = error_member(reply.body)
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


def error_member(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body) if body.strip() else {}
    except ValueError:
        return {}
    error = document.get("error") if isinstance(document, dict) else None
    return error if isinstance(error, dict) else {}


def quiet_azure_loggers() -> None:
    """azure-identity logs every credential it tried as a warning; with no logging configured
    Python prints them on stderr (dozens of lines before our one ``Error:`` line). A handler that
    drops them keeps stderr to that line; an application that configures logging still sees them.
    """
    logger = logging.getLogger("azure")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())


class _OneToken:
    """The credential of a run: hands out the token fetched at sign-in while it is valid."""

    def __init__(self, credential: Any, scope: str, token: Any) -> None:
        self._credential = credential
        self._scope = scope
        self._token = token
        self._lock = threading.Lock()

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        with self._lock:
            fresh = self._token.expires_on - time.time() > 300
            if scopes == (self._scope,) and fresh and not kwargs.get("claims"):
                return self._token
            self._token = self._credential.get_token(*scopes, **kwargs)
            return self._token


def _default_credential() -> Any:
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError as exc:
        raise SourceError("azure-identity is not installed (needed for --workspace)") from exc
    try:
        return DefaultAzureCredential()
    except ValueError as exc:  # e.g. an unknown AZURE_TOKEN_CREDENTIALS value
        raise AuthError(f"cannot set up Azure sign-in: {_first_line(exc)}") from exc


def _request(chunk: ChunkQuery, prefer: str) -> Any:
    from azure.core.rest import HttpRequest

    body = json.dumps({"query": chunk.kql, "timespan": iso_timespan(chunk.window)})
    return HttpRequest(
        "POST",
        f"/workspaces/{quote(chunk.workspace, safe='')}/query",
        content=body.encode("utf-8"),
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Prefer": prefer,
        },
    )


def _build_client(transport: QueryTransport, credential: Any) -> Any:
    """A LogsQueryClient with our retry policy and timeouts (azure imported only here)."""
    from azure.monitor.query import LogsQueryClient

    options: dict[str, Any] = {
        "retry_policy": _capped_retry_policy(transport.retry),
        "read_timeout": transport.retry.read_timeout,
        "connection_timeout": transport.retry.connection_timeout,
        "endpoint": transport.endpoint,
        "audience": transport.audience,
    }
    if transport.verify is not None:
        options["connection_verify"] = transport.verify
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
            )
            self._method_whitelist = frozenset({*self._method_whitelist, "POST"})

        def get_retry_after(self, response: Any) -> float | None:
            wait = super().get_retry_after(response)
            return None if wait is None else min(float(wait), settings.max_retry_after)

        def sleep(self, retry: Any, transport: Any, response: Any = None) -> None:
            # a streamed answer that is asked again is never read: close its connection
            closing = getattr(getattr(response, "http_response", None), "close", None)
            if closing is not None:
                closing()
            super().sleep(retry, transport, response)

    return CappedRetryPolicy()


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
