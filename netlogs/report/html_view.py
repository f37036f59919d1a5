"""The data the HTML template shows, gathered from a ``TraceResult``.

Keeping this separate from rendering lets tests check *what* the page says without parsing
markup. Strings stay raw: the template escapes every one of them. The one exception is each
client's path picture, an SVG that ``html_path`` builds with every string already escaped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from netlogs.model import FlowResult, HopStatus, TraceResult, Verdict
from netlogs.report.answer import Answer, build_answer, evidence_line
from netlogs.report.fixes import fix_of, fix_sentence
from netlogs.report.html_clients import ClientSelection, select_clients
from netlogs.report.html_daily import daily_grid
from netlogs.report.html_path import STATUS_WORD, STYLE, path_svg
from netlogs.report.ledger_text import LOG_SETTING_HEADERS, log_setting_cells
from netlogs.report.vocabulary import (
    GAP_TITLE,
    HOP_STATUS_MEANING,
    VERDICT_MEANING,
    VERDICT_ORDER,
    client_label,
    counts_by_verdict,
    gap_next_step,
    sorted_flows,
    sorted_gaps,
)
from netlogs.terms import utc_text

MAX_EVIDENCE_ROWS = 20_000  # cited rows; beyond this the JSON result has the rest
LARGE_EVIDENCE = 1_000  # from here the page lets the browser skip laying out off-screen parts
OPEN_CARDS = 25  # up to this many clients every client's details are open; beyond, violations only
MAX_ANSWER_VIOLATIONS = 1_000  # violation sentences in the answer; beyond, a count and the table
MAX_PICTURES = 100  # path pictures (the first cards: violations, then undecided flows first)


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
    picture: str = ""  # the path as an inline SVG (already escaped), for clients with a card
    sentence: str = ""  # the answer's plain sentence, for violations and undecided flows
    fix: str = ""  # the predicted smallest fix, in words, for violations the model explains

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


def _client(
    index: int, flow: FlowResult, chosen: ClientSelection, firewall: str | None, sentence: str
) -> ClientView:
    card = index in chosen.cards
    drawn = card and index < MAX_PICTURES
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
        first_seen=utc_text(flow.first_seen, "microseconds") if flow.first_seen else "",
        last_seen=utc_text(flow.last_seen, "microseconds") if flow.last_seen else "",
        card=card,
        row=index in chosen.rows,
        picture=path_svg(flow, firewall, client_label(flow)) if drawn else "",
        sentence=sentence,
    )


def _card_fix(view: ClientView, result: TraceResult) -> ClientView:
    fix = fix_of(result, view.flow) if view.flow.violation and view.card else None
    return replace(view, fix=fix_sentence(fix)) if fix is not None else view


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
                utc_text(e.time, "microseconds"),
                e.summary,
            )
            for e in cited[: max(MAX_EVIDENCE_ROWS - len(rows), 0)]
        )
    return rows, total


def report_view(result: TraceResult) -> dict[str, Any]:
    """Everything the template needs except the timeline and the embedded assets."""
    flows = sorted_flows(result)
    chosen = select_clients(flows)
    firewall = result.vault.required_firewall
    answer = build_answer(result)
    sentences = {id(f.flow): f.sentence for f in (*answer.violations, *answer.undecided)}
    clients = [
        _client(i, f, chosen, firewall, sentences.get(id(f), "")) for i, f in enumerate(flows)
    ]
    clients = [_card_fix(c, result) for c in clients]
    evidence, evidence_total = _evidence(clients)
    return {
        "answer": answer,
        "findings": _findings(answer, clients, result),
        "banner_tone": _BANNER_TONE[answer.status],
        "result": result,
        "vault": result.vault,
        "window_start": utc_text(result.window.start, "microseconds"),
        "window_end": utc_text(result.window.end, "microseconds"),
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
        "picture_legend": _PICTURE_LEGEND,
        "sources": sorted(result.sources, key=lambda s: (s.family.value, s.table)),
        "log_setting_headers": LOG_SETTING_HEADERS,
        "log_settings": [log_setting_cells(s) for s in result.log_settings],
        "queries": sorted(result.queries, key=lambda q: (q.name, q.workspace, q.timespan)),
        "ledger": sorted(result.ledger, key=lambda e: (e.template, e.workspace, e.start)),
        "inputs": sorted(result.inputs, key=lambda i: i.path),
        "daily": daily_grid(result),
        "generated_at": (
            utc_text(result.generated_at, "microseconds")
            if result.generated_at
            else "not recorded"
        ),
        "iso": partial(utc_text, precision="microseconds"),
        "open_cards": OPEN_CARDS,
        "large": len(evidence) >= LARGE_EVIDENCE or len(clients) > OPEN_CARDS,
    }


_BANNER_TONE = {"PASS": "ok", "VIOLATIONS": "violation", "UNDECIDED": "undecided",
                "NO TRAFFIC": "undecided"}
_PICTURE_MEANING = {
    **{s.value: HOP_STATUS_MEANING[s] for s in HopStatus},
    "skipped": "the design requires this firewall, but the modelled path goes around it",
    "required": "a hop the design rule asks for (upper row of each picture)",
}


# (status, word, symbol, meaning) for the legend of the path pictures
_PICTURE_LEGEND = [
    (status, STATUS_WORD[status], STYLE[status][3], meaning)
    for status, meaning in _PICTURE_MEANING.items()
]


@dataclass(frozen=True)
class FindingView:
    sentence: str
    link: str
    tone: str
    evidence: str  # "4 rows cited: AZKVAuditLogs 4; no fw-hub record"
    fix: str = ""  # "Smallest fix (predicted ...): ..." for a violation the model explains
    fix_commands: str = ""  # the az commands, one a line
    fix_path: str = ""  # the predicted path
    fix_note: str = ""


def _findings(
    answer: Answer, clients: list[ClientView], result: TraceResult
) -> dict[str, list[FindingView]]:
    firewall = result.vault.required_firewall
    link = {id(c.flow): c.link for c in clients}
    tone = {id(c.flow): c.tone for c in clients}
    out: dict[str, list[FindingView]] = {}
    for key, found in (("violations", answer.violations), ("undecided", answer.undecided)):
        out[key] = [
            _with_fix(FindingView(f.sentence, link.get(id(f.flow), ""),
                                  tone.get(id(f.flow), key), evidence_line(f.flow, firewall)),
                      result, f.flow)
            for f in found[:MAX_ANSWER_VIOLATIONS]
        ]
    return out


def _with_fix(view: FindingView, result: TraceResult, flow: FlowResult) -> FindingView:
    fix = fix_of(result, flow) if flow.violation else None
    if fix is None:
        return view
    return replace(view, fix=fix_sentence(fix), fix_commands="\n".join(fix.az_commands),
                   fix_path=fix.predicted_path, fix_note=fix.note if fix.changes else "")


def _client_sections(clients: list[ClientView], chosen: ClientSelection) -> dict[str, Any]:
    """The per-client section, bounded for huge estates."""
    violating = [c for c in clients if c.flow.violation]
    cards = [c for c in clients if c.card]
    return {
        "violations_more": max(len(violating) - MAX_ANSWER_VIOLATIONS, 0),
        "cards": cards,
        "table_clients": [c for c in clients if c.row],
        "without_card": len(clients) - len(cards),
        "without_picture": sum(1 for c in cards if not c.picture),
        "max_pictures": MAX_PICTURES,
        "violations_without_card": sum(1 for c in violating if not c.card),
        "groups": chosen.groups,
        "group_prefix": chosen.group_prefix,
        "grouped_clients": sum(g.clients for g in chosen.groups),
    }
