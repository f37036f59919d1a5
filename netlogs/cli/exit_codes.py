"""The exit-code table of contract.md §2, defined once."""

from __future__ import annotations

from netlogs.model import TraceResult

EXIT_OK = 0  # ran; no policy violation, every flow decided
EXIT_VIOLATION = 1  # ran; at least one policy violation
EXIT_ERROR = 2  # could not run
EXIT_UNDECIDED = 3  # ran; no violation, but some flow is INCONCLUSIVE / NOT_YET_OBSERVABLE


def exit_code_for(result: TraceResult) -> int:
    """Violations outrank undecided flows: a script must see a proven bypass first."""
    if result.violations:
        return EXIT_VIOLATION
    if result.undecided:
        return EXIT_UNDECIDED
    return EXIT_OK
