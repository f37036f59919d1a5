"""The network around the vault, from Resource Graph rows: one query for every type the
topology importer reads (plus flow logs and workspaces for the log plan), then the same importer
as `netlogs topology import`. Clients are named after the VMs their network interfaces belong to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from netlogs.kql import kql_literal
from netlogs.topology.arm_shapes import (
    KNOWN_TYPES,
    NIC,
    Resource,
    dig,
    flat_list,
    last_segment,
    resources_from_rows,
    subnet_ref,
)
from netlogs.topology.azure_import import mapping_from_resources
from netlogs.topology.loader import topology_from_mapping
from netlogs.topology.model import Topology

FLOW_LOG_TYPE = "microsoft.network/networkwatchers/flowlogs"
WORKSPACE_TYPE = "microsoft.operationalinsights/workspaces"
STORAGE_TYPE = "microsoft.storage/storageaccounts"  # read by id, for flow logs' blobs
ESTATE_TYPES = tuple(sorted({*KNOWN_TYPES, FLOW_LOG_TYPE, WORKSPACE_TYPE}))


def estate_query() -> str:
    """One Resource Graph query for the whole estate, ordered by id so pages never overlap."""
    types = ", ".join(kql_literal(t, "string") for t in ESTATE_TYPES)
    return (
        f"Resources | where type in~ ({types}) "
        "| project id, name, type, location, resourceGroup, subscriptionId, properties "
        "| order by id asc"
    )


def of_type(rows: Sequence[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in rows if str(r.get("type", "")).lower() == kind]


def topology_from_rows(rows: Sequence[dict[str, Any]], source: str) -> Topology:
    """The validated topology of the estate (the importer's rules, plus VM clients)."""
    resources = resources_from_rows(list(rows), source)
    mapping = mapping_from_resources(resources)
    subnets = {f"{v['name']}/{s['name']}" for v in mapping["virtualNetworks"] for s in v["subnets"]}
    clients = vm_clients(resources, subnets)
    if clients:
        mapping["clients"] = clients
    return topology_from_mapping(mapping, source=source)


def vm_clients(resources: Sequence[Resource], subnets: set[str]) -> list[dict[str, Any]]:
    """One client per VM (its NICs' private addresses), placed in its first NIC's subnet."""
    by_vm: dict[str, dict[str, Any]] = {}
    for nic in sorted((r for r in resources if r.type == NIC), key=lambda r: r.id.lower()):
        vm_id = dig(nic.body, "virtualMachine.id")
        configs = flat_list(nic.body.get("ipConfigurations"))
        ips = [str(c["privateIPAddress"]) for c in configs if c.get("privateIPAddress")]
        subnet_id = dig(configs[0], "subnet.id") if configs else None
        subnet = subnet_ref(subnet_id) if isinstance(subnet_id, str) else None
        if not isinstance(vm_id, str) or not ips or subnet not in subnets:
            continue
        client = by_vm.setdefault(
            vm_id.lower(),
            {"name": last_segment(vm_id), "kind": "vm", "subnet": subnet, "ipAddresses": []},
        )
        client["ipAddresses"].extend(ip for ip in ips if ip not in client["ipAddresses"])
    return _unique_names(list(by_vm.values()))


def _unique_names(clients: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two VMs of one name (other resource groups) are told apart by their subnet."""
    counts: dict[str, int] = {}
    for client in clients:
        counts[client["name"]] = counts.get(client["name"], 0) + 1
    for client in clients:
        if counts[client["name"]] > 1:
            client["name"] = f"{client['name']} ({client['subnet']})"
    return clients
