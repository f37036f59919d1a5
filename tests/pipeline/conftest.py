"""A fake evidence source and a small hub-and-spoke topology for pipeline tests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

import polars as pl
import pytest
import yaml

from netlogs.model import (
    CollectedEvidence,
    EvidenceQuery,
    InputFile,
    LedgerEntry,
    ParseIssue,
    RawTable,
    SourceStatus,
)
from netlogs.topology.loader import topology_from_mapping
from netlogs.topology.model import Topology

PE_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe-kv"
KV_ID = "/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv-test"
FW_ID = "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/azurefirewalls/fw-hub"

TOPOLOGY = """
virtualNetworks:
  - name: hub
    addressPrefixes: [10.0.0.0/16]
    subnets:
      - {name: AzureFirewallSubnet, addressPrefix: 10.0.0.64/26}
      - {name: snet-hub, addressPrefix: 10.0.1.0/24}
    virtualNetworkPeerings: [{remoteVirtualNetwork: spoke-kv}, {remoteVirtualNetwork: spoke-app}]
  - name: spoke-kv
    addressPrefixes: [10.1.0.0/16]
    subnets: [{name: snet-pe, addressPrefix: 10.1.2.0/24, privateEndpointNetworkPolicies: Enabled}]
    virtualNetworkPeerings: [{remoteVirtualNetwork: hub}]
  - name: spoke-app
    addressPrefixes: [10.2.0.0/16]
    subnets: [{name: snet-vm, addressPrefix: 10.2.1.0/24, routeTable: rt-app}]
    virtualNetworkPeerings: [{remoteVirtualNetwork: hub}]
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
  - {name: fw-audit, virtualNetwork: hub, privateIpAddress: 10.0.0.100}
privateEndpoints:
  - {name: pe-kv, subnet: spoke-kv/snet-pe, privateIpAddress: 10.1.2.4, target: kv-test}
keyVaults:
  - {name: kv-test, publicNetworkAccess: Disabled, publicIpAddresses: [198.51.100.10]}
clients:
  - {name: vm-app, subnet: spoke-app/snet-vm, ipAddresses: [10.2.1.4]}
  - {name: vm-hub, subnet: hub/snet-hub, ipAddresses: [10.0.1.4]}
designRules:
  - {vault: kv-test, requireFirewall: fw-hub}
"""


def utc(hms: str) -> datetime:
    h, m, s = (int(x) for x in hms.split(":"))
    return datetime(2026, 11, 20, h, m, s, tzinfo=timezone.utc)


def kv_frame(rows: list[tuple[str, str, int]]) -> pl.DataFrame:
    """AZKVAuditLogs rows (time, caller, status) via the private endpoint."""
    return pl.DataFrame(
        {
            "TimeGenerated": [f"2026-11-20T{t}.0000000Z" for t, _, _ in rows],
            "OperationName": ["SecretGet"] * len(rows),
            "CallerIpAddress": [ip for _, ip, _ in rows],
            "HttpStatusCode": [status for _, _, status in rows],
            "ResultSignature": ["OK" if s == 200 else "Forbidden" for _, _, s in rows],
            "Properties": [json.dumps({"privateEndpointId": PE_ID})] * len(rows),
            "_ResourceId": [KV_ID] * len(rows),
        }
    )


def fw_frame(rows: list[tuple[str, str, str, int, str]]) -> pl.DataFrame:
    """AZFWNetworkRule rows (time, src, dst, dst port, action)."""
    return pl.DataFrame(
        {
            "TimeGenerated": [f"2026-11-20T{t}.0000000Z" for t, *_ in rows],
            "Protocol": ["TCP"] * len(rows),
            "SourceIp": [r[1] for r in rows],
            "SourcePort": [50100] * len(rows),
            "DestinationIp": [r[2] for r in rows],
            "DestinationPort": [r[3] for r in rows],
            "Action": [r[4] for r in rows],
            "Rule": ["allow-kv"] * len(rows),
            "_ResourceId": [FW_ID] * len(rows),
        }
    )


@dataclass
class FakeSource:
    """Returns fixed raw tables and remembers every query it was asked."""

    tables: tuple[RawTable, ...]
    issues: tuple[ParseIssue, ...] = ()
    live: bool = False
    queries: list[EvidenceQuery] = field(default_factory=list)

    def collect(self, query: EvidenceQuery) -> CollectedEvidence:
        self.queries.append(query)
        if self.live:
            ledger = (
                LedgerEntry(
                    "kv",
                    "ws",
                    utc("09:00:00"),
                    utc("12:00:00"),
                    1,
                    SourceStatus.COMPLETE,
                    1.0,
                    "0" * 64,
                ),
            )
            return CollectedEvidence(self.tables, self.issues, ledger=ledger)
        inputs = tuple(InputFile(t.origin, "0" * 64, t.table, t.frame.height) for t in self.tables)
        return CollectedEvidence(self.tables, self.issues, inputs=inputs)


# The app VM passes the firewall at 10:00; the hub VM reaches the PE directly at 10:05; an
# unrelated firewall record at 10:30 is the newest row (so 10:00-10:05 is settled).
FW_ROWS = [
    ("10:00:00", "10.2.1.4", "10.1.2.4", 443, "Allow"),
    ("10:30:00", "10.2.1.4", "10.1.1.20", 1433, "Allow"),
]
KV_ROWS = [("10:00:01", "10.2.1.4", 200), ("10:05:00", "10.0.1.4", 200)]


@pytest.fixture
def topology() -> Topology:
    return topology_from_mapping(yaml.safe_load(TOPOLOGY), source="test-topology.yaml")


@pytest.fixture
def source() -> FakeSource:
    return FakeSource(
        (
            RawTable("AZKVAuditLogs", kv_frame(KV_ROWS), "fake/kv.json"),
            RawTable("AZFWNetworkRule", fw_frame(FW_ROWS), "fake/fw.json"),
        )
    )


@pytest.fixture
def build() -> object:
    """The builders above, for tests that need their own evidence (importlib mode: no imports)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        FakeSource=FakeSource,
        RawTable=RawTable,
        kv_frame=kv_frame,
        fw_frame=fw_frame,
        utc=utc,
        ParseIssue=ParseIssue,
    )
