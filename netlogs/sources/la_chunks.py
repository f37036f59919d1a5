"""Time chunks for Log Analytics queries and the response limits that force a chunk to split.

The query API stops at 500,000 records or 64 MB per response and reports it as a partial result
(``E_QUERY_RESULT_SET_TOO_LARGE``), so a chunk that hits a limit is halved and asked again until
it fits or reaches the smallest chunk worth splitting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from netlogs.model import TimeWindow

# Markers of "the result was cut at a size limit" in the service's error chain.
_TRUNCATION_MARKERS = (
    "e_query_result_set_too_large",
    "result set has exceeded",
    "record count limit",
    "exceeded the allowed result size",
    "64mb",
)


@dataclass(frozen=True)
class ResponseLimits:
    """Per-response limits of the query API; a chunk reaching one is split."""

    max_rows: int = 500_000
    max_bytes: int = 64 * 1024 * 1024
    min_chunk: timedelta = timedelta(minutes=1)


def split_window(window: TimeWindow, chunk: timedelta) -> list[TimeWindow]:
    """Consecutive, non-overlapping chunks of at most ``chunk`` covering ``window``."""
    if chunk <= timedelta(0):
        raise ValueError("chunk must be positive")
    chunks: list[TimeWindow] = []
    start = window.start
    while start < window.end:
        end = min(start + chunk, window.end)
        chunks.append(TimeWindow(start, end))
        start = end
    return chunks


def halve(window: TimeWindow, limits: ResponseLimits) -> tuple[TimeWindow, TimeWindow] | None:
    """The two halves of ``window``, or None when it is already at the smallest chunk."""
    if window.duration / 2 < limits.min_chunk:
        return None
    middle = window.start + window.duration / 2
    middle -= timedelta(microseconds=middle.microsecond % 1000)  # keep boundaries on whole ms
    return TimeWindow(window.start, middle), TimeWindow(middle, window.end)


def iso_utc(moment: datetime) -> str:
    """``2026-11-20T10:00:00Z`` (milliseconds only when present), as the query API expects."""
    moment = moment.astimezone(timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"


def iso_timespan(window: TimeWindow) -> str:
    """The ``timespan`` body member: ``start/end`` in ISO-8601."""
    return f"{iso_utc(window.start)}/{iso_utc(window.end)}"


def truncation_reason(
    rows: int, body_bytes: int, error_text: str | None, limits: ResponseLimits
) -> str | None:
    """Why a response looks cut at a service limit, or None when it is whole."""
    if error_text and any(marker in error_text.lower() for marker in _TRUNCATION_MARKERS):
        return f"result cut at a service limit ({error_text})"
    if rows >= limits.max_rows:
        return f"{rows} rows reach the {limits.max_rows}-row response limit"
    if body_bytes >= limits.max_bytes:
        return f"{body_bytes} bytes reach the {limits.max_bytes}-byte response limit"
    return None
