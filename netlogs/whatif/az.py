"""The ``az`` commands that make a change in Azure.

The topology records names, not resource groups, so every command carries the placeholder
``<resource-group>`` for the operator to fill in (``RESOURCE_GROUP_NOTE`` says so).
"""

from __future__ import annotations

import shlex

from netlogs.topology.model import Topology
from netlogs.whatif.changes import (
    DNS_LINK,
    PE_POLICIES,
    PRIVATE_DNS,
    PRIVATE_ZONE,
    REMOVE_SERVICE_ENDPOINT,
    Change,
    new_table_name,
    next_hop_ip,
    route_name,
)

RESOURCE_GROUP = "<resource-group>"
RESOURCE_GROUP_NOTE = (
    "the topology does not record resource groups: replace <resource-group> with each "
    "resource's group before running"
)

DNS_NOTE = (
    f"the client's DNS server must answer {PRIVATE_ZONE} from Azure DNS (168.63.129.16), e.g. "
    "with a conditional forwarder; no az command changes a custom DNS server"
)


def az_commands(topology: Topology, change: Change) -> tuple[str, ...]:
    """The commands, in order, that apply ``change`` (the same names the what-if model used)."""
    if change.kind in (PRIVATE_DNS, DNS_LINK):
        return _dns_commands(topology, change)
    vnet, _, subnet = change.scope.partition("/")
    update = (
        f"az network vnet subnet update -g {RESOURCE_GROUP} --vnet-name {_q(vnet)} -n {_q(subnet)}"
    )
    if change.kind == PE_POLICIES:
        return (f"{update} --private-endpoint-network-policies {_q(change.argument)}",)
    if change.kind == REMOVE_SERVICE_ENDPOINT:
        kept = [s for s in _service_endpoints(topology, change) if s != change.argument]
        if not kept:
            return (f"{update} --remove serviceEndpoints",)
        return (f"{update} --service-endpoints {' '.join(_q(s) for s in kept)}",)
    return _udr_commands(topology, change, update)


def _udr_commands(topology: Topology, change: Change, update: str) -> tuple[str, ...]:
    prefix, _target = change.udr
    table = _route_table(topology, change)
    commands: list[str] = []
    if table is None:
        table = new_table_name(change.scope)
        commands.append(f"az network route-table create -g {RESOURCE_GROUP} -n {_q(table)}")
    commands.append(
        f"az network route-table route create -g {RESOURCE_GROUP} --route-table-name {_q(table)} "
        f"-n {_q(route_name(change))} --address-prefix {_q(prefix)} "
        "--next-hop-type VirtualAppliance "
        f"--next-hop-ip-address {_q(next_hop_ip(topology, change))}"
    )
    if len(commands) == 2:
        commands.append(f"{update} --route-table {_q(table)}")
    return tuple(commands)


def _dns_commands(topology: Topology, change: Change) -> tuple[str, ...]:
    """Link the zone to the VNet (a client's own VNet for private-dns), unless the topology
    says it is linked already: then only the client's DNS server is left (DNS_NOTE)."""
    vnet = change.scope
    if change.kind == PRIVATE_DNS:
        client = next((c for c in topology.clients if c.name == change.scope), None)
        vnet = (client.subnet or "").partition("/")[0] if client else ""
    zone = next((z for z in topology.private_dns_zones if z.name == PRIVATE_ZONE), None)
    if zone is not None and vnet in zone.virtual_network_links:
        return ()
    return (
        f"az network private-dns link vnet create -g {RESOURCE_GROUP} -z {PRIVATE_ZONE} "
        f"-n {_q(f'link-{vnet or change.scope}')} -v {_q(vnet or '<vnet>')} -e false",
    )


def _route_table(topology: Topology, change: Change) -> str | None:
    vnet, _, name = change.scope.partition("/")
    for v in topology.vnets:
        for s in v.subnets:
            if v.name == vnet and s.name == name:
                return s.route_table
    return None


def _service_endpoints(topology: Topology, change: Change) -> tuple[str, ...]:
    vnet, _, name = change.scope.partition("/")
    for v in topology.vnets:
        for s in v.subnets:
            if v.name == vnet and s.name == name:
                return s.service_endpoints
    return ()


def _q(value: str) -> str:
    return shlex.quote(value)
