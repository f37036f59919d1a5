"""Terminal output: the answer first, a verdict table that fits the terminal, safe to print and
colourless when asked. Snapshot-style checks at 80, 120 and 200 columns."""

from __future__ import annotations

import dataclasses
import re

import pytest

from netlogs.model import TraceResult, Verdict
from netlogs.report.text import render_text


def test_plain_text_has_every_client_and_no_escape_codes(sample_result: TraceResult) -> None:
    text = render_text(sample_result, color=False)
    assert "\x1b" not in text
    for flow in sample_result.flows:
        assert flow.client_ip in text
        assert flow.verdict.value in text
    header = next(line for line in text.splitlines() if line.startswith("CLIENT"))
    assert header.split() == ["CLIENT", "VERDICT", "REQ", "CAUSE"]  # 120 columns: no VAULT
    assert "9 flow(s): 3 violation(s), 2 undecided" in text
    assert text.endswith("\n")


def test_the_answer_comes_first(sample_result: TraceResult) -> None:
    lines = render_text(sample_result, color=False).splitlines()
    assert lines[0] == "VIOLATIONS (3)  design rule: traffic to kv-contoso-prod must pass fw-hub"
    assert lines[1].startswith("3 of 9 client(s) reached kv-contoso-prod against the design")
    assert lines[4] == "Violations (3):"
    assert lines[5].startswith(" 1. vnet-spoke3/snet-app (10.3.1.5) made 17 requests")
    table = lines.index(next(line for line in lines if line.startswith("CLIENT")))
    assert table > lines.index("Undecided (2):")  # sentences before the table
    rows = [line for line in lines[table + 2 :] if re.match(r"^\d", line)]
    assert "REACHED_BYPASSING_FIREWALL" in rows[0] and "INCONCLUSIVE" in rows[len(CLIENT_IPS) - 1]


CLIENT_IPS = ("10.3.1.5", "20.50.1.7", "10.4.0.9", "10.2.1.4", "10.2.2.8", "10.5.0.4",
              "10.6.0.4", "10.7.0.4", "10.8.0.4")


def test_colour_marks_verdicts(sample_result: TraceResult) -> None:
    text = render_text(sample_result, color=True)
    assert "\x1b[1;31mREACHED_BYPASSING_FIREWALL" in text  # violation: red
    assert "\x1b[32mREACHED_VIA_FIREWALL" in text  # healthy: green
    assert "\x1b[35mINCONCLUSIVE" in text  # undecided: magenta
    assert "\x1b[1;31mVIOLATIONS (3)" in text  # the banner
    # Colour codes must not shift the columns: strip them and compare with the plain render.
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines()
    assert [line.rstrip() for line in plain] == render_text(sample_result, color=False).splitlines()


def _words(text: str) -> set[str]:
    return set(text.split())


@pytest.mark.parametrize("width", [80, 120, 200])
def test_output_fits_the_terminal_and_keeps_every_cause_word(
    sample_result: TraceResult, width: int
) -> None:
    """No line wider than the terminal; every word of every cause (and of the model's bypass
    explanation, 400 characters long) still appears whole somewhere."""
    bypass = (
        "model predicts the bypass (private_endpoint_route: pe-kv: InterfaceEndpoint "
        "10.1.2.4/32 active in vnet-hub/snet-hub-mgmt (pe-kv, policies Enabled); no UDR as "
        "specific as the PE's VNet range covers it; bypass: private endpoint /32 route "
        "10.1.2.4/32 is active in vnet-hub/snet-hub-mgmt; no firewall on the way); 4/4 "
        "request(s) via the private endpoint have no Allow record of fw-hub"
    )
    flows = tuple(
        dataclasses.replace(f, cause=bypass) if f.verdict is Verdict.REACHED_BYPASSING_FIREWALL
        else f
        for f in sample_result.flows
    )
    result = dataclasses.replace(sample_result, flows=flows)
    text = render_text(result, color=False, width=width)
    too_wide = [line for line in text.splitlines() if len(line) > width]
    assert too_wide == []
    words = _words(text)
    for flow in flows:
        missing = [w for w in flow.cause.split() if w not in words]
        assert missing == [], (width, flow.client_ip, missing)
    assert "VIOLATIONS (3)" in text.splitlines()[0]
    if width >= 150:
        assert "denied_network" in text  # the vault outcome column comes back when wide


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


def test_huge_estates_are_capped_and_say_so(sample_result: TraceResult) -> None:
    from netlogs.report import text as text_module

    base = sample_result.flows
    flows = tuple(
        dataclasses.replace(base[i % len(base)], client_ip=f"10.9.{i // 250}.{i % 250}")
        for i in range(text_module.MAX_ROWS + 300)
    )
    text = render_text(dataclasses.replace(sample_result, flows=flows), color=False)
    rows = [line for line in text.splitlines() if line.startswith("10.9.")]
    assert len(rows) == text_module.MAX_ROWS
    assert "... and 300 more client(s): -o tsv, -o json or the HTML report lists every one" in text
    violations = sum(f.violation for f in flows)
    listed = f"... and {violations - text_module.MAX_SENTENCES} more: -o tsv"
    assert listed in text
