"""Terminal output: a verdict table that is safe to print and colourless when asked."""

from __future__ import annotations

import dataclasses

from netlogs.model import TraceResult, Verdict
from netlogs.report.text import render_text


def test_plain_text_has_every_client_and_no_escape_codes(sample_result: TraceResult) -> None:
    text = render_text(sample_result, color=False)
    assert "\x1b" not in text
    for flow in sample_result.flows:
        assert flow.client_ip in text
        assert flow.verdict.value in text
    header = text.splitlines()[3]
    assert header.split() == ["CLIENT", "IP", "VERDICT", "CAUSE", "REQUESTS", "VAULT"]
    assert "9 flow(s): 3 violation(s), 2 undecided" in text
    assert "must pass firewall fw-hub" in text
    assert text.endswith("\n")


def test_violations_come_first_and_are_explained(sample_result: TraceResult) -> None:
    lines = render_text(sample_result, color=False).splitlines()
    table = lines[4:13]
    assert "REACHED_BYPASSING_FIREWALL" in table[0]
    assert "INCONCLUSIVE" in table[-1]
    assert any(
        line.startswith("  - 10.3.1.5 (vnet-spoke3/snet-app) reached the vault without passing")
        for line in lines
    )


def test_colour_marks_verdicts(sample_result: TraceResult) -> None:
    text = render_text(sample_result, color=True)
    assert "\x1b[1;31mREACHED_BYPASSING_FIREWALL" in text  # violation: red
    assert "\x1b[32mREACHED_VIA_FIREWALL" in text  # healthy: green
    assert "\x1b[35mINCONCLUSIVE" in text  # undecided: magenta
    # Colour codes must not shift the columns: strip them and compare with the plain render.
    import re

    assert re.sub(r"\x1b\[[0-9;]*m", "", text) == render_text(sample_result, color=False)


def test_gaps_say_what_to_do_next(sample_result: TraceResult) -> None:
    text = render_text(sample_result, color=False)
    assert "Gaps:" in text
    assert "next: enable AZFWNetworkRule on the firewall's diagnostic setting" in text
    assert "next: Run the trace again once the ingestion delay has passed." in text  # default


def test_log_text_cannot_drive_the_terminal(sample_result: TraceResult) -> None:
    nasty = "\x1b[2J\x1b]0;owned\x07\r\ncleared\u202eRTL"
    flows = tuple(dataclasses.replace(f, cause=nasty, client=nasty) for f in sample_result.flows)
    text = render_text(dataclasses.replace(sample_result, flows=flows), color=False)
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    assert "\u202e" not in text
    assert "[U+001B][2J" in text


def test_no_flows_says_so(sample_result: TraceResult) -> None:
    text = render_text(dataclasses.replace(sample_result, flows=(), gaps=()), color=False)
    assert "No traffic to the vault was found in the window." in text
    assert "0 flow(s): 0 violation(s), 0 undecided" in text
    assert Verdict.REACHED_VIA_FIREWALL.value not in text
