"""The estate ``scale_data.py`` simulates, and how a benchmark hands its Parquet to ``trace()``.

Shared by trace_bench.py (timing the pipeline) and report_bench.py (rendering its result).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

START = datetime(2026, 11, 20, tzinfo=timezone.utc)  # scale_data.py's first day
EVIDENCE = ("kv_requests", "fw_events", "flows")

# The estate scale_data.py simulates: §8.0's hub and spokes, grown to the generator's client
# ranges. Spoke VMs (10.2.0.0/17) reach the vault PE through fw-hub (a /32 UDR, which beats the
# PE's InterfaceEndpoint route); 10.5/16 is peered straight to the PE spoke (the bypass); 10.6/16
# has a Microsoft.KeyVault service endpoint; 20.30.x and 20.40.x are public callers.
SCALE_TOPOLOGY = """
virtualNetworks:
  - {name: hub, addressPrefixes: [10.0.0.0/16],
     subnets: [{name: AzureFirewallSubnet, addressPrefix: 10.0.0.64/26}],
     virtualNetworkPeerings: [{name: hub-to-spoke1, remoteVirtualNetwork: spoke1},
                              {name: hub-to-spoke2, remoteVirtualNetwork: spoke2}]}
  - {name: spoke1, addressPrefixes: [10.1.0.0/16],
     subnets: [{name: snet-pe, addressPrefix: 10.1.2.0/24}],
     virtualNetworkPeerings: [{name: spoke1-to-hub, remoteVirtualNetwork: hub},
                              {name: spoke1-to-spoke5, remoteVirtualNetwork: spoke5}]}
  - {name: spoke2, addressPrefixes: [10.2.0.0/16],
     subnets: [{name: snet-vm, addressPrefix: 10.2.0.0/17, routeTable: rt-spoke2}],
     virtualNetworkPeerings: [{name: spoke2-to-hub, remoteVirtualNetwork: hub}]}
  - {name: spoke5, addressPrefixes: [10.5.0.0/16],
     subnets: [{name: snet-direct, addressPrefix: 10.5.0.0/17}],
     virtualNetworkPeerings: [{name: spoke5-to-spoke1, remoteVirtualNetwork: spoke1}]}
  - {name: spoke6, addressPrefixes: [10.6.0.0/16],
     subnets: [{name: snet-se, addressPrefix: 10.6.0.0/17,
                serviceEndpoints: [Microsoft.KeyVault]}]}
routeTables:
  - name: rt-spoke2
    routes:
      - {name: default-to-fw, addressPrefix: 0.0.0.0/0, nextHopType: VirtualAppliance,
         nextHopIpAddress: 10.0.0.68}
      - {name: kv-pe-to-fw, addressPrefix: 10.1.2.4/32, nextHopType: VirtualAppliance,
         nextHopIpAddress: 10.0.0.68}
firewalls:
  - {name: fw-hub, virtualNetwork: hub, privateIpAddress: 10.0.0.68,
     publicIpAddresses: [203.0.113.50], instanceIpAddresses: [10.0.0.69, 10.0.0.70]}
privateEndpoints:
  - {name: pe-kv1, subnet: spoke1/snet-pe, privateIpAddress: 10.1.2.4, target: kv1}
keyVaults:
  - {name: kv1, publicIpAddresses: [198.51.100.10], publicNetworkAccess: Enabled}
servicePrefixes: {Microsoft.KeyVault: [198.51.100.0/24]}
clients:  # spoke6 resolves the vault's public name: its requests take the service endpoint
  - {name: se-vms, subnet: spoke6/snet-se, ipAddresses: [10.6.0.0/17], usesPrivateDns: false}
designRules: [{vault: kv1, requireFirewall: fw-hub}]
"""


def scale_topology() -> Any:
    """The Topology of SCALE_TOPOLOGY, through the same validation a topology file gets."""
    import yaml

    from netlogs.topology.loader import topology_from_mapping

    return topology_from_mapping(yaml.safe_load(SCALE_TOPOLOGY), source="SCALE_TOPOLOGY")


def scale_days(data: Path) -> int:
    return int(json.loads((data / "meta.json").read_text())["days"])


def scale_request(data: Path, *, timeline: bool = False) -> Any:
    """``netlogs trace --vault kv1`` over the generated days (``timeline``: as with --html)."""
    from netlogs.model import TimeWindow, TraceRequest

    days = scale_days(data)
    window = TimeWindow(START, START + timedelta(days=days))
    return TraceRequest("kv1", window, now=START + timedelta(days=days + 1), timeline=timeline)


@contextmanager
def evidence_dir(data: Path) -> Iterator[Path]:
    """A directory holding only the generated Parquet (meta.json is not evidence), as links."""
    with tempfile.TemporaryDirectory() as tmp:
        for name in EVIDENCE:
            (Path(tmp) / f"{name}.parquet").symlink_to((data / f"{name}.parquet").resolve())
        yield Path(tmp)
