"""The `netlogs doctor` report as text: where each log goes, per-path coverage, the gaps with
the command that closes each, and what could not be read with the role that would allow it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from netlogs.discovery.coverage import Coverage
from netlogs.discovery.logplan import LogPlan


@dataclass(frozen=True)
class WorkspaceCheck:
    """The coverage probe's answer for one workspace: tables with rows, or why it failed."""

    workspace: str
    name: str
    sources: tuple[str, ...] = ()
    error: str = ""


def render_doctor(
    plan: LogPlan,
    cover: Coverage,
    note: str,
    checks: Sequence[WorkspaceCheck],
) -> str:
    lines = [note] if note else []
    lines += [f"netlogs doctor: {plan.vault} ({plan.vault_id})", "", "Where the logs go:"]
    for d in plan.destinations:
        target = d.workspace_name or d.storage_account.rsplit("/", 1)[-1] or "nowhere"
        mode = "resource-specific" if d.dedicated else "AzureDiagnostics"
        kind = f"workspace {target} ({mode})" if d.workspace_id else f"storage {target} only"
        off = f"; off: {', '.join(d.categories_off)}" if d.categories_off else ""
        lines.append(
            f"  {d.family} {d.resource}, setting {d.setting}: "
            f"{', '.join(d.categories_on) or 'nothing'} -> {kind}{off}"
        )
    for f in plan.flow_logs:
        where = (
            f"Traffic Analytics -> {plan.workspace_name(f.workspace)} every {f.interval_min} min"
            if f.traffic_analytics
            else "storage only"
        )
        state = "on" if f.enabled else "disabled"
        lines.append(f"  flow log {f.name} on {f.target}: {state}, {where}")
    for check in checks:
        found = ", ".join(check.sources) or "no rows in the last day"
        lines.append(f"  workspace {check.name}: {check.error or found}")
    lines += ["", "Coverage per path (client subnet -> vault):"]
    for path in cover.paths:
        lines.append(f"  from {path.source}" + (f": {path.note}" if path.note else ""))
        for hop in path.hops:
            lines.append(f"    {hop.hop:<8} {hop.name:<34} {hop.state:<12} {hop.log}: {hop.detail}")
    problems = [*plan.problems]
    lines += ["", f"Gaps ({len(cover.gaps)}):" if cover.gaps else "Gaps: none"]
    for gap in cover.gaps:
        lines += [f"  - {gap.message}", f"      {gap.command}"]
    refused = [c for c in checks if c.error]
    if problems or refused:
        lines += ["", "Missing permissions:"]
        lines += [f"  - {p.message} ({p.role or 'Reader'} on {p.resource})" for p in problems]
        lines += [f"  - workspace {c.name}: {c.error}" for c in refused]
    return "\n".join(lines) + "\n"
