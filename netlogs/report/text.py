"""The terminal summary of a trace: a verdict table, the totals, violations and gaps.

Colour is the caller's decision (the CLI turns it off for NO_COLOR and non-TTY output); with
``color=False`` the text holds no escape sequence at all.
"""

from __future__ import annotations

from netlogs.model import FlowResult, TraceResult, Verdict
from netlogs.report.safe_text import neutralise, shorten
from netlogs.report.vocabulary import (
    GAP_TITLE,
    counts_by_verdict,
    gap_next_step,
    iso_utc,
    policy_sentence,
    sorted_flows,
    sorted_gaps,
    violation_sentence,
)

_RESET = "\x1b[0m"
_STYLE = {"red": "\x1b[1;31m", "green": "\x1b[32m", "yellow": "\x1b[33m", "magenta": "\x1b[35m"}
_BOLD = "\x1b[1m"
_HEADERS = ("CLIENT", "IP", "VERDICT", "CAUSE", "REQUESTS", "VAULT")
_LIMITS = (32, 39, 30, 60, 8, 14)  # column widths never exceed these (IPv6 fits in 39)


def render_text(result: TraceResult, *, color: bool) -> str:
    """The whole terminal report, ending in a newline."""
    lines = _heading(result, color)
    lines += ["", *_table(result, color), ""]
    lines += _summary(result)
    lines += _violations(result)
    lines += _gaps(result)
    return "\n".join(lines) + "\n"


def _paint(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{_RESET}" if color and style else text


def _verdict_style(flow: FlowResult) -> str:
    if flow.violation:
        return _STYLE["red"]
    if flow.verdict is Verdict.REACHED_VIA_FIREWALL:
        return _STYLE["green"]
    if flow.verdict.is_undecided:
        return _STYLE["magenta"]
    return _STYLE["yellow"]


def _heading(result: TraceResult, color: bool) -> list[str]:
    window = f"{iso_utc(result.window.start)} -> {iso_utc(result.window.end)}"
    vault = neutralise(result.vault.name)
    lines = [
        _paint(f"Key Vault {vault}", _BOLD, color) + f"  window {window}",
        f"Policy: {neutralise(policy_sentence(result))}",
    ]
    if result.engine is not None:  # the kusto engine: the correlation ran on the server
        engine = result.engine
        lines.append(
            f"Facts computed by: {neutralise(engine.name)} at {neutralise(engine.target)}"
            f" (facts query sha256 {neutralise(engine.query_sha256[:16])})"
        )
    return lines


def _row_cells(flow: FlowResult) -> tuple[str, ...]:
    cells = (
        neutralise(flow.client or "-"),
        neutralise(flow.client_ip),
        flow.verdict.value,
        neutralise(flow.cause),
        str(flow.requests),
        flow.vault_outcome.value,
    )
    return tuple(shorten(cell, limit) for cell, limit in zip(cells, _LIMITS, strict=True))


def _table(result: TraceResult, color: bool) -> list[str]:
    flows = sorted_flows(result)
    if not flows:
        return ["No traffic to the vault was found in the window."]
    rows = [_row_cells(f) for f in flows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(_HEADERS)]
    lines = [_paint(_join(_HEADERS, widths), _BOLD, color)]
    for flow, cells in zip(flows, rows, strict=True):
        padded = list(_pad(cells, widths))
        padded[2] = _paint(padded[2], _verdict_style(flow), color)
        lines.append("  ".join(padded).rstrip())
    return lines


def _pad(cells: tuple[str, ...], widths: list[int]) -> list[str]:
    # Requests is a number: right-align it like a spreadsheet would.
    pairs = enumerate(zip(cells, widths, strict=True))
    return [c.rjust(w) if i == 4 else c.ljust(w) for i, (c, w) in pairs]


def _join(cells: tuple[str, ...], widths: list[int]) -> str:
    return "  ".join(_pad(cells, widths)).rstrip()


def _summary(result: TraceResult) -> list[str]:
    counts = ", ".join(f"{name} {n}" for name, n in counts_by_verdict(result).items())
    head = (
        f"{len(result.flows)} flow(s): {result.violations} violation(s), "
        f"{result.undecided} undecided"
    )
    return [head + (f" ({counts})" if counts else "")]


def _violations(result: TraceResult) -> list[str]:
    flows = [f for f in sorted_flows(result) if f.violation]
    if not flows:
        return []
    return ["", "Violations:"] + [f"  - {neutralise(violation_sentence(f))}" for f in flows]


def _gaps(result: TraceResult) -> list[str]:
    if not result.gaps:
        return []
    lines = ["", "Gaps:"]
    for gap in sorted_gaps(result):
        lines.append(f"  - {GAP_TITLE[gap.kind]}: {neutralise(gap.message)}")
        if gap.clients:
            lines.append(f"    clients: {neutralise(', '.join(gap.clients))}")
        lines.append(f"    next: {neutralise(gap_next_step(gap.kind, gap.next_step))}")
    return lines
