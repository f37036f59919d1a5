"""Merging per-slice facts: the rules that are not plain sums (earliest value, SNAT candidate
union, the most used covering firewall) and the note on what is approximate."""

from __future__ import annotations

import polars as pl

from netlogs.correlate.kusto_facts import facts_frame
from netlogs.correlate.kusto_merge import merge_cited, merge_facts


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


def _cited(client: str, family: str, minute: int) -> dict[str, object]:
    return {"part": "cited", "client_ip": client, "family": family, "outcome": "ok",
            "ts": f"2026-11-20T10:{minute:02d}:00Z", "table_name": "t",
            "row_id": f"{family}-{minute}", "label": "", "summary": "", "n": None,
            "key": None}  # fmt: skip


def _total(client: str, family: str, n: int) -> dict[str, object]:
    return {"part": "total", "client_ip": client, "family": family, "n": n}


def test_merged_citations_keep_flows_only_of_clients_that_never_reached_the_vault() -> None:
    # Slice 1 saw 10.0.0.1 reach the vault, slice 2 saw only its flows (so slice 2 cited them);
    # 10.0.0.2 never reached it. One answer over the window cites no flow of 10.0.0.1.
    first = _slice([_cited("10.0.0.1", "keyvault", 1), _cited("10.0.0.2", "flow", 2)])
    second = _slice([_cited("10.0.0.1", "flow", 40), _cited("10.0.0.2", "flow", 41),
                     _total("10.0.0.1", "flow", 7)])  # fmt: skip
    reached = pl.Series(["10.0.0.1"])
    merged = merge_cited([first, second], (10, 10), reached)
    kept = merged.filter(pl.col("part") == "cited").select("client_ip", "row_id").rows()
    assert sorted(kept) == [("10.0.0.1", "keyvault-1"), ("10.0.0.2", "flow-2"),
                            ("10.0.0.2", "flow-41")]  # fmt: skip
    totals = merged.filter(pl.col("part") == "total").select("client_ip", "family", "n").rows()
    assert totals == [("10.0.0.1", "flow", 7)]  # its flows are still counted
    # every row cited (--evidence all): nothing is dropped
    everything = merge_cited([first, second], None, reached)
    assert everything.filter(pl.col("part") == "cited").height == 4


def test_packed_counts_unpack_to_one_row_per_client_part_and_value() -> None:
    from netlogs.correlate.kusto_facts import cited_frame

    answer = _slice([
        _cited("10.0.0.1", "keyvault", 1),
        {"part": "total", "client_ip": "10.0.0.1", "key": "flow=7;keyvault=3"},
        {"part": "http_status", "client_ip": "10.0.0.1", "key": "=2;200=1"},  # "" = no status
        {"part": "operation", "client_ip": "10.0.0.2", "key": "SecretGet=12"},
    ])  # fmt: skip
    rows = cited_frame(answer)
    assert rows.filter(pl.col("part") == "cited").height == 1
    counted = rows.filter(pl.col("part") != "cited")
    counts = counted.select("part", "client_ip", "family", "key", "n")
    assert sorted(counts.rows(), key=str) == sorted([
        ("total", "10.0.0.1", "flow", None, 7), ("total", "10.0.0.1", "keyvault", None, 3),
        ("http_status", "10.0.0.1", None, "", 2), ("http_status", "10.0.0.1", None, "200", 1),
        ("operation", "10.0.0.2", None, "SecretGet", 12),
    ], key=str)  # fmt: skip
    assert cited_frame(pl.DataFrame()).height == 0  # an empty answer stays empty
