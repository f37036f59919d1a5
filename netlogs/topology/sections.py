"""The topology file's sections for Virtual WAN, Route Server, NSGs, AVNM and private DNS.

Read and written here (the loader and the dump call in) so those two modules only gain a line
per section. Each section is documented in docs/topology-format.md. What the model does not
evaluate yet is reported by ``netlogs.topology.coverage``, never ignored.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from netlogs.topology.fields import Fields, parse_cidr
from netlogs.topology.hub_route_section import dump_hub_route_views, load_hub_route_views
from netlogs.topology.manager_sections import (
    MANAGER_SECTION_KEYS,
    dump_manager_sections,
    load_manager_sections,
)
from netlogs.topology.model import (
    BgpRoute,
    ConnectivityConfiguration,
    DnsResolver,
    NetworkSecurityGroup,
    NetworkVirtualAppliance,
    PrivateDnsZone,
    RouteServer,
    SecurityRule,
    Topology,
    VirtualHub,
)

SECTION_KEYS = (
    "virtualHubs", "routeServers", "networkSecurityGroups", "connectivityConfigurations",
    "privateDnsZones", "dnsResolvers", "networkVirtualAppliances", *MANAGER_SECTION_KEYS,
)
RESOLVER_KINDS = ("privateResolverInbound", "firewallDnsProxy", "forwarder")
ROUTING_INTENT = ("PrivateTraffic", "Internet")


def _entries(parent: Fields, key: str) -> Iterator[Fields]:
    for index, item in enumerate(parent.list_of(key)):
        label = item.get("name") if isinstance(item, Mapping) else None
        yield parent.child(key, item, label if isinstance(label, str) else str(index))


def load_sections(top: Fields) -> dict[str, Any]:
    """Keyword arguments for ``Topology`` from the new sections of the file's top level."""
    return {
        "virtual_hubs": tuple(_hub(f) for f in _entries(top, "virtualHubs")),
        "route_servers": tuple(_route_server(f) for f in _entries(top, "routeServers")),
        "network_security_groups": tuple(
            _nsg(f) for f in _entries(top, "networkSecurityGroups")
        ),
        "connectivity_configurations": tuple(
            _connectivity(f) for f in _entries(top, "connectivityConfigurations")
        ),
        "private_dns_zones": tuple(_zone(f) for f in _entries(top, "privateDnsZones")),
        "dns_resolvers": tuple(_resolver(f) for f in _entries(top, "dnsResolvers")),
        "appliances": tuple(_appliance(f) for f in _entries(top, "networkVirtualAppliances")),
        **load_manager_sections(top),
    }


def _appliance(f: Fields) -> NetworkVirtualAppliance:
    f.reject_unknown(("name", "ipAddresses", "snat", "disableSnatOnPL"))
    ips = f.ips("ipAddresses")
    if not ips:
        raise f.error("ipAddresses", "at least one address is required")
    return NetworkVirtualAppliance(
        name=f.string("name"), ips=ips,
        snat=f.flag("snat", False) if f.has("snat") else None,
        disable_snat_on_pl=f.flag("disableSnatOnPL", False),
    )


def _resolver(f: Fields) -> DnsResolver:
    f.reject_unknown(("name", "ipAddress", "virtualNetwork", "forwardTo", "kind"))
    resolver = DnsResolver(
        name=f.string("name"),
        ip=f.ip("ipAddress", required=True) or "",
        virtual_network=f.opt_string("virtualNetwork"),
        forward_to=f.ip("forwardTo"),
        kind=f.choice("kind", RESOLVER_KINDS, "forwarder"),
    )
    if (resolver.virtual_network is None) == (resolver.forward_to is None):
        raise f.error("virtualNetwork", "give virtualNetwork (whose Azure DNS view it answers "
                                        "with) or forwardTo (the server it forwards to)")
    return resolver


