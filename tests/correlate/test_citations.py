"""Cited evidence rows (capped, sorted, summarised) and the timeline frame."""

from __future__ import annotations

from datetime import timedelta
from types import ModuleType

from netlogs.model import LogFamily
from netlogs.schemas import TIMELINE


def test_evidence_is_capped_per_family_and_the_rest_counted(b: ModuleType) -> None:
    kv = b.kv_rows([{"time": b.at(1 + i * 0.1), "caller_ip": "10.2.1.4"} for i in range(30)])
    fw = b.fw_rows([{"time": b.at(0.5), "src_ip": "10.2.1.4", "src_port": 50432}])
    correlated, _ = b.run(kv, fw, evidence_per_kind=4)
    rows = correlated.evidence["10.2.1.4"]
    assert [r.row for r in rows] == ["fw-0", "kv-0", "kv-1", "kv-28", "kv-29"]
    assert correlated.evidence_omitted == {"10.2.1.4": 26}
    assert rows[0].source is LogFamily.FIREWALL
    assert rows[0].summary == "10.2.1.4:50432 -> 10.1.2.4:443 Allow (rule allow-kv) on fw-hub"
    assert [r.time for r in rows] == sorted(r.time for r in rows)


def test_flow_evidence_and_timeline_rows(b: ModuleType) -> None:
    flows = b.flow_rows(
        [
            {
                "time_start": b.at(3),
                "src_ip": "10.2.1.4",
                "src_port": 40000,
                "decision": "denied",
                "flow_state": "D",
                "rule": "DenyKV",
            },
            {"time_start": b.at(3), "src_ip": "10.2.1.4", "dst_ip": "10.9.9.9"},  # not to the vault
        ]
    )
    correlated, _ = b.run(None, None, flows)
    (row,) = correlated.evidence["10.2.1.4"]
    assert row.summary == "10.2.1.4:40000 -> 10.1.2.4:443 Deny state D (rule DenyKV)"
    timeline = correlated.timeline
    assert dict(timeline.schema) == dict(TIMELINE)
    assert timeline.select("family", "outcome").rows() == [("flow", "denied")]


def test_timeline_is_capped_and_sorted(b: ModuleType) -> None:
    kv = b.kv_rows([{"time": b.at(50 - i), "caller_ip": "10.2.1.4"} for i in range(10)])
    correlated, _ = b.run(kv, None, timeline_per_kind=4)
    times = correlated.timeline.get_column("time").to_list()
    assert len(times) == 4
    assert times == sorted(times) and times[0] == b.at(41)
    assert times[-1] - times[0] == timedelta(minutes=3)


def test_correlation_needs_only_the_columns_it_declares(b: ModuleType) -> None:
    from netlogs.correlate import COLUMNS_USED

    kv = b.kv_rows([{"time": b.at(5), "caller_ip": "10.2.1.4"}])
    fw = b.fw_rows([{"time": b.at(4), "src_ip": "10.2.1.4", "src_port": 1}])
    narrow_kv = kv.select(COLUMNS_USED["kv_requests"])
    narrow_fw = fw.select(COLUMNS_USED["fw_events"])
    full, _ = b.run(kv, fw)
    narrow, _ = b.run(narrow_kv, narrow_fw)
    assert narrow.evidence == full.evidence
    assert narrow.clients.equals(full.clients)


def test_client_list_is_ready_early_and_matches_the_facts(b: ModuleType) -> None:
    # clients come from each family: a caller, a SNATed client (firewall source), a flow source
    kv = b.kv_rows(
        [
            {"time": b.at(1), "caller_ip": "10.2.1.4"},
            {"time": b.at(2), "caller_ip": "10.0.0.70"},  # fw-hub SNAT: stitched to 10.3.0.9
        ]
    )
    fw = b.fw_rows(
        [
            {"time": b.at(0.5), "src_ip": "10.2.1.4", "src_port": 50432},
            {"time": b.at(1.5), "src_ip": "10.3.0.9", "src_port": 50433, "kind": "application"},
            {"time": b.at(3), "src_ip": "10.4.0.7", "src_port": 50434, "action": "Deny"},
        ]
    )
    flows = b.flow_rows([{"time_start": b.at(4), "time_end": b.at(4), "src_ip": "10.5.0.8"}])
    correlated, _ = b.run(kv, fw, flows)
    facts_order = tuple(correlated.clients.get_column("client_ip").to_list())
    assert correlated.client_ips == facts_order
    assert facts_order == ("10.2.1.4", "10.3.0.9", "10.4.0.7", "10.5.0.8")


def test_each_kind_is_capped_on_its_own_first_half_then_last_half(b: ModuleType) -> None:
    # served requests and errors interleaved: each outcome is a kind with its own cap
    kv = b.kv_rows(
        [
            {"time": b.at(1 + i), "caller_ip": "10.2.1.4", "http_status": 200 if i % 2 else 403}
            for i in range(12)
        ]
    )
    correlated, _ = b.run(kv, None, evidence_per_kind=3)
    rows = correlated.evidence["10.2.1.4"]
    errors = ["kv-0", "kv-2", "kv-10"]  # the first two and the last one of the 403s
    served = ["kv-1", "kv-3", "kv-11"]
    assert sorted(r.row for r in rows) == sorted(errors + served)
    assert [r.time for r in rows] == sorted(r.time for r in rows)
    assert correlated.evidence_omitted == {"10.2.1.4": 6}


