"""The Markdown summary: stable bytes, and log text that stays text."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

from netlogs.model import TraceResult
from netlogs.report.markdown import MARKDOWN_MARKER, MAX_ROWS, render_markdown


def test_same_result_same_bytes(sample_result: TraceResult) -> None:
    shuffled = dataclasses.replace(
        sample_result,
        flows=tuple(reversed(sample_result.flows)),
        gaps=tuple(reversed(sample_result.gaps)),
    )
    assert render_markdown(sample_result) == render_markdown(shuffled)
    assert render_markdown(sample_result).endswith("._\n")


def test_answer_violations_clients_and_gaps(sample_result: TraceResult) -> None:
    md = render_markdown(sample_result)
    assert md.startswith(
        "<!-- netlogs trace report (Markdown) -->\n\n"
        "## VIOLATIONS (3): 3 of 9 client(s) reached kv-contoso-prod against the design; "
        "2 not decided yet\n"
    )
    assert "**design rule: traffic to kv-contoso-prod must pass fw-hub**" in md
    assert "- Flows: 9: 3 violation(s), 2 undecided" in md
    assert "### Violations (3)" in md and "### Undecided (2)" in md
    assert "### Clients" in md and "### Gaps" in md
    first = md.split("### Violations (3)\n\n", 1)[1].splitlines()[0]
    assert first.startswith(
        "1. vnet-spoke3/snet-app (10.3.1.5) made 17 requests (17 secret reads) on 2026-11-20 "
        "at 10:06:00-10:51:00 UTC without passing fw-hub: "
    )
    rows = [line for line in md.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) == 9
    assert "`REACHED_BYPASSING_FIREWALL` (violation)" in rows[0]
    assert "enable AZFWNetworkRule on the firewall's diagnostic setting" in md
    assert len(md.splitlines()) < 60  # pasteable


def test_hostile_strings_stay_inert(hostile_result: TraceResult, payloads: dict[str, str]) -> None:
    md = render_markdown(hostile_result)
    body = md.removeprefix(MARKDOWN_MARKER)  # netlogs' own first line, a fixed comment
    assert "<" not in body and ">" not in body  # no raw HTML from the logs at all
    assert "&lt;script&gt;" in md
    assert "\u202e" not in md and "\u200b" not in md
    assert "\\[U+202E\\]" in md  # shown, and escaped so it is not a link label
    assert re.search(r"(?<!\\)\]\(javascript:", md) is None  # link syntax broken by escaping
    assert "\\[link\\]" in md
    for line in md.splitlines():
        if line.startswith("| ") and "`" in line:
            # exactly 8 unescaped pipes: 7 cells, however many pipes the logs held
            assert len(re.findall(r"(?<!\\)\|", line)) == 8
            # backticks only around our own verdict names
            assert len(re.findall(r"(?<!\\)`", line)) == 2


def test_long_lists_are_cut_for_tickets(sample_result: TraceResult) -> None:
    base = sample_result.flows[1]  # a violation
    flows = tuple(
        dataclasses.replace(
            base,
            client_ip=f"10.9.{i // 250}.{i % 250 + 1}",
            first_seen=base.first_seen + timedelta(seconds=i),
        )  # type: ignore[operator]
        for i in range(MAX_ROWS + 7)
    )
    md = render_markdown(dataclasses.replace(sample_result, flows=flows))
    assert md.count("... and 7 more; the HTML or JSON report lists every one.") == 2
    assert md.count("| 10.9.") == MAX_ROWS
