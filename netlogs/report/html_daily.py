"""The per-day coverage grid of a kusto-engine result: one row per UTC day of the window, one
column per table the facts read, the rows counted on the server; a day without rows is a gap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from netlogs.model import TraceResult

# The tables the kusto engine's facts read, in the order the grid shows them.
DAILY_TABLES = ("AZKVAuditLogs", "AZFWNetworkRule", "AZFWApplicationRule", "NTANetAnalytics")


@dataclass(frozen=True)
class DailyGrid:
    """Days (``YYYY-MM-DD``) x tables: ``cells[i][j]`` rows of table j on day i (0: a gap)."""

    tables: tuple[str, ...]
    days: tuple[str, ...]
    cells: tuple[tuple[int, ...], ...]

    @property
    def gap_days(self) -> int:
        """Days on which at least one table has no rows."""
        return sum(1 for row in self.cells if 0 in row)


def daily_grid(result: TraceResult) -> DailyGrid | None:
    """The grid, or None when the result carries no per-day counts (local engine)."""
    if result.engine is None or not result.engine.daily_rows:
        return None
    counts = {(d.day.date(), d.table): d.rows for d in result.engine.daily_rows}
    extra = sorted({table for _, table in counts} - set(DAILY_TABLES))
    tables = (*DAILY_TABLES, *extra)
    days = []
    day = _utc_day(result.window.start)
    while day <= _utc_day(result.window.end):
        days.append(day)
        day += timedelta(days=1)
    cells = tuple(tuple(counts.get((d.date(), t), 0) for t in tables) for d in days)
    return DailyGrid(tables, tuple(d.strftime("%Y-%m-%d") for d in days), cells)


def _utc_day(moment: datetime) -> datetime:
    moment = moment.astimezone(timezone.utc)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)
