"""A tiny estate written to disk the way a user would have it: topology.yaml + exported logs.

Logs are Log Analytics query API responses (``{"tables": [...]}``), the shape of a saved
query result; each test picks which files to write, so each exit code has its own small story.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SUB = "0b6c1f3e-2a4d-4c8b-9e7f-1a2b3c4d5e6f"
KV_ID = f"/subscriptions/{SUB}/resourcegroups/rg-kv/providers/microsoft.keyvault/vaults/kv-test"
FW_ID = (
    f"/subscriptions/{SUB}/resourcegroups/rg-hub/providers/microsoft.network/azurefirewalls/fw-hub"
)
PE_ID = (
    f"/subscriptions/{SUB}/resourceGroups/rg-kv/providers/Microsoft.Network/privateEndpoints/pe-kv"
)

TOPOLOGY = """\
virtualNetworks:
  - name: hub
    addressPrefixes: [10.0.0.0/16]
    subnets:
      - {name: AzureFirewallSubnet, addressPrefix: 10.0.0.64/26}
      - {name: snet-hub, addressPrefix: 10.0.1.0/24}
    virtualNetworkPeerings:
      - {remoteVirtualNetwork: spoke-kv}
      - {remoteVirtualNetwork: spoke-app}
  - name: spoke-kv
    addressPrefixes: [10.1.0.0/16]
    subnets:
      - {name: snet-pe, addressPrefix: 10.1.2.0/24, privateEndpointNetworkPolicies: Enabled}
    virtualNetworkPeerings:
      - {remoteVirtualNetwork: hub}
  - name: spoke-app
    addressPrefixes: [10.2.0.0/16]
    subnets:
      - {name: snet-vm, addressPrefix: 10.2.1.0/24, routeTable: rt-app}
    virtualNetworkPeerings:
      - {remoteVirtualNetwork: hub}
routeTables:
  - name: rt-app
    routes:
      - name: default-to-fw
        addressPrefix: 0.0.0.0/0
        nextHopType: VirtualAppliance
        nextHopIpAddress: 10.0.0.68
firewalls:
  - name: fw-hub
    virtualNetwork: hub
    privateIpAddress: 10.0.0.68
    instanceIpAddresses: [10.0.0.69, 10.0.0.70]
privateEndpoints:
  - {name: pe-kv, subnet: spoke-kv/snet-pe, privateIpAddress: 10.1.2.4, target: kv-test}
keyVaults:
  - {name: kv-test, publicNetworkAccess: Disabled}
clients:
  - {name: vm-app, subnet: spoke-app/snet-vm, ipAddresses: [10.2.1.4]}
  - {name: vm-hub, subnet: hub/snet-hub, ipAddresses: [10.0.1.4]}
designRules:
  - {vault: kv-test, requireFirewall: fw-hub}
"""


def api_json(rows: list[dict[str, object]], types: dict[str, str]) -> str:
    names = list(rows[0])
    columns = [{"name": n, "type": types.get(n, "string")} for n in names]
    table = {
        "name": "PrimaryResult",
        "columns": columns,
        "rows": [[r[n] for n in names] for r in rows],
    }
    return json.dumps({"tables": [table]}, indent=1)


def kv_row(time: str, caller: str, status: int = 200, op: str = "SecretGet") -> dict[str, object]:
    return {
        "TimeGenerated": f"2026-11-20T{time}.0000000Z",
        "OperationName": op,
        "ResultSignature": {200: "OK", 401: "Unauthorized", 403: "Forbidden"}[status],
        "ResultDescription": "",
        "CallerIpAddress": caller,
        "HttpStatusCode": status,
        "Properties": json.dumps({"privateEndpointId": PE_ID}),
        "SubnetId": "",
        "RequestUri": "https://kv-test.vault.azure.net/secrets/db/?api-version=7.5",
        "Type": "AZKVAuditLogs",
        "_ResourceId": KV_ID,
    }


def fw_row(
    time: str, src: str, dst: str, action: str = "Allow", port: int = 443
) -> dict[str, object]:
    return {
        "TimeGenerated": f"2026-11-20T{time}.0000000Z",
        "Protocol": "TCP",
        "SourceIp": src,
        "SourcePort": 50100,
        "DestinationIp": dst,
        "DestinationPort": port,
        "Action": action,
        "Policy": "fwpol",
        "RuleCollectionGroup": "rcg",
        "RuleCollection": "rc-kv",
        "Rule": "allow-app-to-kv",
        "ActionReason": "",
        "Type": "AZFWNetworkRule",
        "_ResourceId": FW_ID,
    }


KV_TYPES = {"TimeGenerated": "datetime", "HttpStatusCode": "int", "Properties": "dynamic"}
FW_TYPES = {"TimeGenerated": "datetime", "SourcePort": "int", "DestinationPort": "int"}

# The app VM goes through the firewall; some unrelated firewall traffic at 10:30 shows that the
# firewall's logging is live and (being the newest row) that the 10:00-10:05 rows are settled.
FW_ROWS = [
    fw_row("10:00:00", "10.2.1.4", "10.1.2.4"),
    fw_row("10:30:00", "10.2.1.4", "10.1.1.20", port=1433),
]
KV_VIA_FIREWALL = [kv_row("10:00:01", "10.2.1.4")]
KV_BYPASS = [kv_row("10:05:00", "10.0.1.4")]


class Estate:
    """A directory with topology.yaml and logs/, built per test (row builders attached)."""

    FW_ROWS = FW_ROWS
    KV_VIA_FIREWALL = KV_VIA_FIREWALL
    KV_BYPASS = KV_BYPASS
    kv_row = staticmethod(kv_row)
    fw_row = staticmethod(fw_row)

    def __init__(self, root: Path) -> None:
        self.root = root
        self.topology = root / "topology.yaml"
        self.logs = root / "logs"
        self.logs.mkdir()
        self.topology.write_text(TOPOLOGY, encoding="utf-8")

    def write_kv(self, rows: list[dict[str, object]], name: str = "kv.json") -> None:
        (self.logs / name).write_text(api_json(rows, KV_TYPES), encoding="utf-8")

    def write_fw(self, rows: list[dict[str, object]], name: str = "fw.json") -> None:
        (self.logs / name).write_text(api_json(rows, FW_TYPES), encoding="utf-8")

    def args(self, *extra: str) -> list[str]:
        return [
            "trace",
            "--vault",
            "kv-test",
            "--topology",
            str(self.topology),
            "--logs",
            str(self.logs),
            *extra,
        ]


@pytest.fixture
def estate(tmp_path: Path) -> Estate:
    return Estate(tmp_path)
