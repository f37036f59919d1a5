"""Time window resolution: `--since` / `--start --end` into one absolute UTC window.

Time is resolved once, at the entry point: the CLI passes its single ``now`` here and nothing
below the pipeline ever reads the clock. Without any window option, offline runs use the span of
the evidence they read (``data_span``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import polars as pl

from netlogs.errors import ConfigError
from netlogs.model import EvidenceTables, TimeWindow
from netlogs.terms import utc_text

_DURATION_PART = re.compile(r"(\d+)\s*(d|h|m|s)", re.IGNORECASE)
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
# The longest duration an option takes: ten years is far beyond any log retention, and keeps
# every window and lead computed from it inside what a datetime can hold.
LONGEST_DURATION = timedelta(days=3650)
# Times an option may name: a window outside these years has no logs and would overflow when
# ingestion latency or a lead is added to it.
_EARLIEST_YEAR, _LATEST_YEAR = 1970, 8999


def parse_duration(text: str, option: str = "--since", allow_zero: bool = False) -> timedelta:
    """``2h``, ``90m``, ``1h30m``, ``45s``, ``7d`` -> timedelta (positive unless ``allow_zero``).

    Raises:
        ConfigError: the text is not a positive duration.
    """
    cleaned = text.strip()
    parts = _DURATION_PART.findall(cleaned)
    if not parts or _DURATION_PART.sub("", cleaned).strip():
        raise ConfigError(f"{option} {text!r}: expected a duration like 30m, 2h, 1h30m or 7d")
    longest = int(LONGEST_DURATION.total_seconds())
    if any(len(number.lstrip("0")) > len(str(longest)) for number, _ in parts):
        raise ConfigError(f"{option} {text!r}: longer than the most netlogs accepts (3650d)")
    seconds = sum(int(number) * _UNIT_SECONDS[unit.lower()] for number, unit in parts)
    if seconds < 0 or (seconds == 0 and not allow_zero):
        raise ConfigError(f"{option} {text!r}: the duration must be longer than zero")
    if seconds > longest:
        raise ConfigError(f"{option} {text!r}: longer than the most netlogs accepts (3650d)")
    return timedelta(seconds=seconds)


def parse_utc(text: str, option: str) -> datetime:
    """An ISO-8601 time (``Z``, an offset, or no zone meaning UTC) as an aware UTC datetime.

    Raises:
        ConfigError: the text is not an ISO-8601 date/time.
    """
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ConfigError(
            f"{option} {text!r}: not an ISO-8601 time (e.g. 2026-11-20T10:00:00Z)"
        ) from None
    if not _EARLIEST_YEAR <= parsed.year <= _LATEST_YEAR:
        raise ConfigError(
            f"{option} {text!r}: outside the years {_EARLIEST_YEAR} to {_LATEST_YEAR} netlogs"
            " accepts"
        )
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def resolve_window(
    now: datetime, since: str | None, start: str | None, end: str | None
) -> TimeWindow | None:
    """The absolute UTC window the options ask for, or None when none was given.

    ``--since D`` means ``[now - D, now]``; ``--start`` alone runs to ``now``; ``--end`` needs
    ``--start``.

    Raises:
        ConfigError: ``--since`` combined with ``--start/--end``, a lone ``--end``, an
            unparseable value, or an end that is not after the start.
    """
    if since is not None and (start is not None or end is not None):
        raise ConfigError("--since cannot be combined with --start/--end: use one or the other")
    if start is None and end is not None:
        raise ConfigError("--end needs --start (or use --since)")
    return window_between(
        now,
        parse_duration(since) if since is not None else None,
        parse_utc(start, "--start") if start is not None else None,
        parse_utc(end, "--end") if end is not None else None,
    )


def window_between(
    now: datetime, since: timedelta | None, start: datetime | None, end: datetime | None
) -> TimeWindow | None:
    """``resolve_window`` for values already parsed (the CLI's typed options).

    Raises:
        ConfigError: ``--since`` combined with ``--start/--end``, a lone ``--end``, or an end
            that is not after the start.
    """
    if since is not None and (start is not None or end is not None):
        raise ConfigError("--since cannot be combined with --start/--end: use one or the other")
    if since is not None:
        return TimeWindow(now - since, now)
    if start is None and end is None:
        return None
    if start is None:
        raise ConfigError("--end needs --start (or use --since)")
    finish = end if end is not None else now
    if finish <= start:
        raise ConfigError(
            f"bad time range: --end {utc_text(finish, 'seconds')} is not after"
            f" --start {utc_text(start, 'seconds')}"
        )
    return TimeWindow(start, finish)


def data_span(tables: EvidenceTables) -> TimeWindow | None:
    """The span of every evidence row, widened to whole minutes (None when there are no rows).

    Whole minutes keep the window readable and stable when one late row is added or removed.
    """
    times = [
        tables.kv_requests.get_column("time"),
        tables.fw_events.get_column("time"),
        tables.flows.get_column("time_start"),
        tables.flows.get_column("time_end"),
    ]
    combined = pl.concat([s.alias("time").cast(pl.Datetime("us", "UTC")) for s in times])
    combined = combined.drop_nulls()
    if combined.is_empty():
        return None
    first: datetime = combined.min()  # type: ignore[assignment]
    last: datetime = combined.max()  # type: ignore[assignment]
    start = first.replace(second=0, microsecond=0)
    end = last.replace(second=0, microsecond=0)
    if end <= last:
        end += timedelta(minutes=1)
    return TimeWindow(start, end)
