"""Virtual WAN hub routes as Azure reports them (``az network vhub get-effective-routes``).

When the topology holds a hub's effective routes, the model uses them instead of the routes it
would compute from routing intent and connections: the route-table or
connection view says what a connected VNet receives ("to the firewall?"), the firewall view
says where the hub firewall sends traffic next ("where next?"). Each row becomes a route named
after the view it came from, so a path names the observed route that decided it.

Next-hop addresses: ``nextHops`` holds resource ids in some outputs and addresses in others
(D9); addresses are used when given, else the hub's own (firewall private IP, VPN gateway
instances, router). A row whose next hop the model cannot place is ``low`` and says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from netlogs.model import Confidence
from netlogs.routing.prefixes import covers, parse_ip, parse_prefix
from netlogs.topology.model import HubRoute, HubRouteView, VirtualHub, VirtualNetwork

# next hop types of hub routes (Azure's strings)
TO_FIREWALL = "Azure Firewall"
TO_CONNECTION = "Virtual Network Connection"
TO_VPN = "VPN_S2S_Gateway"
TO_EXPRESSROUTE = "ExpressRouteGateway"
TO_REMOTE_HUB = "Remote Hub"
TO_BGP_PEER = "HubBgpConnection"
TO_INTERNET = "Internet"
HUB_NEXT_HOP_TYPES = (TO_FIREWALL, TO_CONNECTION, TO_VPN, TO_EXPRESSROUTE, TO_REMOTE_HUB,
                      TO_BGP_PEER, TO_INTERNET)
BRANCH_TYPES = frozenset({TO_VPN, TO_EXPRESSROUTE})
COMPUTED = "computed"  # a route the model derived from the hub's connections and intent
DEFAULT_ROUTE_TABLE = "defaultroutetable"
_VIEW_LABEL = {"RouteTable": "route table", "HubVirtualNetworkConnection": "connection",
               "AzureFirewalls": "firewall"}


@dataclass(frozen=True)
class HubRouteRow:
    """One imported row turned into a route: prefix, next-hop addresses, name, confidence."""

    prefix: tuple[int, int]
    next_hop_ips: tuple[str, ...]
    name: str
    kind: str  # the row's next hop type
    confidence: Confidence = Confidence.HIGH
    reason: str = ""
    static: bool = False  # a hub route table's static route (counts like a UDR, not BGP)


def route_name(hub: VirtualHub, view: HubRouteView, next_hop_type: str) -> str:
    """``vhub-ne route table defaultRouteTable: Azure Firewall`` (what a hop names)."""
    label = _VIEW_LABEL.get(view.resource_type, view.resource_type)
    return f"{hub.name} {label} {view.resource}: {next_hop_type}"


def intent_route_name(hub: VirtualHub) -> str:
    """The routing-intent routes of the hub's default route table, as its gateways use them."""
    return f"{hub.name} routing intent: {TO_FIREWALL}"


def remote_route_name(hub: VirtualHub) -> str:
    """Routes the hub learned from the other hubs of its Virtual WAN."""
    return f"{hub.name} hub-to-hub: {TO_REMOTE_HUB}"


def connection_view(hub: VirtualHub, vnet: str) -> HubRouteView | None:
    """What Azure reports for the connection of ``vnet``: its own view, else the default route
    table's (every connection is associated with it unless custom routing says otherwise,
    which is a gap of its own)."""
    for view in hub.effective_routes:
        if view.resource_type == "HubVirtualNetworkConnection" and view.resource == vnet:
            return view
    for view in hub.effective_routes:
        if view.resource_type == "RouteTable" and view.resource.lower() == DEFAULT_ROUTE_TABLE:
            return view
    return None


def firewall_view(hub: VirtualHub) -> HubRouteView | None:
    return next((v for v in hub.effective_routes if v.resource_type == "AzureFirewalls"), None)


