"""Virtual WAN hubs as the route model sees them.

A hub is a Microsoft-managed VNet peered with every connected VNet ("the hub connection is a
VNet peering under the hood"): the model adds it as a VNet with one subnet, ``HubSubnet``, that
stands for the hub router and the secured-hub firewall, so its routes (the connected ranges and
their private endpoint /32s, the branches through the hub VPN gateway) decide where traffic
leaving the router or the firewall goes. The ``HV_`` peerings of connected VNets stand for the
connection and are replaced by it. A connected VNet receives, as ``VirtualNetworkGateway``
routes: with a Private routing-intent policy, the RFC 1918 aggregates to the hub firewall (and
no longer the other connections' ranges); without it, the other connections' ranges through the
hub router and the branch prefixes through the hub VPN gateway; with an Internet policy, 0/0 to
the hub firewall.
"""

from __future__ import annotations

from dataclasses import replace

from netlogs.routing.avnm import expand_hub_and_spoke, expand_routing_rules
from netlogs.topology.model import (
    Firewall,
    Peering,
    Subnet,
    Topology,
    VirtualHub,
    VirtualNetwork,
    VirtualNetworkGateway,
)

HUB_SUBNET = "HubSubnet"
PRIVATE_AGGREGATES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


def hub_firewall_name(hub: VirtualHub) -> str:
    return hub.firewall or f"{hub.name}-firewall"


def hub_gateway_name(hub: VirtualHub) -> str:
    return f"{hub.name}-vpngw"


def hub_er_gateway_name(hub: VirtualHub) -> str:
    return hub.expressroute_gateway or f"{hub.name}-ergw"


def is_hub_peering(peering: Peering) -> bool:
    """A peering to the Microsoft-owned VNet that stands for a hub connection."""
    return peering.remote_vnet.rpartition("/")[2].startswith("HV_")


def expand_virtual_hubs(topology: Topology) -> Topology:
    """The topology with each hub as a VNet, its firewall and its VPN gateway as objects
    (idempotent: an already expanded topology is returned as it is)."""
    names = {v.name for v in topology.vnets}
    if not topology.virtual_hubs or any(h.name in names for h in topology.virtual_hubs):
        return topology
    hub_of = connected_hubs(topology)
    vnets = [_connected(vnet, hub_of.get(vnet.name)) for vnet in topology.vnets]
    firewalls = list(topology.firewalls)
    gateways = list(topology.gateways)
    for hub in topology.virtual_hubs:
        connections = tuple(c for c in hub.connections if c in names)
        vnets.append(VirtualNetwork(
            hub.name, (hub.address_prefix,), "",
            (Subnet(HUB_SUBNET, hub.name, (hub.address_prefix,)),),
            tuple(Peering(f"{hub.name}-to-{c}", c) for c in connections)))
        if hub.firewall_private_ip:
            firewalls.append(Firewall(hub_firewall_name(hub), hub.name, hub.firewall_private_ip,
                                      HUB_SUBNET, public_ips=hub.firewall_public_ips))
        if hub.branch_prefixes:
            gateways.append(VirtualNetworkGateway(
                hub_gateway_name(hub), hub.name, instance_ips=hub.vpn_gateway_ips,
                learned_prefixes=hub.branch_prefixes))
        if hub.expressroute_prefixes:
            gateways.append(VirtualNetworkGateway(
                hub_er_gateway_name(hub), hub.name, "ExpressRoute",
                learned_prefixes=hub.expressroute_prefixes))
    return replace(topology, vnets=tuple(vnets), firewalls=tuple(firewalls),
                   gateways=tuple(gateways))


def _connected(vnet: VirtualNetwork, hub: VirtualHub | None) -> VirtualNetwork:
    """A connected VNet: its ``HV_`` peerings replaced by the peering to the hub."""
    if hub is None:
        return vnet
    kept = tuple(p for p in vnet.peerings if not is_hub_peering(p))
    return replace(vnet, peerings=(*kept, Peering(f"connection-{hub.name}", hub.name)))


def expand_constructs(topology: Topology) -> Topology:
    """Virtual WAN hubs, AVNM hub-and-spoke peerings and AVNM routing rules as ordinary model
    objects."""
    return expand_routing_rules(expand_hub_and_spoke(expand_virtual_hubs(topology)))


def connected_hubs(topology: Topology) -> dict[str, VirtualHub]:
    """VNet name -> the hub it is connected to (a VNet connects to one hub)."""
    return {name: hub for hub in topology.virtual_hubs for name in hub.connections}
