"""Test helpers for code built on netlogs (and for netlogs' own tests).

- ``FakeSource(tables)``: an evidence source that returns fixed raw tables and records every
  query it was asked, so a trace can run on rows a test wrote by hand.
- ``raw_table(name, rows)``: a ``RawTable`` in a Log Analytics table's own columns.
- ``reference_topology()``: a small hub-and-spoke estate (hub firewall, spoke with the vault's
  private endpoint, spoke with a client behind a 0/0 UDR, a hub client that bypasses it).
- ``invoke(args)``: run the ``netlogs`` command in this process; returns ``Run(code, stdout,
  stderr)``.

    from netlogs.testing import FakeSource, invoke, raw_table, reference_topology
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from netlogs.model import (
    CollectedEvidence,
    EvidenceQuery,
    InputFile,
    ParseIssue,
    RawTable,
    SourceStatus,
)
from netlogs.topology.loader import topology_from_mapping
from netlogs.topology.model import Topology

__all__ = ["FakeSource", "Run", "invoke", "raw_table", "reference_topology"]


@dataclass
class FakeSource:
    """Returns ``tables`` for every query and remembers the queries (``.queries``)."""

    tables: Sequence[RawTable]
    issues: Sequence[ParseIssue] = ()
    queries: list[EvidenceQuery] = field(default_factory=list)

    def collect(self, query: EvidenceQuery) -> CollectedEvidence:
        self.queries.append(query)
        inputs = tuple(InputFile(t.origin, "0" * 64, t.table, t.frame.height) for t in self.tables)
        return CollectedEvidence(tuple(self.tables), tuple(self.issues), inputs=inputs)


def raw_table(
    table: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    origin: str | None = None,
    status: SourceStatus = SourceStatus.COMPLETE,
) -> RawTable:
    """Rows of a Log Analytics table (``AZKVAuditLogs``, ``AZFWNetworkRule``, ...) written as
    dicts with that table's own column names; every value is kept as a string column, as an
    export would deliver it."""
    frame = pl.DataFrame(
        [{k: None if v is None else str(v) for k, v in row.items()} for row in rows]
    )
    return RawTable(table=table, frame=frame, origin=origin or f"test:{table}", status=status)


REFERENCE_TOPOLOGY: dict[str, Any] = {
    "virtualNetworks": [
        {
            "name": "vnet-hub",
            "addressPrefixes": ["10.0.0.0/16"],
            "subnets": [
                {"name": "AzureFirewallSubnet", "addressPrefix": "10.0.0.64/26"},
                {"name": "snet-hub", "addressPrefix": "10.0.1.0/24"},
            ],
            "virtualNetworkPeerings": [
                {"remoteVirtualNetwork": "vnet-kv"},
                {"remoteVirtualNetwork": "vnet-app"},
            ],
        },
        {
            "name": "vnet-kv",
            "addressPrefixes": ["10.1.0.0/16"],
            "subnets": [
                {
                    "name": "snet-pe",
                    "addressPrefix": "10.1.2.0/24",
                    "privateEndpointNetworkPolicies": "Enabled",
                }
            ],
            "virtualNetworkPeerings": [{"remoteVirtualNetwork": "vnet-hub"}],
        },
        {
            "name": "vnet-app",
            "addressPrefixes": ["10.2.0.0/16"],
            "subnets": [
                {"name": "snet-vm", "addressPrefix": "10.2.1.0/24", "routeTable": "rt-app"}
            ],
            "virtualNetworkPeerings": [{"remoteVirtualNetwork": "vnet-hub"}],
        },
    ],
    "routeTables": [
        {
            "name": "rt-app",
            "routes": [
                {
                    "name": "default-to-fw",
                    "addressPrefix": "0.0.0.0/0",
                    "nextHopType": "VirtualAppliance",
                    "nextHopIpAddress": "10.0.0.68",
                }
            ],
        }
    ],
    "firewalls": [
        {
            "name": "fw-hub",
            "virtualNetwork": "vnet-hub",
            "privateIpAddress": "10.0.0.68",
            "instanceIpAddresses": ["10.0.0.69", "10.0.0.70"],
        }
    ],
    "privateEndpoints": [
        {
            "name": "pe-kv",
            "subnet": "vnet-kv/snet-pe",
            "privateIpAddress": "10.1.2.4",
            "target": "kv-test",
        }
    ],
    "keyVaults": [{"name": "kv-test", "publicNetworkAccess": "Disabled"}],
    "clients": [
        {"name": "vm-app", "subnet": "vnet-app/snet-vm", "ipAddresses": ["10.2.1.4"]},
        {"name": "vm-hub", "subnet": "vnet-hub/snet-hub", "ipAddresses": ["10.0.1.4"]},
    ],
    "designRules": [{"vault": "kv-test", "requireFirewall": "fw-hub"}],
}


def reference_topology() -> Topology:
    """The small hub-and-spoke estate above: ``vm-app`` reaches ``kv-test`` through ``fw-hub``
    (0/0 UDR); ``vm-hub`` bypasses it (the private endpoint's /32 route wins in the hub)."""
    return topology_from_mapping(REFERENCE_TOPOLOGY, "netlogs.testing:reference_topology")


@dataclass(frozen=True)
class Run:
    """What one in-process run of the command line gave."""

    code: int
    stdout: str
    stderr: str

    @property
    def document(self) -> Any:
        """Standard output parsed as JSON (a run with ``--format json``)."""
        return json.loads(self.stdout)


def invoke(args: Sequence[str]) -> Run:
    """Run ``netlogs ARGS`` in this process (exit code, stdout and stderr captured)."""
    from netlogs.cli import main  # noqa: PLC0415 - click only when a test runs the CLI

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return Run(code, out.getvalue(), err.getvalue())
