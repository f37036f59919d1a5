"""A TraceResult as polars frames and plain text, for notebooks and scripts.

``TraceResult.flows_frame()``, ``gaps_frame()``, ``evidence_frame()``, ``explain(client)`` and
``_repr_html_`` call these. The frames hold only plain columns (strings, integers, booleans, UTC
datetimes), so ``.to_pandas()`` works on every one of them.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from netlogs.model import FlowResult, TraceResult

_UTC = pl.Datetime("us", "UTC")

FLOW_SCHEMA: dict[str, pl.DataType] = {
    "client_ip": pl.String(),
    "client": pl.String(),
    "verdict": pl.String(),
    "violation": pl.Boolean(),
    "cause": pl.String(),
    "vault_outcome": pl.String(),
    "requests": pl.Int64(),
    "first_seen": _UTC,
    "last_seen": _UTC,
    "path": pl.String(),
    "evidence_rows": pl.Int64(),
    "snat_candidates": pl.String(),
}
GAP_SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.String(),
    "message": pl.String(),
    "clients": pl.String(),
    "next_step": pl.String(),
}
EVIDENCE_SCHEMA: dict[str, pl.DataType] = {
    "client_ip": pl.String(),
    "source": pl.String(),
    "table": pl.String(),
    "row": pl.String(),
    "time": _UTC,
    "summary": pl.String(),
}


def flows_frame(result: TraceResult) -> pl.DataFrame:
    """One row per flow (client and vault) with its verdict, cause and path in one line."""
    rows = [
        {
            "client_ip": f.client_ip,
            "client": f.client,
            "verdict": f.verdict.value,
            "violation": f.violation,
            "cause": f.cause,
            "vault_outcome": f.vault_outcome.value,
            "requests": f.requests,
            "first_seen": f.first_seen,
            "last_seen": f.last_seen,
            "path": _path_line(f),
            "evidence_rows": len(f.evidence) + f.evidence_omitted,
            "snat_candidates": ", ".join(f.snat_candidates),
        }
        for f in result.flows
    ]
    return pl.DataFrame(rows, schema=FLOW_SCHEMA)


def gaps_frame(result: TraceResult) -> pl.DataFrame:
    """One row per gap: what the logs or the model could not show, and what to do about it."""
    rows = [
        {
            "kind": g.kind.value,
            "message": g.message,
            "clients": ", ".join(g.clients),
            "next_step": g.next_step,
        }
        for g in result.gaps
    ]
    return pl.DataFrame(rows, schema=GAP_SCHEMA)


def evidence_frame(result: TraceResult) -> pl.DataFrame:
    """One row per cited log row, with the flow it supports."""
    rows = [
        {
            "client_ip": f.client_ip,
            "source": e.source.value,
            "table": e.table,
            "row": e.row,
            "time": e.time,
            "summary": e.summary,
        }
        for f in result.flows
        for e in f.evidence
    ]
    return pl.DataFrame(rows, schema=EVIDENCE_SCHEMA)


def explain(result: TraceResult, client: str) -> str:
    """The verdict of one client (address or name) in plain text: cause, path and evidence.

    Raises:
        KeyError: no flow of that client in the result (the message lists the clients).
    """
    flows = [f for f in result.flows if client in (f.client_ip, f.client)]
    if not flows:
        known = ", ".join(sorted(f.client or f.client_ip for f in result.flows)[:20])
        raise KeyError(f"no flow for {client!r} in this result (clients: {known})")
    return "\n\n".join(_explained(f) for f in flows)


def _explained(flow: FlowResult) -> str:
    who = f"{flow.client} ({flow.client_ip})" if flow.client else flow.client_ip
    lines = [
        f"{who}: {flow.verdict.value}" + (" — VIOLATION" if flow.violation else ""),
        f"  cause: {flow.cause}",
        f"  vault outcome: {flow.vault_outcome.value}, {flow.requests} request(s)",
        "  path:",
        *(
            f"    {h.hop.value:<17} {h.name:<24} {h.status.value:<13} {h.detail}"
            for h in flow.expected_path
        ),
        f"  evidence ({len(flow.evidence)} cited, {flow.evidence_omitted} more not cited):",
        *(
            f"    {e.time.isoformat()} {e.source.value}/{e.table} {e.row}: {e.summary}"
            for e in flow.evidence
        ),
    ]
    return "\n".join(lines)


def html_summary(result: TraceResult) -> str:
    """A small HTML table of the verdicts for notebooks; every log-derived value is escaped."""
    head = (
        f"<p><b>{html.escape(result.vault.name)}</b>: {len(result.flows)} flow(s), "
        f"{result.violations} violation(s), {result.undecided} undecided</p>"
    )
    cells = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(v))}</td>"
            for v in (f.client or "", f.client_ip, f.verdict.value, f.cause)
        )
        + "</tr>"
        for f in result.flows
    )
    table = (
        "<table><thead><tr><th>client</th><th>address</th><th>verdict</th><th>cause</th>"
        f"</tr></thead><tbody>{cells}</tbody></table>"
    )
    return head + table


def _path_line(flow: FlowResult) -> str:
    return " -> ".join(f"{h.hop.value}:{h.name}[{h.status.value}]" for h in flow.expected_path)
