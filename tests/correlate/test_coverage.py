"""Firewall records covering vault requests: reuse window, clock skew, rule kinds, retries."""

from __future__ import annotations

from datetime import timedelta
from types import ModuleType


def covered_by_caller(b: ModuleType, kv: object, fw: object, **changes: object) -> list[bool]:
    correlated, _ = b.run(kv, fw, **changes)
    return correlated.requests.sort("row_id").get_column("covered").to_list()


def test_keep_alive_request_8_min_after_the_only_record_is_covered_15_min_is_not(
    b: ModuleType,
) -> None:
    kv = b.kv_rows(
        [{"time": b.at(8), "caller_ip": "10.2.1.4"}, {"time": b.at(15), "caller_ip": "10.2.1.4"}]
    )
    fw = b.fw_rows([{"time": b.at(0), "src_ip": "10.2.1.4", "src_port": 50432}])
    assert covered_by_caller(b, kv, fw) == [True, False]


def test_reuse_window_is_configurable(b: ModuleType) -> None:
    kv = b.kv_rows([{"time": b.at(15), "caller_ip": "10.2.1.4"}])
    fw = b.fw_rows([{"time": b.at(0), "src_ip": "10.2.1.4", "src_port": 50432}])
    assert covered_by_caller(b, kv, fw, reuse_window=timedelta(minutes=20)) == [True]


def test_clock_skew_record_a_few_seconds_after_the_request_still_covers(b: ModuleType) -> None:
    kv = b.kv_rows(
        [
            {"time": b.at(10), "caller_ip": "10.2.1.4"},
            {"time": b.at(30), "caller_ip": "10.2.1.4"},
        ]
    )
    fw = b.fw_rows(
        [
            {"time": b.at(10) + timedelta(seconds=3), "src_ip": "10.2.1.4", "src_port": 1},
            {"time": b.at(30) + timedelta(seconds=9), "src_ip": "10.2.1.4", "src_port": 2},
        ]
    )
    assert covered_by_caller(b, kv, fw) == [True, False]


def test_network_rule_matches_on_pe_ip_and_port_only(b: ModuleType) -> None:
    kv = b.kv_rows([{"time": b.at(5), "caller_ip": "10.2.1.4"}])
    other_ip = b.fw_rows([{"time": b.at(4), "src_ip": "10.2.1.4", "dst_ip": "10.1.2.9"}])
    other_port = b.fw_rows([{"time": b.at(4), "src_ip": "10.2.1.4", "dst_port": 22}])
    exact = b.fw_rows([{"time": b.at(4), "src_ip": "10.2.1.4"}])
    assert covered_by_caller(b, kv, other_ip) == [False]
    assert covered_by_caller(b, kv, other_port) == [False]
    assert covered_by_caller(b, kv, exact) == [True]


def test_application_rule_matches_on_the_vault_fqdn(b: ModuleType) -> None:
    kv = b.kv_rows([{"time": b.at(5), "caller_ip": "10.2.1.4"}])
    app = {
        "time": b.at(4),
        "src_ip": "10.2.1.4",
        "kind": "application",
        "dst_ip": None,
        "source_table": "AZFWApplicationRule",
    }
    assert covered_by_caller(b, kv, b.fw_rows([{**app, "fqdn": "KV1.vault.azure.net"}])) == [True]
    assert covered_by_caller(b, kv, b.fw_rows([{**app, "fqdn": "other.vault.azure.net"}])) == [
        False
    ]


def test_deny_and_other_firewall_records_do_not_cover(b: ModuleType) -> None:
    kv = b.kv_rows([{"time": b.at(5), "caller_ip": "10.2.1.4"}])
    deny = b.fw_rows([{"time": b.at(4), "src_ip": "10.2.1.4", "action": "Deny"}])
    other = b.fw_rows([{"time": b.at(4), "src_ip": "10.2.1.4", "firewall": "fw-branch"}])
    assert covered_by_caller(b, kv, deny) == [False]
    assert covered_by_caller(b, kv, other) == [False]
    assert covered_by_caller(b, kv, other, required_firewall=None) == [True]


def test_syn_retries_count_once(b: ModuleType) -> None:
    fw = b.fw_rows(
        [
            {"time": b.at(1), "src_ip": "10.2.1.4", "src_port": 50432},
            {"time": b.at(1) + timedelta(seconds=3), "src_ip": "10.2.1.4", "src_port": 50432},
            {"time": b.at(1) + timedelta(seconds=9), "src_ip": "10.2.1.4", "src_port": 50432},
            {"time": b.at(2), "src_ip": "10.2.1.4", "src_port": 50433},
        ]
    )
    correlated, _ = b.run(None, fw)
    row = correlated.clients.row(0, named=True)
    assert row["fw_allow"] == 2