def rows_for_vnet(hub: VirtualHub, vnet: VirtualNetwork, view: HubRouteView) -> list[HubRouteRow]:
    """The rows a connected VNet's NICs receive: never a route as specific as the VNet's own
    range (vWAN cannot program one), 0/0 only with internet security, no ``Internet`` rows."""
    own = [p for p in map(parse_prefix, (*vnet.address_prefixes, hub.address_prefix)) if p]
    rows = []
    for route in view.routes:
        if route.next_hop_type == TO_INTERNET:
            continue
        for prefix in _prefixes(route):
            if any(covers(o, prefix) for o in own):
                continue
            if prefix[1] == 0 and vnet.name in hub.without_internet_security:
                continue
            ips, confidence, reason = _nic_next_hops(hub, route)
            rows.append(HubRouteRow(prefix, ips, route_name(hub, view, route.next_hop_type),
                                    route.next_hop_type, confidence, reason))
    return rows


def rows_for_firewall(hub: VirtualHub, view: HubRouteView) -> list[HubRouteRow]:
    """Where the hub firewall (and the hub router) sends traffic next. Connection rows without
    an address and ``Internet`` rows are left to the hub VNet's own routes (peerings to the
    connected VNets, ``0.0.0.0/0 Internet``), which say the same."""
    rows = []
    for route in view.routes:
        ips = _addresses(route.next_hops)
        if route.next_hop_type in (TO_INTERNET, TO_FIREWALL) or (
                route.next_hop_type == TO_CONNECTION and not ips):
            continue
        nic_ips, confidence, reason = _nic_next_hops(hub, route)
        for prefix in _prefixes(route):
            rows.append(HubRouteRow(prefix, ips or nic_ips,
                                    route_name(hub, view, route.next_hop_type),
                                    route.next_hop_type, confidence, reason))
    return rows


def _prefixes(route: HubRoute) -> list[tuple[int, int]]:
    return [p for p in map(parse_prefix, route.prefixes) if p is not None]


def _addresses(texts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t for t in texts if parse_ip(t) is not None)


def _nic_next_hops(hub: VirtualHub, route: HubRoute) -> tuple[tuple[str, ...], Confidence, str]:
    """The next-hop addresses a NIC shows for a hub route, its confidence and why not high."""
    ips = _addresses(route.next_hops)
    kind = route.next_hop_type
    if kind == TO_FIREWALL:
        if hub.firewall_private_ip:
            return (hub.firewall_private_ip,), Confidence.HIGH, ""
        return ips, Confidence.LOW, "the hub firewall's private address is not known"
    if kind == TO_CONNECTION:
        return hub.router_ips, Confidence.HIGH, ""
    if kind == TO_REMOTE_HUB:
        return hub.router_ips, Confidence.HIGH, ""
    if kind == TO_VPN:
        return ips or hub.vpn_gateway_ips, Confidence.HIGH, ""
    if kind == TO_EXPRESSROUTE:
        return ips, Confidence.MEDIUM, ("" if ips else "next hop: the ExpressRoute edge "
                                                       "(MSEE), its address is not in the output")
    if kind == TO_BGP_PEER:
        if ips:
            return ips, Confidence.HIGH, ""
        return (), Confidence.LOW, "BGP peer of the hub without a next-hop address"
    return ips, Confidence.LOW, f"hub next hop type {kind!r} is not known to netlogs"


def hub_route_owners(hubs: tuple[VirtualHub, ...]) -> dict[str, tuple[VirtualHub, str]]:
    """Route name -> (hub, next hop type) for every route a hub programs, computed or imported
    (the walk follows a route by what it stands for, not by its next-hop address)."""
    owners: dict[str, tuple[VirtualHub, str]] = {}
    for hub in hubs:
        owners[hub.name] = (hub, COMPUTED)
        owners[intent_route_name(hub)] = (hub, TO_FIREWALL)
        owners[remote_route_name(hub)] = (hub, TO_REMOTE_HUB)
        for view in hub.effective_routes:
            for route in view.routes:
                owners[route_name(hub, view, route.next_hop_type)] = (hub, route.next_hop_type)
    return owners
