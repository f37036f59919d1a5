"""Every legacy ``msg_s`` variant Azure Firewall writes, through AzureDiagnostics rows."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from netlogs.model import RawTable, SourceStatus
from netlogs.normalize import normalize_evidence

NET, APP, NAT = (
    "AzureFirewallNetworkRuleLog",
    "AzureFirewallApplicationRuleLog",
    "AzureFirewallNatRuleLog",
)
CATEGORY = {NET: "AzureFirewallNetworkRule", APP: "AzureFirewallApplicationRule",
            NAT: "AzureFirewallNetworkRule"}

CASES: list[tuple[str, str, dict[str, Any]]] = [
    (NET, "TCP request from 111.35.136.173:12518 to 13.78.143.217:2323. Action: Deny",
     {"kind": "network", "src_ip": "111.35.136.173", "src_port": 12518,
      "dst_ip": "13.78.143.217", "dst_port": 2323, "protocol": "TCP", "action": "Deny"}),
    (NET, "UDP request from 192.168.0.2:51106 to 89.160.20.156:53. Action: Allow. ",
     {"protocol": "UDP", "dst_port": 53, "action": "Allow", "rule": None}),
    (NET, "ICMP Type=8 request from 192.168.0.2 to 89.160.20.156. Action: Deny. ",
     {"protocol": "ICMP", "src_port": None, "dst_port": None, "dst_ip": "89.160.20.156",
      "action": "Deny"}),
    (NET, "ICMP request from 10.0.2.4 to 10.0.3.4. Action: Allow",
     {"src_ip": "10.0.2.4", "dst_ip": "10.0.3.4", "src_port": None, "action": "Allow"}),
    (NET, "ICMP request from 192.168.0.2: to 175.16.199.1:. Action: alert. Signature: 2100366. "
          "IDS: ICMP_INFO PING *NIX. Priority: 3. Classification: Misc activity",
     {"kind": "idps", "src_port": None, "dst_port": None, "action": "Alert",
      "action_reason": "IDS: ICMP_INFO PING *NIX (signature 2100366)"}),
    (NET, "TCP request from 192.168.0.2:50306 to 89.160.20.156:3389. Action: Allow.. "
          "Rule Collection: Permit_RFC1918. Rule: Permit_RFC1918",
     {"action": "Allow", "rule_collection": "Permit_RFC1918", "rule": "Permit_RFC1918",
      "policy": None}),
    (NET, "TCP request from 192.168.0.2:49680 to 89.160.20.156:1688. Action: Allow. Policy: "
          "ABC-DEF-01. Rule Collection Group: DefaultNetworkRuleCollectionGroup. Rule Collection:"
          " NetworkRulesAllow. Rule: AllowInternetOut",
     {"policy": "ABC-DEF-01", "rule_collection_group": "DefaultNetworkRuleCollectionGroup",
      "rule_collection": "NetworkRulesAllow", "rule": "AllowInternetOut"}),
    (NET, "TCP request from 192.168.0.2:51890 to 175.16.199.1:443. Action: drop. Signature: "
          "2028816. IDS: JA3 Hash - [Abuse.ch] Possible Tofsee. Priority: 3. Classification: "
          "Unknown Traffic",
     {"kind": "idps", "action": "Drop", "dst_port": 443,
      "action_reason": "IDS: JA3 Hash - [Abuse.ch] Possible Tofsee (signature 2028816)"}),
    (NET, "HTTP request from 192.168.0.2:54314 to ocsp.sca1b.amazontrust.com:80. Url: "
          "ocsp.sca1b.amazontrust.com. Action: Deny. ThreatIntel: Bot Networks",
     {"kind": "threatintel", "dst_ip": None, "fqdn": "ocsp.sca1b.amazontrust.com",
      "target_url": "ocsp.sca1b.amazontrust.com", "action": "Deny",
      "action_reason": "ThreatIntel: Bot Networks"}),
    (NAT, "TCP request from 193.238.46.72:50522 to 40.119.154.83:3389 was DNAT'ed to "
          "10.0.2.4:3389",
     {"kind": "nat", "action": "DNAT", "dst_ip": "40.119.154.83", "dst_port": 3389,
      "action_reason": "DNAT'ed to 10.0.2.4:3389"}),
    (NAT, "TCP request from 192.168.0.2:50306 to 89.160.20.156:3389 was DNAT'ed to "
          "10.0.0.2:3389. Policy: policy-01. Rule Collection Group: DefaultDnatRuleCollectionGroup."
          " Rule Collection: DNAT. Rule: rule",
     {"kind": "nat", "policy": "policy-01", "rule_collection": "DNAT", "rule": "rule"}),
    (APP, "HTTPS request from 10.1.0.5:55640 to mydestination.com:443. Action: Allow. Rule "
          "Collection: collection1000. Rule: rule1002",
     {"kind": "application", "fqdn": "mydestination.com", "dst_ip": None, "dst_port": 443,
      "protocol": "HTTPS", "rule": "rule1002"}),
    (APP, "HTTPS request from 10.11.2.4:53344 to www.bing.com:443. Action: Allow. Rule "
          "Collection: ExampleRuleCollection. Rule: ExampleRule. Web Category: "
          "SearchEnginesAndPortals",
     {"rule": "ExampleRule", "rule_collection": "ExampleRuleCollection"}),
    (APP, "HTTP  request from 10.0.0.1:50776 to ocsp.msocsp.com:80. Url: ocsp.msocsp.com/MFQ=. "
          "Action: Allow. Policy: pol. Rule Collection Group: g. Rule Collection: "
          "generic-allow-500. Rule: Azure-to-AllowedServices, HTTP",
     {"protocol": "HTTP", "target_url": "ocsp.msocsp.com/MFQ=",
      "rule": "Azure-to-AllowedServices, HTTP", "policy": "pol"}),
    (APP, "HTTPS request from 10.0.2.4:56029 to md-qp4jv5snxgk5.z13.blob.storage.azure.net:443. "
          "Action: Deny. No rule matched. Proceeding with default action",
     {"action": "Deny", "action_reason": "No rule matched. Proceeding with default action"}),
    (APP, "HTTPS request from 10.0.0.1:6065. Action: Deny. Reason: SNI TLS extension was missing.",
     {"src_port": 6065, "dst_ip": None, "fqdn": None, "dst_port": None, "action": "Deny",
      "action_reason": "SNI TLS extension was missing"}),
    (APP, "HTTPS request from 10.0.0.1:6065 was denied. Reason: SNI TLS extension was missing.",
     {"action": "Deny", "action_reason": "SNI TLS extension was missing"}),
    (APP, "HTTPS request from 10.0.2.4:59051 to KV-Prod.Vault.Azure.NET:443. Action: Allow. "
          "Rule Collection: c. Rule: allow-kv",
     {"fqdn": "kv-prod.vault.azure.net", "rule": "allow-kv"}),
    (APP, "HTTPS request from 10.0.2.4:59051 to kv.vault.azure.net:443. Action: Allow. "
          "Rule Collection: réseau. Rule: règle, Zürich",  # non-ASCII after the head
     {"fqdn": "kv.vault.azure.net", "rule_collection": "réseau", "rule": "règle, Zürich"}),
    # lower-case protocol and action (upper-cased once per distinct head word)
    (NET, "tcp request from 10.0.0.1:5 to 10.0.0.2:443. Action: allow",
     {"protocol": "TCP", "src_port": 5, "dst_ip": "10.0.0.2", "dst_port": 443,
      "action": "Allow", "kind": "network"}),
    # "443.." ends the head with a dot that must not reach the port
    (NET, "TCP request from 10.0.0.1:5 to 10.0.0.2:443.. Action: Allow. Rule Collection: c. "
          "Rule: r",
     {"dst_port": 443, "action": "Allow", "rule": "r"}),
    (NET, "Tcp request from 10.0.0.1:5 to KV.vault.azure.net:443 was denied.",
     {"protocol": "TCP", "fqdn": "kv.vault.azure.net", "dst_port": 443, "action": "Deny",
      "kind": "network"}),
]


def test_non_ascii_head_takes_the_exact_path() -> None:
    rows = [(APP, "HTTPS request from 10.0.0.7:1234 to bücher.example:443. Action: Deny. "
                  "Rule Collection: c. Rule: r"), (NET, CASES[0][1])]
    events = normalize_evidence([_diagnostics(rows)]).fw_events
    first = events.row(0, named=True)
    assert (first["fqdn"], first["dst_port"], first["rule"], first["action"]) == (
        "bücher.example", 443, "r", "Deny")
    assert events.row(1, named=True)["dst_ip"] == "13.78.143.217"


def _diagnostics(rows: list[tuple[str, str]]) -> RawTable:
    frame = pl.DataFrame(
        {
            "TimeGenerated": ["2024-05-01T10:00:00.1234567Z"] * len(rows),
            "Category": [CATEGORY[op] for op, _ in rows],
            "OperationName": [op for op, _ in rows],
            "Resource": ["FW-HUB"] * len(rows),
            "msg_s": [msg for _, msg in rows],
        }
    )
    return RawTable("AzureDiagnostics", frame, "q@ws")


@pytest.mark.parametrize(("operation", "msg", "expected"), CASES)
def test_msg_variant(operation: str, msg: str, expected: dict[str, Any]) -> None:
    tables = normalize_evidence([_diagnostics([(operation, msg)])])
    assert tables.issues == ()
    row = tables.fw_events.row(0, named=True)
    assert {key: row[key] for key in expected} == expected
    assert row["firewall"] == "fw-hub" and row["source_table"] == "AzureDiagnostics"
    assert row["row_id"] == "q@ws#0"


def test_all_variants_in_one_frame_keep_order_and_ids() -> None:
    rows = [(op, msg) for op, msg, _ in CASES]
    tables = normalize_evidence([_diagnostics(rows)])
    assert tables.fw_events.height == len(CASES)
    assert tables.fw_events["row_id"].to_list() == [f"q@ws#{i}" for i in range(len(CASES))]


def test_unparsable_msg_is_a_parse_issue_with_its_line() -> None:
    rows = [(NET, CASES[0][1]), (NET, "Firewall had a bad day"), (APP, CASES[11][1])]
    tables = normalize_evidence([_diagnostics(rows)])
    assert tables.fw_events.height == 2
    (issue,) = tables.issues
    assert (issue.origin, issue.line) == ("q@ws", 1)
    assert "Firewall had a bad day" in issue.reason
    (summary,) = tables.sources
    assert summary.rows == 2 and "1 unreadable rows" in summary.detail


def test_file_rows_get_file_line_numbers(tmp_path: Any) -> None:
    from netlogs.model import EvidenceQuery
    from netlogs.sources.files import FileSource

    (tmp_path / "fw.json").write_text(
        '{"category":"AzureFirewallNetworkRule","operationName":"AzureFirewallNetworkRuleLog",'
        '"time":"2024-05-01T10:00:00Z","resourceId":"/X/AZUREFIREWALLS/FW","properties":'
        '{"msg":"TCP request from 10.0.0.1:1 to 10.0.0.2:443. Action: Allow"}}\n\n'
        '{"category":"AzureFirewallNetworkRule","operationName":"AzureFirewallNetworkRuleLog",'
        '"time":"2024-05-01T10:00:01Z","resourceId":"/X/AZUREFIREWALLS/FW","properties":'
        '{"msg":"not a firewall line"}}\n'
    )
    query = EvidenceQuery("kv", "kv.vault.azure.net", (), (), None)
    collected = FileSource(tmp_path).collect(query)
    tables = normalize_evidence(collected.raw_tables, collected.parse_issues)
    assert tables.fw_events["row_id"].to_list() == ["fw.json:1"]
    assert [(i.origin, i.line) for i in tables.issues] == [("fw.json", 3)]


CUT = "TCP request from 10.2.1.4:51544 to 10.1.2.4:443. Action: Allow. Rule Collection: c. Rule: r"


@pytest.mark.parametrize(
    "msg",
    [
        CUT[: CUT.index("Action") + 3],  # "... 443. Act"
        CUT[: CUT.index("Action") + 11],  # "... Action: All"
        CUT[: CUT.index(". Action")],  # the head alone: no action at all
        "TCP request from 10.2.1.4:51544 to 10.1.2",  # cut inside the destination
        "TCP request from 10.2.1.4:51544 to 10.1.2.4:443. Action: Permit",  # not an action
        "TCP request from 193.238.46.72:50522 to 40.119.154.83:3389 was DNAT'ed to 10.0.2",
        "TCP request from 10.2.1.4:51544. Action: Allow",  # the destination is gone
        "",
    ],
)
def test_a_message_without_an_understood_action_is_unparsed(msg: str) -> None:
    """A cut or garbled line is reported with its line, and the source is partial: it never
    becomes an event without an action that the verdict filters would drop unseen."""
    tables = normalize_evidence([_diagnostics([(NET, CASES[0][1]), (NET, msg)])])
    assert tables.fw_events["action"].to_list() == ["Deny"]
    (issue,) = tables.issues
    assert issue.line == 1 and "unreadable firewall message" in issue.reason
    (summary,) = tables.sources
    assert summary.status is SourceStatus.PARTIAL
    assert "1 unreadable rows" in summary.detail


def test_every_action_spelling_the_firewall_writes_is_understood() -> None:
    rows = [
        (NET, f"TCP request from 10.2.1.4:1 to 10.1.2.4:443. Action: {action}")
        for action in ("Allow", "Deny", "drop", "alert", "Reject", "Log")
    ]
    tables = normalize_evidence([_diagnostics(rows)])
    assert tables.issues == ()
    assert tables.fw_events["action"].to_list() == [
        "Allow", "Deny", "Drop", "Alert", "Reject", "Log"]
