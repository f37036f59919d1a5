"""A Markdown summary short enough to paste into an incident ticket.

Every log-derived string goes through ``markdown_text`` so a rule name or a request URI cannot
become a link, an image, HTML or a broken table. Output depends only on the ``TraceResult``.
"""

from __future__ import annotations

from netlogs.model import FlowResult, TraceResult
from netlogs.report.answer import Answer, build_answer, evidence_line
from netlogs.report.fixes import fix_of, fix_sentence
from netlogs.report.ledger_text import (
    LOG_SETTING_HEADERS,
    log_setting_cells,
    sorted_sources,
    source_name,
)
from netlogs.report.safe_text import markdown_text, neutralise, shorten
from netlogs.report.vocabulary import (
    GAP_TITLE,
    counts_by_verdict,
    gap_next_step,
    sorted_flows,
    sorted_gaps,
)
from netlogs.terms import utc_text

MAX_ROWS = 50  # beyond this the ticket gets unreadable; the HTML/JSON report has everything
_CAUSE_LIMIT = 160


# An invisible first line (an HTML comment) that says what the file is: a report saved among
# logs is recognised by it and never read as evidence, whatever the banner says.
MARKDOWN_MARKER = "<!-- netlogs trace report (Markdown) -->"


def render_markdown(result: TraceResult) -> str:
    """The Markdown report, ending in a newline."""
    answer = build_answer(result)
    parts = [
        MARKDOWN_MARKER,
        _answer(result, answer),
        _findings(answer, result.vault.required_firewall, result),
        _facts(result),
        _clients(result),
        _gaps(result),
        _sources(result),
        _footer(result),
    ]
    return "\n\n".join(p for p in parts if p) + "\n"


def _answer(result: TraceResult, answer: Answer) -> str:
    """The banner: status first, then the statement and the design rule."""
    return "\n".join(
        [
            f"## {answer.headline}: {markdown_text(answer.title)}",
            "",
            f"**{markdown_text(answer.rule)}** (Key Vault {markdown_text(result.vault.name)}, "
            f"`{utc_text(result.window.start, 'microseconds')}` to "
            f"`{utc_text(result.window.end, 'microseconds')}`)",
        ]
    )


def _fix_lines(result: TraceResult, flow: FlowResult) -> list[str]:
    """The predicted fix under a violation: the sentence, then the az commands as code."""
    fix = fix_of(result, flow)
    if fix is None:
        return []
    lines = [f"   {markdown_text(fix_sentence(fix))}"]
    if fix.az_commands:
        lines += ["", "   ```sh", *(f"   {neutralise(c)}" for c in fix.az_commands), "   ```", ""]
        lines.append(f"   _{markdown_text(fix.note)}_")
    return lines


def _findings(answer: Answer, firewall: str | None, result: TraceResult) -> str:
    lines: list[str] = []
    if answer.violations:
        lines += [f"### Violations ({len(answer.violations)})", ""]
        for i, found in enumerate(answer.violations[:MAX_ROWS], start=1):
            lines.append(f"{i}. {markdown_text(found.sentence)}")
            lines.append(f"   _Evidence: {markdown_text(evidence_line(found.flow, firewall))}_")
            lines += _fix_lines(result, found.flow)
        lines += _more(len(answer.violations))
    if answer.undecided:
        lines += ([""] if lines else []) + [f"### Undecided ({len(answer.undecided)})", ""]
        lines += [f"- {markdown_text(f.sentence)}" for f in answer.undecided[:MAX_ROWS]]
        lines += _more(len(answer.undecided))
    return "\n".join(lines)


def _facts(result: TraceResult) -> str:
    counts = ", ".join(f"`{name}` {n}" for name, n in counts_by_verdict(result).items())
    lines = [
        f"- Flows: {len(result.flows)}: {result.violations} violation(s), "
        f"{result.undecided} undecided",
        f"- Public network access: {markdown_text(result.vault.public_network_access)}",
    ]
    if counts:
        lines.append(f"- Verdicts: {counts}")
    return "\n".join(lines)


