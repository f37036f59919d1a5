"""Configurations Azure itself refuses: a topology holding one is an error, not a path.

Azure rejects a peering with ``useRemoteGateways`` when the VNet has its own gateway, when the
remote VNet has neither a gateway nor a Route Server (``RemoteVnetHasNoGateways``) or when the
remote side does not allow gateway transit; a VNet with a gateway cannot be connected to a
Virtual WAN hub; a UDR to ``VirtualNetworkGateway`` does not forward where the only gateway is
ExpressRoute (documented as unsupported: ExpressRoute needs BGP).
"""

from __future__ import annotations

from netlogs.errors import TopologyError
from netlogs.topology.model import Topology, VirtualNetwork


def check_azure_rejects(topology: Topology) -> None:
    """Raise TopologyError for the first configuration Azure would refuse."""
    file = topology.source
    vnets = {v.name: v for v in topology.vnets}
    with_gateway: dict[str, set[str]] = {}
    for gateway in topology.gateways:
        with_gateway.setdefault(gateway.vnet, set()).add(gateway.gateway_type)
    route_servers = {r.vnet for r in topology.route_servers}
    for vnet in topology.vnets:
        _check_remote_gateways(file, vnet, vnets, with_gateway, route_servers)
    for hub in topology.virtual_hubs:
        for name in hub.connections:
            if name in with_gateway:
                raise TopologyError(file, f"virtualHubs[{hub.name}]", (
                    f"virtualNetworkConnections: {name} has its own virtual network gateway; "
                    "Azure does not connect such a VNet to a Virtual WAN hub"))
    _check_gateway_udrs(topology, vnets, with_gateway)


def _check_remote_gateways(
    file: str, vnet: VirtualNetwork, vnets: dict[str, VirtualNetwork],
    with_gateway: dict[str, set[str]], route_servers: set[str],
) -> None:
    users = [p for p in vnet.peerings if p.use_remote_gateways]
    for position, peering in enumerate(users):
        where = f"virtualNetworks[{vnet.name}].virtualNetworkPeerings[{peering.name}]"
        if position:
            raise TopologyError(file, where, "useRemoteGateways: only one peering of a VNet may "
                                             "use a remote gateway")
        if vnet.name in with_gateway or vnet.name in route_servers:
            raise TopologyError(file, where, f"useRemoteGateways: {vnet.name} has its own "
                                             "gateway or Route Server; Azure refuses the flag")
        remote = vnets.get(peering.remote_vnet)
        if remote is None:
            continue  # outside the input (e.g. a Virtual WAN hub): a topology gap, not an error
        if remote.name not in with_gateway and remote.name not in route_servers:
            raise TopologyError(file, where, (
                f"useRemoteGateways: remote virtual network {remote.name} has no gateway or "
                "Route Server (Azure: RemoteVnetHasNoGateways)"))
        back = [p for p in remote.peerings if p.remote_vnet == vnet.name]
        if back and not back[0].allow_gateway_transit:
            raise TopologyError(file, where, (
                f"useRemoteGateways: the peering back from {remote.name} has "
                "allowGatewayTransit false; Azure refuses the flag"))


def _check_gateway_udrs(
    topology: Topology, vnets: dict[str, VirtualNetwork], with_gateway: dict[str, set[str]]
) -> None:
    """A UDR to VirtualNetworkGateway in a subnet whose only gateway is ExpressRoute."""
    tables = {t.name: t for t in topology.route_tables}
    for vnet in topology.vnets:
        types = with_gateway.get(vnet.name) or _transit_types(vnet, vnets, with_gateway)
        if types != {"ExpressRoute"}:
            continue
        for subnet in vnet.subnets:
            table = tables.get(subnet.route_table or "")
            if table is None:
                continue
            for route in table.routes:
                if route.next_hop_type == "VirtualNetworkGateway":
                    raise TopologyError(topology.source, f"routeTables[{table.name}]", (
                        f"routes[{route.name}]: next hop VirtualNetworkGateway on "
                        f"{subnet.ref}, whose only gateway is ExpressRoute (unsupported by "
                        "Azure: ExpressRoute routes must come from BGP)"))


def _transit_types(
    vnet: VirtualNetwork, vnets: dict[str, VirtualNetwork], with_gateway: dict[str, set[str]]
) -> set[str]:
    for peering in vnet.peerings:
        if peering.use_remote_gateways and peering.remote_vnet in vnets:
            return with_gateway.get(peering.remote_vnet, set())
    return set()
