"""The predicted smallest fix of each violation, in words every report format shares.

A fix is a prediction from the topology model (``netlogs.whatif``), never evidence: every
sentence says so. Strings are raw here; each format escapes them its own way.
"""

from __future__ import annotations

from netlogs.model import FlowResult, PredictedFix, TraceResult

PREFIX = "Smallest fix"


def fix_of(result: TraceResult, flow: FlowResult) -> PredictedFix | None:
    """The fix predicted for this flow's client, if the search ran for it."""
    for fix in result.fixes:
        if fix.client_ip == flow.client_ip and fix.client == flow.client:
            return fix
    return None


def fix_sentence(fix: PredictedFix) -> str:
    """``Smallest fix (predicted by the model, not applied): add a UDR ... -> REACHED_VIA_FIREWALL
    (predicted); no other modelled client's path changes.``"""
    if not fix.changes:
        return f"No fix predicted: {fix.note}."
    return (
        f"{PREFIX} (predicted by the model, not applied): {fix.description} -> "
        f"{fix.predicted_verdict}; {affected_clause(fix)}."
    )


def affected_clause(fix: PredictedFix) -> str:
    if not fix.affected:
        return "no other modelled client's path changes"
    shown = "; ".join(fix.affected[:5])
    more = f"; and {len(fix.affected) - 5} more (JSON result)" if len(fix.affected) > 5 else ""
    return f"it also changes the path of {len(fix.affected)} other client(s): {shown}{more}"


def fix_line(fix: PredictedFix) -> str:
    """One terminal line: the change language, the verdict, how many others it changes."""
    if not fix.changes:
        return f"fix: none predicted ({fix.note})"
    others = f", changes {len(fix.affected)} other client(s)" if fix.affected else ""
    return f"fix: {' + '.join(fix.changes)} -> {fix.predicted_verdict}{others}"
