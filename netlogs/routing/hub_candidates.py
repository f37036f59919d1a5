"""What Virtual WAN hubs put into the route tables: of connected VNets, and of the hub's own
subnets (the firewall's next hops, routes to other hubs, branch traffic under routing intent)."""

from __future__ import annotations

from netlogs.model import Confidence
from netlogs.routing.candidate import Candidate
from netlogs.routing.hub_routes import (
    HubRouteRow,
    connection_view,
    firewall_view,
    remote_route_name,
    rows_for_firewall,
    rows_for_vnet,
)
from netlogs.routing.hub_subnets import (
    branch_intent_rows,
    peer_hubs,
    remote_hub_rows,
    remote_prefixes,
)
from netlogs.routing.index import GATEWAY_SUBNET, RoutingIndex
from netlogs.routing.prefixes import format_prefix, parse_prefix
from netlogs.routing.types import GATEWAY, USER, VIRTUAL_NETWORK_GATEWAY
from netlogs.routing.vwan import (
    HUB_SUBNET,
    PRIVATE_AGGREGATES,
    hub_er_gateway_name,
    hub_gateway_name,
)
from netlogs.topology.model import Subnet


def hub_routes(index: RoutingIndex, vnet: str) -> tuple[Candidate, ...]:
    """What a Virtual WAN hub programs into a connected VNet (see ``netlogs.routing.vwan``)."""
    hub = index.hub_of.get(vnet)
    if hub is None:
        return ()
    key = "hub:" + vnet
    cached = index.cache.get(key)
    if isinstance(cached, tuple):
        return cached
    view = connection_view(hub, vnet)
    if view is not None:  # what Azure reports beats what the model would compute
        result = tuple(_from_row(row) for row in rows_for_vnet(hub, index.vnets[vnet], view))
        index.cache[key] = result
        return result
    firewall = (hub.firewall_private_ip,) if hub.firewall_private_ip else ()
    routes: list[tuple[str, tuple[str, ...], str]] = []
    if "PrivateTraffic" in hub.routing_intent and firewall:
        private = (*PRIVATE_AGGREGATES, *hub.private_traffic_prefixes)
        routes += [(p, firewall, hub.name) for p in private]
    else:
        others = [index.vnets[c] for c in hub.connections if c != vnet and c in index.vnets]
        routes += [(p, hub.router_ips, hub.name) for v in others for p in v.address_prefixes]
        expressroute = set(hub.expressroute_prefixes)  # preferred over VPN by default
        routes += [(p, hub.vpn_gateway_ips, hub_gateway_name(hub)) for p in hub.branch_prefixes
                   if p not in expressroute]
        routes += [(p, (), hub_er_gateway_name(hub)) for p in hub.expressroute_prefixes]
        routes += [(p, hub.router_ips, hub.name) for other in peer_hubs(index.hubs, hub)
                   for p in remote_prefixes(other, index.vnets)]
    if "Internet" in hub.routing_intent and firewall and vnet not in hub.without_internet_security:
        routes.append(("0.0.0.0/0", firewall, hub.name))  # only with enableInternetSecurity
    result = tuple(
        _computed(parsed, ips, name, hub_er_gateway_name(hub))
        for text, ips, name in routes if (parsed := parse_prefix(text)) is not None
    )
    index.cache[key] = result
    return result


def _computed(parsed: tuple[int, int], ips: tuple[str, ...], name: str,
              expressroute: str) -> Candidate:
    c = Candidate(GATEWAY, parsed, format_prefix(*parsed), VIRTUAL_NETWORK_GATEWAY,
                  next_hop_ips=ips, name=name)
    if name == expressroute:  # next hop: the ExpressRoute edge, its address not in any export
        c.confidence = Confidence.MEDIUM
        c.reason = "next hop: the ExpressRoute edge (MSEE), its address is not known"
    return c


def _from_row(row: HubRouteRow) -> Candidate:
    c = Candidate(USER if row.static else GATEWAY, row.prefix, format_prefix(*row.prefix),
                  VIRTUAL_NETWORK_GATEWAY, next_hop_ips=row.next_hop_ips, name=row.name,
                  confidence=row.confidence)
    c.reason = row.reason
    return c


def hub_subnet_routes(index: RoutingIndex, subnet: Subnet,
                      routes: list[Candidate]) -> tuple[list[Candidate], bool]:
    """A hub's own subnet: its routes with the routes to the other hubs added; on
    ``HubSubnet`` the imported firewall view (and whether it replaces the routes computed for
    the hub's gateways); on ``GatewaySubnet`` under a Private policy the default route table's
    routing-intent routes instead of the connections' ranges. Other subnets: unchanged."""
    hub = index.hubs.get(subnet.vnet)
    if hub is None:
        return routes, False
    routes = routes + [_from_row(r) for r in remote_hub_rows(index.hubs, index.vnets, hub)]
    if subnet.name == GATEWAY_SUBNET:
        intent = branch_intent_rows(hub, set(index.pe_by_ip))
        if intent:  # the default route table holds only what routing intent writes
            dropped = {f"{hub.name}-to-{c}" for c in hub.connections} | {remote_route_name(hub)}
            routes = [c for c in routes if c.name not in dropped] + [_from_row(r) for r in intent]
        return routes, False
    view = firewall_view(hub) if subnet.name == HUB_SUBNET else None
    if view is None:
        return routes, False
    kept = [c for c in routes if c.name != remote_route_name(hub)]  # the view has its own
    return kept + [_from_row(row) for row in rows_for_firewall(hub, view)], True
