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
    if not result.flows and _any_family_unusable(result):
        return EXIT_UNDECIDED
    return EXIT_OK


def _any_family_unusable(result: TraceResult) -> bool:
    """Judged per needed family (DNS is optional evidence): a table the workspace does not have
    (``missing``) next to a usable table of the same family (AzureNetworkAnalytics_CL next to
    NTANetAnalytics) hides nothing."""
    # imported here: `netlogs --help` imports this module and must not load polars
    from netlogs.correlate import family_statuses
    from netlogs.pipeline.gaps import REQUIRED_FAMILIES

    statuses, _ = family_statuses(result.sources)
    listed = {source.family for source in result.sources}
    return any(statuses[f] in _UNUSABLE for f, _ in REQUIRED_FAMILIES if f in listed)
