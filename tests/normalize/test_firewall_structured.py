"""Structured firewall rows, DNS proxy logs, and AzureDiagnostics results that mix families."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from netlogs.model import EvidenceQuery, LogFamily, RawTable, SourceStatus
from netlogs.normalize import family_of_table, normalize_evidence
from netlogs.sources.files import FileSource

LOGS = Path(__file__).resolve().parents[1] / "fixtures" / "logs"
QUERY = EvidenceQuery("kv", "kv.vault.azure.net", (), (), None)
FW_ID = "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/AZUREFIREWALLS/FW-HUB"


def _read(tmp_path: Path, *names: str) -> tuple[object, ...]:
    for name in names:
        (tmp_path / name).write_bytes((LOGS / name).read_bytes())
    collected = FileSource(tmp_path).collect(QUERY)
    tables = normalize_evidence(collected.raw_tables, collected.parse_issues)
    return tables.fw_events, tables.dns, tables


def test_raw_structured_sample(tmp_path: Path) -> None:
    events, _, _ = _read(tmp_path, "elastic_azfw_structured_raw.ndjson")
    assert isinstance(events, pl.DataFrame)
    assert events["kind"].to_list() == [
        "network", "network", "application", "application", "threatintel"]
    threat = events.row(4, named=True)
    assert threat["action_reason"] == "Destination reported by Threat Intelligence"
    assert threat["dst_ip"] == "175.16.199.1" and threat["src_port"] == 51890
    app = events.row(3, named=True)
    assert app["fqdn"] == "test.us.endpoint.security.microsoft.com" and app["dst_ip"] is None
    assert events["firewall"][1] == "test-azfw"
    assert str(events["time"][1]) == "2025-11-26 14:17:22.259698+00:00"  # +00:00 offset form


def test_dns_proxy_samples_hyphen_and_en_dash(tmp_path: Path) -> None:
    _, dns, tables = _read(tmp_path, "elastic_azfw_legacy_dnsproxy_raw.ndjson",
                           "docs_azfw_legacy_resourcelog_samples.ndjson")
    assert isinstance(dns, pl.DataFrame)
    rows = dns.sort("time").rows(named=True)
    assert rows[0]["query_name"] == "md-l1l1pg5lcmkq.blob.core.windows.net"  # en dash line
    assert rows[0]["query_type"] == "AAA" and rows[0]["client_ip"] == "11.5.0.7"
    assert [r["response_code"] for r in rows[1:]] == ["NXDOMAIN", "NOERROR", "NXDOMAIN"]
    assert rows[2]["query_name"] == "blob.storage.example.net"
    families = {(s.family, s.table) for s in tables.sources}  # type: ignore[attr-defined]
    assert families == {(LogFamily.DNS, "raw:azfw_legacy"), (LogFamily.FIREWALL,
                                                             "raw:azfw_legacy")}


def test_dns_error_line() -> None:
    frame = pl.DataFrame({
        "Category": ["AzureFirewallDnsProxy"], "OperationName": ["AzureFirewallDnsProxyLog"],
        "TimeGenerated": ["2024-05-01T10:00:00Z"],
        "msg_s": [" Error: 2 time.windows.com.reddog.microsoft.com. A: read udp "
                  "10.0.1.5:49126->168.63.129.160:53: i/o timeout"],
    })
    dns = normalize_evidence([RawTable("AzureDiagnostics", frame, "q")]).dns
    assert dns.row(0, named=True) | {"time": None} == {
        "time": None, "client_ip": None, "query_name": "time.windows.com.reddog.microsoft.com",
        "query_type": "A", "response_code": "ERROR 2", "answers": None,
        "source_table": "AzureDiagnostics", "row_id": "q#0"}


def test_mixed_azure_diagnostics_is_split_by_category() -> None:
    frame = pl.DataFrame({
        "TimeGenerated": ["2024-05-01T10:00:00Z"] * 6,
        "Category": ["AuditEvent", "AzureFirewallApplicationRule", "AZFWNetworkRule",
                     "AzureFirewallDnsProxy", "AZFWDnsQuery", "ApplicationGatewayAccessLog"],
        "ResourceProvider": ["MICROSOFT.KEYVAULT"] + ["MICROSOFT.NETWORK"] * 5,
        "OperationName": ["SecretGet", "AzureFirewallApplicationRuleLog", "", "", "", "x"],
        "ResourceId": ["/X/VAULTS/KV"] + [FW_ID] * 5,
        "CallerIPAddress": ["10.0.0.68", None, None, None, None, None],
        "httpStatusCode_d": [200.0, None, None, None, None, None],
        "msg_s": [None, "HTTPS request from 10.2.1.4:5000 to kv.vault.azure.net:443. Action: "
                  "Allow. Rule Collection: c. Rule: r", "",
                  "DNS Request: 10.2.1.4:5353 - 1 A IN kv.vault.azure.net. udp 40 false 512 "
                  "NOERROR qr,rd,ra 100 0.001s", None, None],
        "SourceIP": [None, None, "10.2.1.4", None, "10.2.1.5", None],
        "SourcePort_d": [None, None, 50432.0, None, None, None],
        "DestinationIp_s": [None, None, "10.1.2.4", None, None, None],
        "DestinationPort_d": [None, None, 443.0, None, None, None],
        "Protocol_s": [None, None, "TCP", None, None, None],
        "Action_s": [None, None, "Allow", None, None, None],
        "Rule_s": [None, None, "allow-pe", None, None, None],
        "QueryName_s": [None, None, None, None, "KV.vault.azure.net.", None],
        "QueryType_s": [None, None, None, None, "A", None],
        "ResponseCode_s": [None, None, None, None, "NOERROR", None],
    })
    tables = normalize_evidence([RawTable("AzureDiagnostics", frame, "q", SourceStatus.PARTIAL,
                                          "chunk 2 truncated")])
    assert tables.kv_requests["row_id"].to_list() == ["q#0"]
    assert tables.fw_events.sort("row_id")["kind"].to_list() == ["application", "network"]
    network = tables.fw_events.filter(pl.col("kind") == "network").row(0, named=True)
    assert (network["src_ip"], network["src_port"], network["dst_ip"], network["dst_port"],
            network["firewall"], network["rule"]) == ("10.2.1.4", 50432, "10.1.2.4", 443,
                                                      "fw-hub", "allow-pe")
    assert sorted(tables.dns["query_name"].to_list()) == ["kv.vault.azure.net"] * 2
    assert all(s.status is SourceStatus.PARTIAL for s in tables.sources)
    assert {s.family for s in tables.sources} == {LogFamily.KEYVAULT, LogFamily.FIREWALL,
                                                  LogFamily.DNS}
    (issue,) = tables.issues
    assert "1 AzureDiagnostics rows of other categories" in issue.reason
    assert "ApplicationGatewayAccessLog" in issue.reason


def test_resource_specific_tables() -> None:
    nat = pl.DataFrame({"TimeGenerated": ["2024-05-01T10:00:00Z"], "SourceIp": ["1.2.3.4"],
                        "SourcePort": [5000], "DestinationIp": ["20.0.0.1"],
                        "DestinationPort": [3389], "Protocol": ["TCP"],
                        "TranslatedIp": ["10.0.2.4"], "TranslatedPort": [3389],
                        "_ResourceId": [FW_ID.lower()]})
    trace = pl.DataFrame({"TimeGenerated": ["2024-05-01T10:00:00Z"], "SourceIp": ["10.2.1.4"],
                          "DestinationIp": ["10.1.2.4"], "DestinationPort": [443],
                          "Flag": ["SYN-ACK"], "Action": ["Allow"], "ActionReason": [""]})
    tables = normalize_evidence([RawTable("AZFWNatRule", nat, "nat"),
                                 RawTable("AZFWFlowTrace", trace, "trace")])
    rows = tables.fw_events.rows(named=True)
    assert (rows[0]["kind"], rows[0]["action"], rows[0]["action_reason"]) == (
        "nat", "DNAT", "DNAT'ed to 10.0.2.4:3389")
    assert (rows[1]["kind"], rows[1]["action_reason"]) == ("flowtrace", "Flag SYN-ACK")


def test_unknown_table_is_an_issue_and_family_lookup() -> None:
    tables = normalize_evidence([RawTable("SecurityAlert", pl.DataFrame({"a": [1]}), "q")])
    assert [i.reason for i in tables.issues] == ["SecurityAlert: not a log table netlogs reads"]
    assert family_of_table("AZKVAuditLogs") is LogFamily.KEYVAULT
    assert family_of_table("AzureDiagnostics", "AuditEvent") is LogFamily.KEYVAULT
    assert family_of_table("NTANetAnalytics") is LogFamily.FLOW
    assert family_of_table("AZFWDnsQuery") is LogFamily.DNS


def test_portal_export_and_asim_samples(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    events, _, _ = _read(tmp_path, "sentinel_AZFWNetworkRule_portal_export_first10.csv",
                         "sentinel_ASIM_AzureFirewall_NetworkSession_ingested_first7.csv")
    assert isinstance(events, pl.DataFrame)
    rule = events.filter(pl.col("source_table") == "AZFWNetworkRule").row(0, named=True)
    assert (rule["firewall"], rule["src_ip"], rule["src_port"], rule["dst_ip"], rule["dst_port"],
            rule["protocol"], rule["action"], rule["policy"], rule["rule_collection"],
            rule["rule"]) == ("afw-hub", "10.0.0.1", 57783, "10.0.10.1", 12345, "UDP", "Allow",
                              None, "allow_outbound_internet", "vnet_allow")
    # a bare "TimeGenerated" header with the portal's US form is read as UTC
    assert rule["time"] == datetime(2023, 8, 23, 14, 0, tzinfo=timezone.utc)
    asim = events.filter(pl.col("source_table") == "ASimNetworkSessionLogs")
    assert asim.height == 7 and set(asim["firewall"]) == {"azfw-hub-alpineskihouse"}
    first = asim.row(0, named=True)
    assert (first["src_ip"], first["dst_ip"], first["dst_port"], first["action"]) == (
        "10.0.200.4", "168.61.215.74", 123, "Deny")
    assert first["time"] == datetime(2025, 7, 18, 12, 26, 46, 737000, tzinfo=timezone.utc)
