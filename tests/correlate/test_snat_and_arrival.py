"""How a request arrived, and SNAT addresses stitched back to their client."""

from __future__ import annotations

from types import ModuleType

APP = {
    "kind": "application",
    "dst_ip": None,
    "fqdn": "kv1.vault.azure.net",
    "dst_port": 443,
    "source_table": "AZFWApplicationRule",
    "rule": "allow-kv-fqdn",
}


def test_snat_request_with_one_candidate_is_attributed_to_it(b: ModuleType) -> None:
    kv = b.kv_rows([{"time": b.at(6), "caller_ip": "10.0.0.69"}])
    fw = b.fw_rows([{**APP, "time": b.at(2), "src_ip": "10.2.1.4", "src_port": 1}])
    correlated, _ = b.run(kv, fw)
    row = correlated.requests.row(0, named=True)
    assert (row["client_ip"], row["caller_ip"], row["covered"]) == ("10.2.1.4", "10.0.0.69", True)
    assert correlated.client_ips == ("10.2.1.4",)
    assert "SNAT of 10.2.1.4" in correlated.evidence["10.2.1.4"][-1].summary


def test_snat_request_with_two_candidates_stays_unattributed(b: ModuleType) -> None:
    kv = b.kv_rows(
        [{"time": b.at(6), "caller_ip": "10.0.0.70"}, {"time": b.at(40), "caller_ip": "10.0.0.70"}]
    )
    fw = b.fw_rows(
        [
            {**APP, "time": b.at(1), "src_ip": "10.2.1.5", "src_port": 1},
            {**APP, "time": b.at(3), "src_ip": "10.2.1.4", "src_port": 2},
            {**APP, "time": b.at(35), "src_ip": "10.2.1.4", "src_port": 3},
        ]
    )
    correlated, _ = b.run(kv, fw)
    clients = dict(correlated.requests.select("row_id", "client_ip").iter_rows())
    assert clients == {"kv-0": "10.0.0.70", "kv-1": "10.2.1.4"}
    snat_row = correlated.clients.filter(correlated.clients["client_ip"] == "10.0.0.70").row(
        0, named=True
    )
    assert snat_row["snat_candidates"] == ["10.2.1.4", "10.2.1.5"]


def test_network_rule_to_a_private_pe_does_not_snat_so_its_client_is_no_candidate(
    b: ModuleType,
) -> None:
    kv = b.kv_rows([{"time": b.at(6), "caller_ip": "10.0.0.69"}])
    fw = b.fw_rows(
        [
            {**APP, "time": b.at(2), "src_ip": "10.2.1.4", "src_port": 1},
            {"time": b.at(3), "src_ip": "10.2.1.5", "src_port": 2},  # network rule, no SNAT to 10/8
        ]
    )
    correlated, _ = b.run(kv, fw)
    assert correlated.requests.get_column("client_ip").to_list() == ["10.2.1.4"]


def test_frontend_ip_is_not_a_snat_address(b: ModuleType) -> None:
    kv = b.kv_rows(
        [{"time": b.at(6), "caller_ip": "10.0.0.68"}, {"time": b.at(6), "caller_ip": "10.0.0.69"}]
    )
    correlated, _ = b.run(kv, None)
    snat = dict(correlated.requests.select("caller_ip", "snat_firewall").iter_rows())
    assert snat == {"10.0.0.68": None, "10.0.0.69": "fw-hub"}


def test_arrival_from_the_row_fields_and_the_caller_address(b: ModuleType) -> None:
    kv = b.kv_rows(
        [
            {"time": b.at(1), "caller_ip": "10.2.1.4"},
            {
                "time": b.at(1),
                "caller_ip": "10.2.1.5",
                "private_endpoint_id": None,
                "subnet_id": "/sub/s",
            },
            {"time": b.at(1), "caller_ip": "20.30.40.50", "private_endpoint_id": None},
            {"time": b.at(1), "caller_ip": "10.2.1.6", "private_endpoint_id": None},
            {"time": b.at(1), "caller_ip": "203.0.113.9", "private_endpoint_id": None},
        ]
    )
    correlated, _ = b.run(kv, None)
    arrival = dict(correlated.requests.select("caller_ip", "arrival").iter_rows())
    assert arrival == {
        "10.2.1.4": "private_endpoint",
        "10.2.1.5": "service_endpoint",
        "20.30.40.50": "public",
        "10.2.1.6": "private_unknown",
        # the firewall's public address: through the firewall to the public endpoint
        "203.0.113.9": "public",
    }
    firewall_public = correlated.requests.filter(correlated.requests["caller_ip"] == "203.0.113.9")
    assert firewall_public.get_column("snat_firewall").to_list() == ["fw-hub"]
