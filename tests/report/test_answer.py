"""The answer every report starts with: status, design rule, one plain sentence per finding.

The sample scenario is traced for real (files -> verdicts), so the sentences are checked against
what the model and the logs actually produce, not against hand-made causes only.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from netlogs.model import TraceResult, Verdict
from netlogs.report.answer import (
    NO_TRAFFIC,
    PASS,
    UNDECIDED,
    VIOLATIONS,
    activity,
    build_answer,
    when,
)
from netlogs.report.json import trace_result_from_dict
from netlogs.testing import invoke

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.fixture(scope="module")
def scenario() -> TraceResult:
    args = [
        "trace", "--vault", "kv-contoso-prod", "--topology", str(SAMPLE / "topology.yaml"),
        "--logs", str(SAMPLE / "logs"), "--format", "json", "--now", "2026-11-21T09:00:00Z",
    ]
    return trace_result_from_dict(invoke(args).document, origin="sample")


def test_sample_scenario_violations_read_as_plain_sentences(scenario: TraceResult) -> None:
    answer = build_answer(scenario)
    assert answer.headline == "VIOLATIONS (3)"
    assert answer.rule == "design rule: traffic to kv-contoso-prod must pass fw-hub"
    assert answer.title == (
        "3 of 14 client(s) reached kv-contoso-prod against the design; 3 not decided yet"
    )
    sentences = [f.sentence for f in answer.violations]
    assert sentences[0] == (
        "vm-hub-jump (10.0.1.10) made 4 requests (3 secret reads, 1 authentication) on "
        "2026-11-20 at 10:26:44-10:26:49 UTC without passing fw-hub: its subnet "
        "vnet-hub/snet-hub-mgmt has the private endpoint's /32 route 10.1.2.4/32 and no UDR "
        "overriding it."
    )
    assert sentences[1].startswith("203.0.113.45 made 4 requests")
    assert sentences[1].endswith(
        "through the vault's public endpoint: the vault name resolved to its public address."
    )
    assert "route 198.51.100.0/24 beats udr 0.0.0.0/0 -> 10.0.0.68" in sentences[2]
    for sentence in sentences:
        assert "Z" not in sentence.split(" UTC")[0][-12:]  # prose: to the second, no ISO stamp
        assert ".118" not in sentence and "model predicts" not in sentence


def test_undecided_flows_say_why_in_words(scenario: TraceResult) -> None:
    undecided = build_answer(scenario).undecided
    assert len(undecided) == 3
    first = undecided[0].sentence
    assert first.startswith("vm-orders-02 (10.2.1.12) sent traffic towards the vault")
    assert "not yet observable: " in first


def test_status_is_pass_only_when_every_flow_is_decided_and_fine(
    sample_result: TraceResult,
) -> None:
    fine = tuple(f for f in sample_result.flows if not f.violation and not f.verdict.is_undecided)
    passed = build_answer(dataclasses.replace(sample_result, flows=fine))
    assert passed.status == PASS
    assert passed.title == (  # blocked clients did not "reach the vault the way it requires"
        "No violation: 1 of 4 client(s) reached kv-contoso-prod the way the design requires; "
        "the other 3 were stopped or never arrived"
    )
    reached = tuple(f for f in fine if f.verdict is Verdict.REACHED_VIA_FIREWALL)
    title = build_answer(dataclasses.replace(sample_result, flows=reached)).title
    assert title == "All 1 client(s) reached kv-contoso-prod the way the design requires"
    unsure = tuple(f for f in sample_result.flows if not f.violation)
    answer = build_answer(dataclasses.replace(sample_result, flows=unsure))
    assert (answer.status, answer.headline) == (UNDECIDED, "UNDECIDED (2)")
    assert answer.title.startswith("No violation proven for kv-contoso-prod, but 2 of")
    empty = build_answer(dataclasses.replace(sample_result, flows=()))
    assert empty.status == NO_TRAFFIC  # never PASS on no evidence at all
    assert build_answer(sample_result).status == VIOLATIONS


def test_titles_are_statements(sample_result: TraceResult) -> None:
    for flows in (sample_result.flows, (), sample_result.flows[3:4]):
        title = build_answer(dataclasses.replace(sample_result, flows=flows)).title
        assert not title.endswith("?") and "kv-contoso-prod" in title


def test_without_a_firewall_rule_the_assumption_is_stated(build_result: object) -> None:
    answer = build_answer(build_result(firewall=None))  # type: ignore[operator]
    assert answer.rule.startswith("no firewall rule given: nothing is a bypass violation")
    bypass = next(
        f for f in answer.violations if f.flow.verdict is Verdict.REACHED_BYPASSING_FIREWALL
    )
    assert "without passing the firewall" in bypass.sentence


def test_activity_and_time_phrases(sample_result: TraceResult) -> None:
    flow = sample_result.flows[0]
    mixed = dataclasses.replace(
        flow, requests=7,
        operations={"SecretGet": 3, "SecretSet": 1, "KeySign": 1, "Authentication": 1, "X": 1},
    )
    assert activity(mixed) == (
        "made 7 requests (3 secret reads, 1 secret change, 1 key change, 2 other)"
    )
    silent = dataclasses.replace(flow, requests=0, operations={})
    assert activity(silent).startswith("sent traffic towards the vault")
    same = dataclasses.replace(flow, last_seen=flow.first_seen)
    assert when(same) == "on 2026-11-20 at 10:05:00 UTC"
    assert when(dataclasses.replace(flow, first_seen=None)) == "(no time recorded)"
