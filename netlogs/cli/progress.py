"""Progress of live queries on stderr (rich): on a terminal unless --quiet.

``NETLOGS_PROGRESS=1`` forces it on where stderr is not a terminal (tests, CI logs): it then
prints plain lines, at most one a second plus one per new step, instead of a redrawn bar.
"""

from __future__ import annotations

import os
import sys
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netlogs.sources.log_analytics import Progress

FORCE_ENV = "NETLOGS_PROGRESS"


class ProgressDisplay:
    """A context manager and ``Progress`` callback; does nothing when progress is off."""

    def __init__(self, *, quiet: bool) -> None:
        forced = os.environ.get(FORCE_ENV, "") == "1"
        self.enabled = not quiet and (forced or sys.stderr.isatty())
        self._live = self.enabled and sys.stderr.isatty()
        self._bar: Any = None
        self._task: Any = None
        self._console: Any = None
        self._last = ("", 0.0)

    def __enter__(self) -> ProgressDisplay:
        return self  # the display starts with the first event (offline runs have none)

    def _start(self) -> None:
        from rich.console import Console

        self._console = Console(stderr=True, highlight=False)
        if self._live:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("queries, {task.fields[rows]:,} rows"),
                TimeElapsedColumn(),
                console=self._console,
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("starting", total=None, rows=0)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __call__(self, event: Progress) -> None:
        if self._console is None:
            self._start()
        if self._bar is not None:
            total = event.total or None
            self._bar.update(
                self._task,
                description=_step(event),
                completed=event.done,
                total=total,
                rows=event.rows,
            )
        elif self._console is not None:
            step, printed = self._last
            if event.step == step and time.monotonic() - printed < 1.0 and event.done < event.total:
                return
            self._last = (event.step, time.monotonic())
            self._console.print(
                f"netlogs: {_step(event)}: {event.done}/{event.total} queries, "
                f"{event.rows:,} rows, {event.elapsed:.1f} s",
                markup=False,
            )


def _step(event: Progress) -> str:
    from netlogs.sources.log_analytics import STEPS

    return f"[{event.step_number}/{len(STEPS)}] {event.step}"