def _client_row(flow: FlowResult) -> str:
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(flow.http_status.items()))
    cells = [
        markdown_text(flow.client or "-"),
        markdown_text(flow.client_ip),
        f"`{flow.verdict.value}`" + (" (violation)" if flow.violation else ""),
        markdown_text(shorten(flow.cause, _CAUSE_LIMIT)),
        str(flow.requests),
        markdown_text(statuses or "-"),
        flow.vault_outcome.value,
    ]
    return "| " + " | ".join(cells) + " |"


def _clients(result: TraceResult) -> str:
    flows = sorted_flows(result)
    if not flows:
        return "### Clients\n\nNo traffic to the vault was found in the window."
    lines = [
        "### Clients",
        "",
        "| Client | IP | Verdict | Cause | Requests | HTTP status | Vault outcome |",
        "|---|---|---|---|---:|---|---|",
    ]
    lines += [_client_row(f) for f in flows[:MAX_ROWS]]
    lines += _more(len(flows))
    return "\n".join(lines)


def _gaps(result: TraceResult) -> str:
    gaps = sorted_gaps(result)
    if not gaps:
        return ""
    lines = ["### Gaps", ""]
    for gap in gaps:
        clients = f" Clients: {markdown_text(', '.join(gap.clients))}." if gap.clients else ""
        lines.append(
            f"- **{GAP_TITLE[gap.kind]}:** {markdown_text(gap.message)}{clients} "
            f"Next step: {markdown_text(gap_next_step(gap.kind, gap.next_step))}"
        )
    return "\n".join(lines)


def _sources(result: TraceResult) -> str:
    """The row ledger: what each source read, used and set aside (and why)."""
    if not result.sources:
        return ""
    lines = [
        "### Sources",
        "",
        "| Source | Status | Read | Used | Set aside | Detail |",
        "|---|---|---:|---:|---|---|",
    ]
    for source in sorted_sources(result):
        aside = ", ".join(f"{why} {rows}" for why, rows in source.set_aside) or "-"
        cells = [
            markdown_text(source_name(source)),
            source.status.value,
            str(source.read),
            str(source.used),
            markdown_text(aside),
            markdown_text(shorten(source.detail, _CAUSE_LIMIT) or "-"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines + _log_settings(result))


def _log_settings(result: TraceResult) -> list[str]:
    """Discovered traces: the diagnostic settings and flow logs the sources come from."""
    if not result.log_settings:
        return []
    lines = [
        "",
        "#### Log settings (discovered)",
        "",
        "| " + " | ".join(LOG_SETTING_HEADERS) + " |",
        "|" + "---|" * len(LOG_SETTING_HEADERS),
    ]
    for setting in result.log_settings:
        cells = [markdown_text(cell) for cell in log_setting_cells(setting)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _footer(result: TraceResult) -> str:
    facts = [f"netlogs {markdown_text(result.netlogs_version or 'unknown version')}"]
    if result.generated_at:
        facts.append(f"generated `{utc_text(result.generated_at, 'microseconds')}`")
    if result.topology_sha256:
        facts.append(f"topology sha256 {markdown_text(result.topology_sha256[:16])}")
    facts.append(f"{len(result.queries)} query(ies), {len(result.inputs)} input file(s)")
    if result.engine is not None:
        engine = result.engine
        facts.append(
            f"facts computed by {markdown_text(engine.name)} at {markdown_text(engine.target)}"
            f" (facts query sha256 {markdown_text(engine.query_sha256[:16])})"
        )
    return "_" + "; ".join(facts) + "._"


def _more(total: int) -> list[str]:
    if total <= MAX_ROWS:
        return []
    return ["", f"... and {total - MAX_ROWS} more; the HTML or JSON report lists every one."]
