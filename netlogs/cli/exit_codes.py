"""The exit-code table of contract.md §2, defined once."""

from __future__ import annotations

from netlogs.model import SourceStatus, TraceResult

EXIT_OK = 0  # ran; no policy violation, every flow decided
EXIT_VIOLATION = 1  # ran; at least one policy violation
EXIT_ERROR = 2  # could not run
EXIT_UNDECIDED = 3  # ran; no violation, but some flow is INCONCLUSIVE / NOT_YET_OBSERVABLE

_UNUSABLE = (SourceStatus.MISSING, SourceStatus.PARTIAL, SourceStatus.PENDING)


def exit_code_for(result: TraceResult) -> int:
    """Violations outrank undecided flows: a script must see a proven bypass first.

    "No traffic found" only counts as a clean result when every log source was usable: with a
    missing or partial source, absence of flows is absence of evidence (exit 3, never 0).
    """
    if result.violations:
        return EXIT_VIOLATION
    if result.undecided:
        return EXIT_UNDECIDED
    if not result.flows and any(s.status in _UNUSABLE for s in result.sources):
        return EXIT_UNDECIDED
    return EXIT_OK
