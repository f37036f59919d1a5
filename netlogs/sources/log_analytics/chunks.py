"""Time chunks for Log Analytics queries and the response limits that force a chunk to split.

The query API stops at 500,000 records or 64 MB per response and reports it as a partial result
(``E_QUERY_RESULT_SET_TOO_LARGE``). Chunks are sized up front from the coverage probe's row count
(a table with few rows in the window is one query, however long the window), and a chunk that
still hits a limit is halved and asked again until it fits or reaches the smallest chunk worth
splitting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from netlogs.model import TimeWindow
from netlogs.terms import utc_text

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
    # Planning: evidence rows are projected to a few dozen columns, well under 1 KiB of JSON each;
    # the headroom absorbs rows ingested after the probe counted them and uneven bursts.
    bytes_per_row: int = 1024
    headroom: float = 0.8

    @property
    def rows_per_chunk(self) -> int:
        """How many rows one chunk is planned to hold, under both the row and byte limits."""
        fits = min(self.max_rows, self.max_bytes // max(self.bytes_per_row, 1))
        return max(1, int(fits * self.headroom))


def plan_chunks(
    window: TimeWindow,
    estimated_rows: int | None,
    limits: ResponseLimits,
    longest: timedelta | None = None,
) -> list[TimeWindow]:
    """Chunks of ``window`` for about ``estimated_rows`` rows (unknown: one chunk, split when cut).

    Rows are assumed spread evenly; a burst that overfills a chunk is split when its answer says
    so. ``longest`` caps a chunk's length (``netlogs fetch --chunk``).
    """
    parts = math.ceil(estimated_rows / limits.rows_per_chunk) if estimated_rows else 1
    if longest is not None and math.ceil(window.duration / longest) >= parts:
        return split_window(window, longest)
    parts = max(1, min(parts, int(window.duration / limits.min_chunk)))
    return split_window(window, _whole_ms(window.duration / parts))


def _whole_ms(length: timedelta) -> timedelta:
    """Round a chunk length up to whole milliseconds (the API's timespan precision)."""
    micros = math.ceil(length / timedelta(microseconds=1000)) * 1000
    return timedelta(microseconds=micros)


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




def iso_timespan(window: TimeWindow) -> str:
    """The ``timespan`` body member: ``start/end`` in ISO-8601."""
    return f"{utc_text(window.start, 'milliseconds')}/{utc_text(window.end, 'milliseconds')}"


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
