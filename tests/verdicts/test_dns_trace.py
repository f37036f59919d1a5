"""`netlogs trace` cites the firewall DNS proxy's rows for the vault's name on the asking
client's flow: the structured ``AZFWDnsQuery`` record and the legacy ``AzureFirewallDnsProxy``
message (both as the firewall's diagnostic setting writes them to storage). Neither logs the
answer, and the flow says so; the verdict is the one the other logs prove.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netlogs.cli import main
from tests.verdicts.ledger_records import SUB, kv_record

FW_ID = f"/SUBSCRIPTIONS/{SUB}/RESOURCEGROUPS/RG-NET/PROVIDERS/MICROSOFT.NETWORK/AZUREFIREWALLS/FW1"

TOPOLOGY = """\
virtualNetworks:
  - name: vnet-app
    addressPrefixes: [10.61.0.0/16]
    subnets:
      - {name: snet-app, addressPrefix: 10.61.1.0/24}
      - {name: snet-pe, addressPrefix: 10.61.2.0/24}
privateEndpoints:
  - {name: pe-ledger, subnet: vnet-app/snet-pe, privateIpAddress: 10.61.2.5, target: kv-ledger}
keyVaults:
  - {name: kv-ledger, publicNetworkAccess: Disabled}
privateDnsZones:
  - name: privatelink.vaultcore.azure.net
    virtualNetworkLinks: [vnet-app]
    aRecords:
      - {name: kv-ledger, ipv4Address: 10.61.2.5}
"""


def structured_dns(minute: int, client: str, name: str) -> dict[str, object]:
    return {
        "category": "AZFWDnsQuery", "resourceId": FW_ID,
        "time": f"2026-11-20T10:{minute:02d}:01.259698+00:00",
        "properties": {"DnssecOkBit": False, "EDNS0BufferSize": 512, "ErrorMessage": "",
                       "ErrorNumber": 0, "Protocol": "udp", "QueryClass": "IN",
                       "QueryId": 6513, "QueryName": name, "QueryType": "A",
                       "RequestDurationSecs": 0.002846368, "RequestSize": 43,
                       "ResponseCode": "NOERROR", "ResponseFlags": "qr,rd,ra",
                       "ResponseSize": 145, "SourceIp": client, "SourcePort": 61248},
    }


def legacy_dns(minute: int, client: str, name: str) -> dict[str, object]:
    msg = (f"DNS Request: {client}:61248 - 31105 A IN {name} udp 60 false 512 NOERROR "
           "qr,rd,ra 216 0.003410663s")
    return {"category": "AzureFirewallDnsProxy", "operationName": "AzureFirewallDnsProxyLog",
            "properties": {"msg": msg}, "resourceId": FW_ID,
            "time": f"2026-11-20T10:{minute:02d}:04.0527790Z"}


def test_trace_cites_dns_proxy_rows_and_says_the_answer_is_not_logged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "topology.yaml").write_text(TOPOLOGY, encoding="utf-8")
    vault_logs, dns_logs = tmp_path / "logs" / "kv", tmp_path / "logs" / "dns"
    vault_logs.mkdir(parents=True)
    dns_logs.mkdir()
    records = [kv_record(m, "10.61.1.4") for m in (5, 15, 58)]
    (vault_logs / "PT1H.json").write_text(json.dumps({"records": records}), encoding="utf-8")
    dns = [structured_dns(4, "10.61.1.4", "KV-LEDGER.vault.azure.net."),
           legacy_dns(14, "10.61.1.4", "kv-ledger.privatelink.vaultcore.azure.net."),
           structured_dns(14, "10.61.1.9", "kv-ledger.vault.azure.net"),  # another client
           structured_dns(15, "10.61.1.4", "wpad.example.com.")]  # another name
    (dns_logs / "PT1H.json").write_text(json.dumps({"records": dns}), encoding="utf-8")
    with pytest.raises(SystemExit):
        main(["trace", "--vault", "kv-ledger", "--topology", str(tmp_path / "topology.yaml"),
              "--logs", str(tmp_path / "logs"), "--format", "json",
              "--html", str(tmp_path / "report.html"),
              "--start", "2026-11-20T10:00:00Z", "--end", "2026-11-20T10:40:00Z"])
    out, err = capsys.readouterr()
    flows = {f["client_ip"]: f for f in json.loads(out)["flows"]}
    flow = flows["10.61.1.4"]
    assert flow["verdict"].startswith("REACHED"), err
    cited = [e for e in flow["evidence"] if e["source"] == "dns"]
    assert [e["table"] for e in cited] == ["raw:azfw_structured", "raw:azfw_legacy"]
    assert all("(answer not logged)" in e["summary"] for e in cited)
    assert flow["cause"].endswith(
        "; the firewall DNS proxy logged 2 query(ies) from vnet-app/snet-app (10.61.1.4) for the "
        "vault's name "
        "(first at 2026-11-20T10:04:01Z); the answer is not logged"
    )
    assert "10.61.1.9" not in flows  # DNS rows alone make no flow
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "A kv-ledger.privatelink.vaultcore.azure.net: NOERROR (answer not logged)" in page