def _hub(f: Fields) -> VirtualHub:
    f.reject_unknown(("name", "addressPrefix", "virtualNetworkConnections", "firewall",
                      "firewallPrivateIpAddress", "routingIntent", "branchAddressPrefixes",
                      "virtualRouterIps", "vpnGatewayIpAddresses",
                      "firewallPublicIpAddresses", "privateTrafficPrefixes",
                      "connectionsWithoutInternetSecurity", "effectiveRoutes", "virtualWan",
                      "expressRouteGateway", "expressRouteAddressPrefixes"))
    intent = f.strings("routingIntent")
    for item in intent:
        if item not in ROUTING_INTENT:
            raise f.error("routingIntent", f"{item!r} is not one of {', '.join(ROUTING_INTENT)}")
    return VirtualHub(
        name=f.string("name"),
        address_prefix=f.checked("addressPrefix", f.string("addressPrefix"), parse_cidr),
        connections=f.strings("virtualNetworkConnections"),
        firewall_private_ip=f.ip("firewallPrivateIpAddress"),
        routing_intent=intent,
        branch_prefixes=f.cidrs("branchAddressPrefixes"),
        firewall=f.opt_string("firewall"),
        router_ips=f.ips("virtualRouterIps"),
        vpn_gateway_ips=f.ips("vpnGatewayIpAddresses"),
        firewall_public_ips=f.ips("firewallPublicIpAddresses"),
        private_traffic_prefixes=f.cidrs("privateTrafficPrefixes"),
        without_internet_security=f.strings("connectionsWithoutInternetSecurity"),
        effective_routes=load_hub_route_views(f),
        virtual_wan=f.opt_string("virtualWan", "") or "",
        expressroute_gateway=f.opt_string("expressRouteGateway"),
        expressroute_prefixes=f.cidrs("expressRouteAddressPrefixes"),
    )


def _route_server(f: Fields) -> RouteServer:
    f.reject_unknown(("name", "virtualNetwork", "learnedRoutes", "allowBranchToBranchTraffic"))
    routes = []
    for r in _entries(f, "learnedRoutes"):
        r.reject_unknown(("network", "nextHop", "asPath"))
        routes.append(BgpRoute(
            prefix=r.checked("network", r.string("network"), parse_cidr),
            next_hop_ip=r.ip("nextHop", required=True) or "",
            as_path=r.opt_string("asPath", "") or "",
        ))
    return RouteServer(
        name=f.string("name"),
        vnet=f.string("virtualNetwork"),
        learned_routes=tuple(routes),
        allow_branch_to_branch=f.flag("allowBranchToBranchTraffic", False),
    )


def _nsg(f: Fields) -> NetworkSecurityGroup:
    f.reject_unknown(("name", "subnets", "clients", "securityRules"))
    return NetworkSecurityGroup(
        name=f.string("name"),
        subnets=f.strings("subnets"),
        clients=f.strings("clients"),
        rules=tuple(_rule(r) for r in _entries(f, "securityRules")),
    )


def _rule(f: Fields) -> SecurityRule:
    f.reject_unknown(("name", "priority", "direction", "access", "protocol",
                      "sourceAddressPrefixes", "destinationAddressPrefixes",
                      "destinationPortRanges"))
    priority = f.data.get("priority")
    if not isinstance(priority, int) or isinstance(priority, bool) or not 100 <= priority <= 4096:
        raise f.error("priority", "a whole number from 100 to 4096 is required")
    return SecurityRule(
        name=f.string("name"),
        priority=priority,
        direction=f.choice("direction", ("Inbound", "Outbound"), "Inbound"),
        access=f.choice("access", ("Allow", "Deny"), "Allow"),
        protocol=f.choice("protocol", ("Tcp", "Udp", "Icmp", "*"), "*"),
        source_prefixes=f.strings("sourceAddressPrefixes") or ("*",),
        destination_prefixes=f.strings("destinationAddressPrefixes") or ("*",),
        destination_ports=f.strings("destinationPortRanges") or ("*",),
    )


def _connectivity(f: Fields) -> ConnectivityConfiguration:
    f.reject_unknown(("name", "connectivityTopology", "members", "hub", "directConnectivity",
                      "isGlobal"))
    return ConnectivityConfiguration(
        name=f.string("name"),
        topology=f.choice("connectivityTopology", ("Mesh", "HubAndSpoke"), "Mesh"),
        members=f.strings("members", required=True),
        hub=f.opt_string("hub"),
        direct_connectivity=f.flag("directConnectivity", False),
        is_global=f.flag("isGlobal", False),
    )