def test_syn_retries_are_found_among_more_source_addresses_than_ports(b: ModuleType) -> None:
    # 70 000 sources number past 65 535, where the connection key must widen to 64 bits
    many = [
        {"time": b.at(1), "src_ip": f"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}", "src_port": 7}
        for i in range(70_000)
    ]
    retry = {**many[-1], "time": b.at(1) + timedelta(seconds=2)}
    fw = b.fw_rows([*many, retry])
    correlated, _ = b.run(None, fw)
    counts = dict(correlated.clients.select("client_ip", "fw_allow").iter_rows())
    assert len(counts) == 70_000 and set(counts.values()) == {1}  # the retry counted once


def test_ipv6_caller_is_tolerated_and_matched_on_its_string(b: ModuleType) -> None:
    kv = b.kv_rows(
        [
            {"time": b.at(5), "caller_ip": "2001:db8::5"},
            {"time": b.at(5), "caller_ip": "2001:db8::6"},
        ]
    )
    fw = b.fw_rows([{"time": b.at(4), "src_ip": "2001:db8::5", "dst_ip": "10.1.2.4"}])
    correlated, _ = b.run(kv, fw)
    covered = dict(correlated.requests.select("caller_ip", "covered").iter_rows())
    assert covered == {"2001:db8::5": True, "2001:db8::6": False}
    assert correlated.client_ips == ("2001:db8::5", "2001:db8::6")


def test_requests_outside_the_window_or_for_another_vault_are_ignored(b: ModuleType) -> None:
    kv = b.kv_rows(
        [
            {"time": b.at(-5), "caller_ip": "10.2.1.4"},
            {"time": b.at(5), "caller_ip": "10.2.1.4", "vault": "kv-other"},
            {"time": b.at(5), "caller_ip": "10.2.1.4", "vault": "KV1"},
        ]
    )
    correlated, _ = b.run(kv, None)
    assert correlated.requests.get_column("row_id").to_list() == ["kv-2"]


def test_raw_flow_logs_get_minutes_of_latency_traffic_analytics_hours() -> None:
    from datetime import timedelta

    from netlogs.correlate import family_lags
    from netlogs.model import LogFamily, SourceStatus, SourceSummary

    def flow(table: str) -> SourceSummary:
        return SourceSummary(LogFamily.FLOW, table, 10, SourceStatus.COMPLETE)

    assert family_lags((), (flow("raw:vnet_flow"),))[LogFamily.FLOW] == timedelta(minutes=10)
    both = (flow("raw:vnet_flow"), flow("NTANetAnalytics"))
    assert family_lags((), both)[LogFamily.FLOW] == timedelta(hours=2)


def test_the_firewall_covering_most_requests_is_the_clients_covering_firewall(
    b: ModuleType,
) -> None:
    # 10.2.1.4: two requests covered by fw-b, one by fw-a; 10.2.1.5: one each (tie: by name)
    kv = b.kv_rows(
        [
            {"time": b.at(1), "caller_ip": "10.2.1.4"},
            {"time": b.at(21), "caller_ip": "10.2.1.4"},
            {"time": b.at(22), "caller_ip": "10.2.1.4"},
            {"time": b.at(1), "caller_ip": "10.2.1.5"},
            {"time": b.at(21), "caller_ip": "10.2.1.5"},
        ]
    )
    fw = b.fw_rows(
        [
            {"time": b.at(0.5), "src_ip": "10.2.1.4", "src_port": 1, "firewall": "fw-a"},
            {"time": b.at(20.5), "src_ip": "10.2.1.4", "src_port": 2, "firewall": "fw-b"},
            {"time": b.at(0.5), "src_ip": "10.2.1.5", "src_port": 3, "firewall": "fw-b"},
            {"time": b.at(20.5), "src_ip": "10.2.1.5", "src_port": 4, "firewall": "fw-a"},
        ]
    )
    correlated, _ = b.run(kv, fw, required_firewall=None)
    facts = correlated.clients.select("client_ip", "covering_firewall", "covered").rows()
    assert facts == [("10.2.1.4", "fw-b", 3), ("10.2.1.5", "fw-a", 2)]
