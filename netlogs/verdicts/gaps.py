"""Gaps: what the evidence can't show, and where the model and the logs disagree."""

from __future__ import annotations

from collections.abc import Iterable

from netlogs.correlate import CorrelationContext
from netlogs.model import FlowResult, Gap, GapKind, LogFamily, SourceStatus, Verdict
from netlogs.verdicts.situation import Situation, stamp

_FAMILY_NAMES = {
    LogFamily.KEYVAULT: "Key Vault",
    LogFamily.FIREWALL: "firewall",
    LogFamily.FLOW: "flow",
}


def _enable_step(family: LogFamily, ctx: CorrelationContext) -> str:
    if family is LogFamily.KEYVAULT:
        vault = ctx.vault.name
        return f"enable the AuditEvent category (AZKVAuditLogs) in {vault}'s diagnostic setting"
    if family is LogFamily.FIREWALL:
        names = (
            ctx.required_firewall or ", ".join(fw.name for fw in ctx.firewalls) or "the firewall"
        )
        return f"enable AZFWNetworkRule and AZFWApplicationRule on {names}'s diagnostic setting"
    return "enable VNet flow logs on the client VNets (with traffic analytics for Log Analytics)"


def source_gaps(ctx: CorrelationContext, undecided: tuple[str, ...]) -> list[Gap]:
    """One gap per log family that is missing, partial or still inside its ingestion latency."""
    gaps: list[Gap] = []
    for family, label in _FAMILY_NAMES.items():
        status = ctx.status(family)
        detail = ctx.source_detail.get(family, "")
        suffix = f" ({detail})" if detail else ""
        if status is SourceStatus.MISSING:
            message = f"no {label} logs for the window{suffix}"
            gaps.append(Gap(GapKind.COVERAGE, message, undecided, _enable_step(family, ctx)))
        elif status is SourceStatus.PARTIAL:
            message = f"{label} logs are partial for the window{suffix}"
            step = (
                "re-run; the ledger lists the partial chunks and the service's reason (for a "
                "size limit, use a shorter window)"
            )
            gaps.append(Gap(GapKind.PARTIAL_DATA, message, undecided, step))
        elif status is SourceStatus.PENDING or ctx.in_latency(family):
            settled = ctx.settled_until(family)
            message = (
                f"{label} logs after {stamp(settled)} may still be arriving (ingestion latency)"
            )
            ready = stamp(ctx.window.end + ctx.lag(family))
            step = f"re-run (or export the logs again) after {ready}"
            gaps.append(Gap(GapKind.LATENCY, message, undecided, step))
    return gaps


def firewall_liveness_gap(
    ctx: CorrelationContext, live: bool, clients: tuple[str, ...]
) -> list[Gap]:
    """The required firewall wrote nothing at all in the window: its logging may be off."""
    if live or ctx.status(LogFamily.FIREWALL) is SourceStatus.MISSING or not ctx.required_firewall:
        return []
    name = ctx.required_firewall
    message = (
        f"no record at all from {name} in the window; its logs can't prove or disprove traversal"
    )
    step = f"check that {name}'s diagnostic setting sends AZFWNetworkRule/AZFWApplicationRule here"
    return [Gap(GapKind.COVERAGE, message, clients, step)]


def model_vs_observed(s: Situation, flow: FlowResult) -> Gap | None:
    """The model's path and what the logs show disagree (itself a finding: routes may lie)."""
    if s.path is None:
        return None
    predicted = s.path.firewalls
    message = ""
    if flow.verdict is Verdict.REACHED_BYPASSING_FIREWALL and predicted:
        message = (
            f"model predicts {flow.client_ip} passes {', '.join(predicted)}, "
            "but the vault logged requests with no firewall record"
        )
    elif flow.verdict is Verdict.REACHED_VIA_FIREWALL and (not predicted or s.path.forward_bypass):
        bypass = s.path.forward_bypass
        why = bypass.value if bypass else "no firewall on the modelled path"
        message = (
            f"model predicts {flow.client_ip} bypasses the firewall ({why}), "
            "but logs show it passing"
        )
    elif flow.verdict.value.startswith("REACHED") and not s.path.delivered:
        message = (
            f"model predicts traffic from {flow.client_ip} is dropped ({s.path.drop_reason}), "
            "but the vault logged its requests"
        )
    if not message:
        return None
    step = f"compare the effective routes of {flow.client or flow.client_ip} with the topology file"
    return Gap(GapKind.MODEL_VS_OBSERVED, message, (flow.client_ip,), step)


def snat_ambiguous(flow: FlowResult, count: int) -> Gap | None:
    """Requests under a SNAT address that several clients fit stay unattributed."""
    if len(flow.snat_candidates) < 2:
        return None
    listed = (
        "" if count <= len(flow.snat_candidates) else f" (first {len(flow.snat_candidates)} listed)"
    )
    message = (
        f"requests from firewall SNAT address {flow.client_ip} fit {count} clients{listed}; "
        "left unattributed"
    )
    step = "shorten --reuse-window or filter with --from to tell the clients apart"
    return Gap(GapKind.SNAT_AMBIGUOUS, message, flow.snat_candidates, step)


def sorted_gaps(gaps: Iterable[Gap]) -> tuple[Gap, ...]:
    unique = {(g.kind.value, g.message, g.clients, g.next_step): g for g in gaps}
    return tuple(unique[key] for key in sorted(unique))