def _zone(f: Fields) -> PrivateDnsZone:
    f.reject_unknown(("name", "virtualNetworkLinks", "aRecords"))
    records = []
    for r in _entries(f, "aRecords"):
        r.reject_unknown(("name", "ipv4Address"))
        records.append((r.string("name").lower(), r.ip("ipv4Address", required=True) or ""))
    return PrivateDnsZone(
        name=f.string("name").lower().rstrip("."),
        virtual_network_links=f.strings("virtualNetworkLinks"),
        a_records=tuple(records),
    )


# ---------------------------------------------------------------------------------- dump


def dump_sections(t: Topology, compact: Any) -> list[tuple[str, Any, Any]]:
    """``(key, value, default)`` triples for the dump, in the file's section order."""
    return [
        ("virtualHubs", [compact([
            ("name", h.name, None), ("addressPrefix", h.address_prefix, None),
            ("virtualNetworkConnections", h.connections, ()),
            ("firewallPrivateIpAddress", h.firewall_private_ip, None),
            ("routingIntent", h.routing_intent, ()),
            ("branchAddressPrefixes", h.branch_prefixes, ()),
            ("firewall", h.firewall, None), ("virtualRouterIps", h.router_ips, ()),
            ("vpnGatewayIpAddresses", h.vpn_gateway_ips, ()),
            ("firewallPublicIpAddresses", h.firewall_public_ips, ()),
            ("privateTrafficPrefixes", h.private_traffic_prefixes, ()),
            ("connectionsWithoutInternetSecurity", h.without_internet_security, ()),
            ("effectiveRoutes", dump_hub_route_views(h.effective_routes, compact), []),
            ("virtualWan", h.virtual_wan, ""),
            ("expressRouteGateway", h.expressroute_gateway, None),
            ("expressRouteAddressPrefixes", h.expressroute_prefixes, ()),
        ]) for h in t.virtual_hubs], []),
        ("routeServers", [compact([
            ("name", r.name, None), ("virtualNetwork", r.vnet, None),
            ("learnedRoutes", [compact([("network", b.prefix, None),
                                        ("nextHop", b.next_hop_ip, None),
                                        ("asPath", b.as_path, "")]) for b in r.learned_routes],
             []),
            ("allowBranchToBranchTraffic", r.allow_branch_to_branch, False),
        ]) for r in t.route_servers], []),
        ("networkSecurityGroups", [compact([
            ("name", n.name, None), ("subnets", n.subnets, ()), ("clients", n.clients, ()),
            ("securityRules", [_dump_rule(r, compact) for r in n.rules], []),
        ]) for n in t.network_security_groups], []),
        ("connectivityConfigurations", [compact([
            ("name", c.name, None), ("connectivityTopology", c.topology, "Mesh"),
            ("members", c.members, None), ("hub", c.hub, None),
            ("directConnectivity", c.direct_connectivity, False),
            ("isGlobal", c.is_global, False),
        ]) for c in t.connectivity_configurations], []),
        ("privateDnsZones", [compact([
            ("name", z.name, None), ("virtualNetworkLinks", z.virtual_network_links, ()),
            ("aRecords", [{"name": n, "ipv4Address": ip} for n, ip in z.a_records], []),
        ]) for z in t.private_dns_zones], []),
        ("dnsResolvers", [compact([
            ("name", r.name, None), ("ipAddress", r.ip, None),
            ("virtualNetwork", r.virtual_network, None), ("forwardTo", r.forward_to, None),
            ("kind", r.kind, "forwarder"),
        ]) for r in t.dns_resolvers], []),
        ("networkVirtualAppliances", [compact([
            ("name", a.name, None), ("ipAddresses", a.ips, None), ("snat", a.snat, None),
            ("disableSnatOnPL", a.disable_snat_on_pl, False),
        ]) for a in t.appliances], []),
        *dump_manager_sections(t, compact),
    ]


def _dump_rule(r: SecurityRule, compact: Any) -> dict[str, Any]:
    return dict(compact([
        ("name", r.name, None), ("priority", r.priority, None),
        ("direction", r.direction, "Inbound"), ("access", r.access, "Allow"),
        ("protocol", r.protocol, "*"),
        ("sourceAddressPrefixes", r.source_prefixes, ("*",)),
        ("destinationAddressPrefixes", r.destination_prefixes, ("*",)),
        ("destinationPortRanges", r.destination_ports, ("*",)),
    ]))
