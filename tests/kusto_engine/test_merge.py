"""Merging per-slice facts: the rules that are not plain sums (earliest value, SNAT candidate
union, the most used covering firewall) and the note on what is approximate."""

from __future__ import annotations

import polars as pl

from netlogs.correlate.kusto_facts import facts_frame
from netlogs.correlate.kusto_merge import merge_facts


def _slice(rows: list[dict[str, object]]) -> pl.DataFrame:
    return pl.DataFrame(rows, infer_schema_length=None)


def test_merge_rules_and_note() -> None:
    first = _slice([
        {"client_ip": "10.0.0.1", "requests": 3, "covered": 3, "covering_firewall": "fw-a",
         "first_seen": "2026-11-20T10:00:00Z", "last_seen": "2026-11-20T10:30:00Z",
         "snat_candidates": ["10.1.0.5", "10.1.0.6"], "snat_candidate_count": 2,
         "network_denial_code": "", "network_denied_caller": ""},
        {"client_ip": "10.0.0.9", "fw_deny": 1, "fw_deny_rule": "deny-early"},
    ])  # fmt: skip
    second = _slice([
        {"client_ip": "10.0.0.1", "requests": 5, "covered": 5, "covering_firewall": "fw-b",
         "first_seen": "2026-11-20T11:00:00Z", "last_seen": "2026-11-20T11:30:00Z",
         "snat_candidates": ["10.1.0.4", "10.1.0.6"], "snat_candidate_count": 2,
         "network_denial_code": "ForbiddenByFirewall", "network_denied_caller": "1.2.3.4"},
        {"client_ip": "10.0.0.9", "fw_deny": 2, "fw_deny_rule": "deny-late"},
        {"client_ip": "10.0.0.7", "requests": 1, "covered": 0,
         "snat_candidates": [f"10.2.0.{i}" for i in range(2)], "snat_candidate_count": 30},
    ])  # fmt: skip
    facts, note = merge_facts([first, second], max_listed=2)
    one = facts.filter(pl.col("client_ip") == "10.0.0.1").row(0, named=True)
    assert one["requests"] == 8 and one["covered"] == 8
    assert one["covering_firewall"] == "fw-b"  # the slice with more covered requests
    assert one["first_seen"].hour == 10 and one["last_seen"].hour == 11
    assert one["snat_candidates"] == ["10.1.0.4", "10.1.0.5"]  # union, sorted, first 2
    assert one["snat_candidate_count"] == 3
    assert (one["network_denial_code"], one["network_denied_caller"]) == (
        "ForbiddenByFirewall", "1.2.3.4"
    )  # fmt: skip
    nine = facts.filter(pl.col("client_ip") == "10.0.0.9").row(0, named=True)
    assert nine["fw_deny"] == 3 and nine["fw_deny_rule"] == "deny-early"
    assert nine["snat_candidates"] is None and nine["requests"] is None  # no requests, no list
    again = facts_frame(facts).filter(pl.col("client_ip") == "10.0.0.9").row(0, named=True)
    assert again["requests"] == 0 and again["snat_candidates"] is None  # read again
    seven = facts.filter(pl.col("client_ip") == "10.0.0.7").row(0, named=True)
    assert seven["snat_candidate_count"] == 30  # a truncated slice list: its count is kept
    assert "SNAT candidate counts of 1 client(s) are lower bounds" in note
    assert "covering firewall of 1 client(s)" in note
