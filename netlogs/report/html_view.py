"""The data the HTML template shows, gathered from a ``TraceResult`` (no HTML, no plotly here).

Keeping this separate from rendering lets tests check *what* the page says without parsing
markup. Strings stay raw: the template escapes every one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netlogs.model import FlowResult, HopStatus, TraceResult, Verdict
from netlogs.report.html_clients import ClientSelection, select_clients
from netlogs.report.vocabulary import (
    GAP_TITLE,
    HOP_STATUS_MEANING,
    VERDICT_MEANING,
    VERDICT_ORDER,
    client_label,
    counts_by_verdict,
    gap_next_step,
    iso_utc,
    policy_sentence,
    sorted_flows,
    sorted_gaps,
    violation_sentence,
)

MAX_EVIDENCE_ROWS = 20_000  # cited rows; beyond this the JSON result has the rest
LARGE_EVIDENCE = 1_000  # from here the page lets the browser skip laying out off-screen parts
OPEN_CARDS = 25  # up to this many clients every client's details are open; beyond, violations only
MAX_ANSWER_VIOLATIONS = 1_000  # violation sentences in the answer; beyond, a count and the table


@dataclass(frozen=True)
class HopView:
    kind: str
    name: str
    detail: str
    status: str
    meaning: str


@dataclass(frozen=True)
class ClientView:
    anchor: str  # derived from the position, never from log data
    label: str
    flow: FlowResult
    tone: str  # css class from our own vocabulary: violation | ok | blocked | undecided
    hops: tuple[HopView, ...]
    first_seen: str
    last_seen: str
    card: bool = True  # drawn as a detail card (see html_clients for who is left out)
    row: bool = True  # listed in the verdict table

    @property
    def link(self) -> str:
        """Where links to this client point: its card, else its table row, else nowhere."""
        if self.card:
            return self.anchor
        return f"row-{self.anchor.removeprefix('client-')}" if self.row else ""


@dataclass(frozen=True)
class EvidenceView:
    anchor: str
    client: str
    verdict: str
    source: str
    table: str
    row: str
    time: str
    summary: str


def verdict_tone(flow: FlowResult) -> str:
    if flow.violation:
        return "violation"
    if flow.verdict is Verdict.REACHED_VIA_FIREWALL:
        return "ok"
    if flow.verdict.is_undecided:
        return "undecided"
    return "blocked"


def _client(index: int, flow: FlowResult, chosen: ClientSelection) -> ClientView:
    hops = tuple(
        HopView(h.hop.value, h.name, h.detail, h.status.value, HOP_STATUS_MEANING[h.status])
        for h in flow.expected_path
    )
    return ClientView(
        anchor=f"client-{index + 1}",
        label=client_label(flow),
        flow=flow,
        tone=verdict_tone(flow),
        hops=hops,
        first_seen=iso_utc(flow.first_seen) if flow.first_seen else "",
        last_seen=iso_utc(flow.last_seen) if flow.last_seen else "",
        card=index in chosen.cards,
        row=index in chosen.rows,
    )


def _evidence(clients: list[ClientView]) -> tuple[list[EvidenceView], int]:
    rows: list[EvidenceView] = []
    total = 0
    for view in clients:
        cited = sorted(view.flow.evidence, key=lambda e: (e.time, e.source.value, e.row))
        total += len(cited)
        rows.extend(
            EvidenceView(
                view.link,
                view.label,
                view.flow.verdict.value,
                e.source.value,
                e.table,
                e.row,
                iso_utc(e.time),
                e.summary,
            )
            for e in cited[: max(MAX_EVIDENCE_ROWS - len(rows), 0)]
        )
    return rows, total


def report_view(result: TraceResult) -> dict[str, Any]:
    """Everything the template needs except the timeline and the embedded assets."""
    flows = sorted_flows(result)
    chosen = select_clients(flows)
    clients = [_client(i, f, chosen) for i, f in enumerate(flows)]
    evidence, evidence_total = _evidence(clients)
    return {
        "result": result,
        "vault": result.vault,
        "window_start": iso_utc(result.window.start),
        "window_end": iso_utc(result.window.end),
        "policy": policy_sentence(result),
        "counts": [
            (name, n, VERDICT_MEANING[Verdict(name)])
            for name, n in counts_by_verdict(result).items()
        ],
        "clients": clients,
        **_client_sections(clients, chosen),
        "gaps": [
            (GAP_TITLE[g.kind], g, gap_next_step(g.kind, g.next_step)) for g in sorted_gaps(result)
        ],
        "evidence": evidence,
        "evidence_total": evidence_total,
        "verdict_legend": [(v.value, VERDICT_MEANING[v]) for v in VERDICT_ORDER],
        "hop_legend": [(s.value, HOP_STATUS_MEANING[s]) for s in HopStatus],
        "sources": sorted(result.sources, key=lambda s: (s.family.value, s.table)),
        "queries": sorted(result.queries, key=lambda q: (q.name, q.workspace, q.timespan)),
        "ledger": sorted(result.ledger, key=lambda e: (e.template, e.workspace, e.start)),
        "inputs": sorted(result.inputs, key=lambda i: i.path),
        "generated_at": iso_utc(result.generated_at) if result.generated_at else "not recorded",
        "iso": iso_utc,
        "open_cards": OPEN_CARDS,
        "large": len(evidence) >= LARGE_EVIDENCE or len(clients) > OPEN_CARDS,
    }


def _client_sections(clients: list[ClientView], chosen: ClientSelection) -> dict[str, Any]:
    """The answer's violation list and the per-client section, bounded for huge estates."""
    violating = [c for c in clients if c.flow.violation]
    cards = [c for c in clients if c.card]
    return {
        "violations": [
            (c.link, violation_sentence(c.flow)) for c in violating[:MAX_ANSWER_VIOLATIONS]
        ],
        "violations_more": max(len(violating) - MAX_ANSWER_VIOLATIONS, 0),
        "cards": cards,
        "table_clients": [c for c in clients if c.row],
        "without_card": len(clients) - len(cards),
        "violations_without_card": sum(1 for c in violating if not c.card),
        "groups": chosen.groups,
        "group_prefix": chosen.group_prefix,
        "grouped_clients": sum(g.clients for g in chosen.groups),
    }
