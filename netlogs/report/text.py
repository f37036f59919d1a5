"""The terminal summary of a trace: the answer first, then a verdict table that fits the width.

Rendered with ``rich`` into a string: the table wraps the cause instead of cutting it, and below
``STACKED_BELOW`` columns each client becomes a small block (name, verdict, then the cause on its
own lines) so nothing is elided at 80 columns. Colour is the caller's decision (the CLI honours
NO_COLOR / FORCE_COLOR and whether stdout is a terminal); with ``color=False`` the text holds no
escape sequence at all. Log-derived strings are neutralised and passed as plain ``Text``, never
as rich markup.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from netlogs.model import FlowResult, TraceResult, Verdict
from netlogs.report.answer import VIOLATIONS, Answer, build_answer, evidence_line
from netlogs.report.fixes import fix_line, fix_of
from netlogs.report.ledger_text import ledger_line, log_setting_line, sorted_sources
from netlogs.report.safe_text import neutralise
from netlogs.report.vocabulary import (
    GAP_TITLE,
    counts_by_verdict,
    gap_next_step,
    sorted_flows,
    sorted_gaps,
)
from netlogs.terms import utc_text

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

STACKED_BELOW = 100  # narrower terminals get one block per client instead of a table
MIN_WIDTH = 40
MAX_SENTENCES = 50  # per list (violations, undecided); the rest are counted
MAX_ROWS = 500  # table rows (violations first); beyond, a count and where to find the rest
_STATUS_STYLE = {"PASS": "bold green", VIOLATIONS: "bold red", "UNDECIDED": "bold magenta"}


def verdict_style(flow: FlowResult) -> str:
    if flow.violation:
        return "bold red"
    if flow.verdict is Verdict.REACHED_VIA_FIREWALL:
        return "green"
    if flow.verdict.is_undecided:
        return "magenta"
    return "yellow"


def make_console(width: int, color: bool) -> tuple[Console, io.StringIO]:
    """A rich console that writes to a string: fixed width, colour only when asked for."""
    from rich.console import Console  # noqa: PLC0415 - only the terminal report needs rich

    out = io.StringIO()
    console = Console(
        file=out,
        width=max(width, MIN_WIDTH),
        color_system="standard" if color else None,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
        soft_wrap=False,
    )
    return console, out


def render_text(result: TraceResult, *, color: bool, width: int = 120) -> str:
    """The whole terminal report, ending in a newline; no line is wider than ``width``."""
    console, out = make_console(width, color)
    answer = build_answer(result)
    for part in _answer(result, answer):
        console.print(part)
    console.print()
    console.print(_clients(result, console.width))
    console.print()
    console.print(_summary(result))
    for part in _sources(result) + _gaps(result):
        console.print(part)
    text = out.getvalue()
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def _text(value: object, style: str = "") -> RenderableType:
    from rich.text import Text  # noqa: PLC0415

    return Text(neutralise(value), style=style)


def _answer(result: TraceResult, answer: Answer) -> list[RenderableType]:
    from rich.padding import Padding  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    banner = Text()
    banner.append(answer.headline, style=_STATUS_STYLE.get(answer.status, "bold"))
    start, end = result.window.start, result.window.end
    window = f"{utc_text(start, 'microseconds')} -> {utc_text(end, 'microseconds')}"
    parts: list[RenderableType] = []
    if result.vault.required_firewall_note:  # a rule read from the routes: the very first line
        parts.append(Text(neutralise(answer.rule), style="bold"))
    else:
        banner.append("  ")
        banner.append(neutralise(answer.rule))
    parts += [
        banner,
        Text(neutralise(answer.title), style="bold"),
        Text(f"Key Vault {neutralise(result.vault.name)}, window {window}", style="dim"),
    ]
    if result.engine is not None:  # the kusto engine: the correlation ran on the server
        engine = result.engine
        parts.append(
            Text(
                f"Facts computed by: {neutralise(engine.name)} at {neutralise(engine.target)}"
                f" (facts query sha256 {neutralise(engine.query_sha256[:16])})",
                style="dim",
            )
        )
    for heading, found, style in (
        (f"Violations ({len(answer.violations)}):", answer.violations, "red"),
        (f"Undecided ({len(answer.undecided)}):", answer.undecided, "magenta"),
    ):
        if not found:
            continue
        parts += [Text(""), Text(heading, style=f"bold {style}")]
        listing = Table.grid(padding=(0, 1))  # a hanging indent: the number, then the sentence
        listing.add_column(justify="right", no_wrap=True)
        listing.add_column(ratio=1, overflow="fold")
        for number, finding in enumerate(found[:MAX_SENTENCES], start=1):
            sentence = Text(neutralise(finding.sentence))
            if finding.flow.violation:
                firewall = result.vault.required_firewall
                sentence.append(
                    f"\nevidence: {neutralise(evidence_line(finding.flow, firewall))}", style="dim"
                )
                fix = fix_of(result, finding.flow)
                if fix is not None:
                    sentence.append(f"\n{neutralise(fix_line(fix))}", style="green")
            listing.add_row(Text(f"{number}.", style=style), sentence)
        parts.append(Padding(listing, (0, 0, 0, 1)))
        if len(found) > MAX_SENTENCES:
            parts.append(Text(f"   ... and {len(found) - MAX_SENTENCES} more: {_ELSEWHERE}"))
    return parts


def _cells(flow: FlowResult) -> tuple[str, str, str, str, str]:
    client = neutralise(flow.client) if flow.client else ""
    return (
        client,
        neutralise(flow.client_ip),
        flow.verdict.value,
        neutralise(flow.cause),
        str(flow.requests),
    )


def _clients(result: TraceResult, width: int) -> RenderableType:
    from rich.text import Text  # noqa: PLC0415

    flows = sorted_flows(result)
    if not flows:
        return Text("No traffic to the vault was found in the window.")
    shown = _stacked(flows[:MAX_ROWS]) if width < STACKED_BELOW else _table(flows[:MAX_ROWS], width)
    if len(flows) <= MAX_ROWS:
        return shown
    from rich.console import Group  # noqa: PLC0415

    more = Text(f"... and {len(flows) - MAX_ROWS} more client(s): {_ELSEWHERE}")
    return Group(shown, more)


_ELSEWHERE = "-o tsv, -o json or the HTML report lists every one"


def _table(flows: list[FlowResult], width: int) -> RenderableType:
    """Columns by priority: the cause takes what is left and wraps; the vault outcome goes
    first when space is short, then client names move under the IP."""
    from rich import box  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    wide = width >= 150
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("CLIENT", overflow="fold", max_width=28 if wide else 22)
    table.add_column("VERDICT", no_wrap=True)
    table.add_column("REQ", justify="right", no_wrap=True)
    if wide:
        table.add_column("VAULT", no_wrap=True)
    table.add_column("CAUSE", overflow="fold", ratio=1, min_width=30)
    for flow in flows:
        client, ip, verdict, cause, requests = _cells(flow)
        who = Text(ip)
        if client and client != ip:
            who.append("\n" + client, style="dim")
        row: list[RenderableType] = [who, Text(verdict, style=verdict_style(flow)),
                                     Text(requests)]
        if wide:
            row.append(Text(flow.vault_outcome.value))
        row.append(Text(cause))
        table.add_row(*row)
    return table


def _stacked(flows: list[FlowResult]) -> RenderableType:
    """Narrow terminals: ``IP name`` / ``VERDICT, n request(s)`` / the cause, indented."""
    from rich.console import Group  # noqa: PLC0415
    from rich.padding import Padding  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    blocks: list[RenderableType] = []
    for flow in flows:
        client, ip, verdict, cause, requests = _cells(flow)
        head = Text(ip, style="bold")
        if client and client != ip:
            head.append(f"  {client}")
        line = Text(verdict, style=verdict_style(flow))
        line.append(f"  {requests} request(s), vault {flow.vault_outcome.value}")
        blocks += [head, Padding(line, (0, 0, 0, 2)), Padding(Text(cause), (0, 0, 0, 2))]
    return Group(*blocks)


def _summary(result: TraceResult) -> RenderableType:
    from rich.text import Text  # noqa: PLC0415

    counts = ", ".join(f"{name} {n}" for name, n in counts_by_verdict(result).items())
    head = (
        f"{len(result.flows)} flow(s): {result.violations} violation(s), "
        f"{result.undecided} undecided"
    )
    return Text(head + (f" ({counts})" if counts else ""))


def _sources(result: TraceResult) -> list[RenderableType]:
    """The row ledger, one line per source (table names come from the input: neutralised)."""
    from rich.padding import Padding  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    if not result.sources:
        return []
    lines: list[RenderableType] = [Text(""), Text("Sources:", style="bold")]
    lines += [
        Padding(Text(neutralise(ledger_line(s))), (0, 0, 0, 2)) for s in sorted_sources(result)
    ]
    if result.log_settings:  # discovered: where the logs above come from
        lines.append(Text("Log settings (discovered):", style="bold"))
        lines += [
            Padding(Text(neutralise(log_setting_line(s))), (0, 0, 0, 2))
            for s in result.log_settings
        ]
    return lines


def _gaps(result: TraceResult) -> list[RenderableType]:
    from rich.padding import Padding  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    if not result.gaps:
        return []
    parts: list[RenderableType] = [Text(""), Text("Gaps:", style="bold")]
    for gap in sorted_gaps(result):
        parts.append(Padding(Text(f"- {GAP_TITLE[gap.kind]}: {neutralise(gap.message)}"),
                             (0, 0, 0, 2)))
        if gap.clients:
            parts.append(Padding(Text(f"clients: {neutralise(', '.join(gap.clients))}"),
                                 (0, 0, 0, 4)))
        next_step = gap_next_step(gap.kind, gap.next_step)
        parts.append(Padding(Text(f"next: {neutralise(next_step)}"), (0, 0, 0, 4)))
    return parts