def test_evidence_all_cites_every_row_and_omits_none(b: ModuleType) -> None:
    kv = b.kv_rows([{"time": b.at(1 + i * 0.1), "caller_ip": "10.2.1.4"} for i in range(30)])
    correlated, _ = b.run(kv, None, evidence_per_kind=None)
    assert [r.row for r in correlated.evidence["10.2.1.4"]] == [f"kv-{i}" for i in range(30)]
    assert correlated.evidence_omitted == {}


def test_the_timeline_keeps_its_own_cap_across_kinds(b: ModuleType) -> None:
    kv = b.kv_rows(
        [
            {"time": b.at(1 + i), "caller_ip": "10.2.1.4", "http_status": 200 if i < 5 else 403}
            for i in range(10)
        ]
    )
    correlated, _ = b.run(kv, None, timeline_per_kind=3, evidence_per_kind=2)
    timeline = correlated.timeline
    assert timeline.get_column("row_id").to_list() == ["kv-0", "kv-1", "kv-2"]


def test_flow_rows_are_cited_only_for_clients_whose_requests_did_not_reach_the_vault(
    b: ModuleType,
) -> None:
    # 10.2.1.4 was served: its verdict rests on the vault's and the firewall's rows, so its
    # flows are counted, not cited. 10.2.1.5 only got a 401 challenge (no token, no path proven)
    # and 10.2.1.6 was refused by the vault's network rules: none of their requests reached
    # the vault, so a verdict can rest on their flows and they are cited.
    kv = b.kv_rows(
        [
            {"time": b.at(2), "caller_ip": "10.2.1.4"},
            {
                "time": b.at(2),
                "caller_ip": "10.2.1.5",
                "operation": "Authentication",
                "http_status": 401,
            },
            {
                "time": b.at(2),
                "caller_ip": "10.2.1.6",
                "http_status": 403,
                "error_code": "ForbiddenByFirewall",
            },
        ]
    )
    flows = b.flow_rows(
        [
            {"time_start": b.at(1), "src_ip": ip, "src_port": 40000 + i}
            for i, ip in enumerate(["10.2.1.4", "10.2.1.5", "10.2.1.6", "10.2.1.7"])
        ]
    )
    correlated, _ = b.run(kv, None, flows, evidence_per_kind=4)
    families = {ip: [r.source for r in rows] for ip, rows in correlated.evidence.items()}
    assert families["10.2.1.4"] == [LogFamily.KEYVAULT]
    assert correlated.evidence_omitted.get("10.2.1.4") == 1
    for ip in ("10.2.1.5", "10.2.1.6"):
        assert families[ip] == [LogFamily.FLOW, LogFamily.KEYVAULT]
        assert ip not in correlated.evidence_omitted
    assert families["10.2.1.7"] == [LogFamily.FLOW]  # the vault logged nothing from it
    # every row stays one evidence row away: --evidence all cites the served client's flow too
    everything, _ = b.run(kv, None, flows, evidence_per_kind=None)
    assert [r.source for r in everything.evidence["10.2.1.4"]] == [
        LogFamily.FLOW,
        LogFamily.KEYVAULT,
    ]


def test_cited_rows_are_grouped_by_client_text_then_time_then_family(b: ModuleType) -> None:
    # clients sort as text ("10.2.1.10" before "10.2.1.9"); at one moment the vault's row
    # comes first, then the firewall's, then the flow log's; rows of one family keep their order
    kv = b.kv_rows(
        [
            {"time": b.at(5), "caller_ip": "10.2.1.9"},
            {"time": b.at(2), "caller_ip": "10.2.1.10"},
            {"time": b.at(5), "caller_ip": "fd00::7"},
        ]
    )
    fw = b.fw_rows(
        [
            {"time": b.at(5), "src_ip": "10.2.1.9", "src_port": 2},
            {"time": b.at(5), "src_ip": "10.2.1.9", "src_port": 1},
            {"time": b.at(1), "src_ip": "10.2.1.10", "src_port": 3},
            {"time": b.at(4), "src_ip": "10.2.1.80", "src_port": 4},  # no request: flows cited
        ]
    )
    flows = b.flow_rows([{"time_start": b.at(4), "src_ip": "10.2.1.80", "src_port": 5}])
    correlated, _ = b.run(kv, fw, flows, evidence_per_kind=4)
    assert list(correlated.evidence) == ["10.2.1.10", "10.2.1.80", "10.2.1.9", "fd00::7"]
    rows = {ip: [r.row for r in cited] for ip, cited in correlated.evidence.items()}
    assert rows == {
        "10.2.1.10": ["fw-2", "kv-1"],
        "10.2.1.80": ["fw-3", "flow-0"],
        "10.2.1.9": ["kv-0", "fw-0", "fw-1"],
        "fd00::7": ["kv-2"],
    }
    assert correlated.client_ips == tuple(correlated.evidence)


def test_firewall_counts_name_each_client_by_its_own_address(b: ModuleType) -> None:
    # the counts are grouped by address number; each group's name comes from one of its rows
    fw = b.fw_rows(
        [
            {"time": b.at(1 + i), "src_ip": ip, "src_port": 100 + i, "action": action}
            for i, (ip, action) in enumerate(
                [("10.2.1.4", "Allow"), ("10.2.1.5", "Deny"), ("10.2.1.4", "Allow")]
            )
        ]
    )
    correlated, _ = b.run(None, fw)
    counts = correlated.clients.select("client_ip", "fw_allow", "fw_deny").rows()
    assert counts == [("10.2.1.4", 2, 0), ("10.2.1.5", 0, 1)]
