"""`netlogs trace` over a Virtual WAN estate reaches the verdicts its logs prove.

Secured hub with routing intent (Private + Internet): a spoke client reaches the vault's
private endpoint in another spoke through the hub firewall (its network-rule records prove it);
a client in the endpoint's own VNet bypasses the hub firewall (Azure docs:
firewall-manager/private-link-inspection-secure-virtual-hub).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netlogs.cli import main
from tests.verdicts.ledger_records import SUB, kv_record

FW_ID = (f"/subscriptions/{SUB}/resourcegroups/rg-net/providers/microsoft.network/"
         "azurefirewalls/afw-vhub-ne")

TOPOLOGY = """\
virtualNetworks:
  - name: vnet-app
    addressPrefixes: [10.61.0.0/16]
    subnets:
      - {name: snet-app, addressPrefix: 10.61.1.0/24}
      - {name: snet-pe, addressPrefix: 10.61.2.0/24}
  - name: vnet-data
    addressPrefixes: [10.62.0.0/16]
    subnets:
      - {name: snet-data, addressPrefix: 10.62.1.0/24}
virtualHubs:
  - name: vhub-ne
    addressPrefix: 10.60.0.0/23
    virtualNetworkConnections: [vnet-app, vnet-data]
    firewall: afw-vhub-ne
    firewallPrivateIpAddress: 10.60.0.132
    routingIntent: [PrivateTraffic, Internet]
privateEndpoints:
  - {name: pe-ledger, subnet: vnet-app/snet-pe, privateIpAddress: 10.61.2.5, target: kv-ledger}
keyVaults:
  - {name: kv-ledger, publicNetworkAccess: Disabled}
privateDnsZones:
  - name: privatelink.vaultcore.azure.net
    virtualNetworkLinks: [vnet-app, vnet-data]
    aRecords:
      - {name: kv-ledger, ipv4Address: 10.61.2.5}
designRules:
  - {vault: kv-ledger, requireFirewall: afw-vhub-ne}
"""

CSV_HEADER = ("TenantId,TimeGenerated [UTC],Protocol,SourceIp,SourcePort,DestinationIp,"
              "DestinationPort,Action,Policy,RuleCollectionGroup,RuleCollection,Rule,"
              "ActionReason,SourceSystem,Type,_ResourceId")


def fw_row(minute: int, source: str) -> str:
    when = f'"11/20/2026, 10:{minute:02d}:01.100 AM"'
    return (f"t,{when},TCP,{source},5{minute:04d},10.61.2.5,443,Allow,fp-core,rcg,rc-kv,"
            f"allow-data-to-kv,,,AZFWNetworkRule,{FW_ID}")


def test_trace_over_a_secured_virtual_wan_hub(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "topology.yaml").write_text(TOPOLOGY, encoding="utf-8")
    logs = tmp_path / "logs"
    logs.mkdir()
    # the last rows, at 10:58, date the export: the flows before 10:45 are past ingestion latency
    rows = [fw_row(m, "10.62.1.4") for m in (5, 15, 25, 58)]
    (logs / "AZFWNetworkRule.csv").write_text("\n".join([CSV_HEADER, *rows]) + "\n",
                                              encoding="utf-8")
    records = [kv_record(m, "10.62.1.4") for m in (5, 15, 25, 58)]
    records += [kv_record(m, "10.61.1.4") for m in (6, 16)]
    (logs / "PT1H.json").write_text(json.dumps({"records": records}), encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        main(["trace", "--vault", "kv-ledger", "--topology", str(tmp_path / "topology.yaml"),
              "--logs", str(logs), "--format", "json", "--end", "2026-11-20T10:40:00Z",
              "--start", "2026-11-20T10:00:00Z"])
    out, err = capsys.readouterr()
    assert exited.value.code == 1, err  # a violation: the same-VNet client bypasses the firewall
    flows = {f["client_ip"]: f for f in json.loads(out)["flows"]}
    via = flows["10.62.1.4"]
    assert via["verdict"] == "REACHED_VIA_FIREWALL"
    assert "afw-vhub-ne Allow records cover 3/3" in via["cause"]
    assert "routing intent to the hub firewall" in via["expected_path"][1]["detail"]
    bypass = flows["10.61.1.4"]
    assert bypass["verdict"] == "REACHED_BYPASSING_FIREWALL" and bypass["violation"]
    assert "model predicts the bypass (private_endpoint_route" in bypass["cause"]
    assert "low confidence" not in bypass["cause"]


def test_an_unevaluated_construct_is_a_topology_gap_of_the_trace(tmp_path: Path) -> None:
    """A Topology built in code (no loader) still has its unevaluated constructs reported:
    here a hub ExpressRoute gateway whose on-premises prefixes are not known."""
    from dataclasses import replace
    from datetime import datetime, timezone

    from netlogs.model import GapKind, TimeWindow, TraceRequest
    from netlogs.pipeline.trace import trace
    from netlogs.sources.files import FileSource
    from netlogs.topology.loader import load_topology

    (tmp_path / "topology.yaml").write_text(TOPOLOGY, encoding="utf-8")
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "PT1H.json").write_text(json.dumps({"records": [kv_record(5, "10.62.1.4")]}),
                                    encoding="utf-8")
    loaded = load_topology(tmp_path / "topology.yaml")
    hub = replace(loaded.virtual_hubs[0], expressroute_gateway="ergw-ne")
    in_code = replace(loaded, virtual_hubs=(hub,), gaps=())
    start = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
    window = TimeWindow(start, datetime(2026, 11, 20, 10, 40, tzinfo=timezone.utc))
    request = TraceRequest("kv-ledger", window, datetime(2026, 11, 21, tzinfo=timezone.utc))
    result = trace(request, FileSource(logs), in_code)
    topology_gaps = [g for g in result.gaps if g.kind is GapKind.TOPOLOGY]
    assert any("ExpressRoute gateway whose on-premises prefixes are not known" in g.message
               for g in topology_gaps)
