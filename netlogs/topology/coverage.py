"""What the topology holds that the route model does not evaluate: one ``TopologyGap`` each.

The model never ignores a construct silently. Each gap names the construct, the resource that
holds it and the VNets whose routes or hops it could change (``scope``; empty = any path). The
routing index lowers every route of those VNets to ``low`` and ``path`` lists the gaps a path
touches as ``unevaluated``; the trace reports them as ``topology`` gaps.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from netlogs.topology.model import Topology, TopologyGap

# Constructs that cannot change an IPv4 path (the model walks IPv4 only and says so for IPv6).
IPV4_NEUTRAL = frozenset({"ipv6_prefix"})
# Constructs about name resolution: they change which address a vault name gives, not routes.
DNS_CONSTRUCTS = frozenset({"dns_not_described", "custom_dns_servers"})
PRIVATELINK_ZONE = "privatelink.vaultcore.azure.net"


def with_coverage_gaps(topology: Topology) -> Topology:
    """The topology with its unevaluated constructs added to ``gaps`` (idempotent)."""
    gaps = coverage_gaps(topology)
    return topology if gaps == topology.gaps else replace(topology, gaps=gaps)


def recorded_gaps(topology: Topology) -> tuple[TopologyGap, ...]:
    """The gaps a file must keep: those the model cannot derive again from the constructs
    themselves (import warnings such as references outside the input). Derived gaps are left
    out, so a file whose construct is later described loses its gap with it."""
    derived = {(g.construct, g.resource) for g in coverage_gaps(replace(topology, gaps=()))}
    return tuple(g for g in topology.gaps if (g.construct, g.resource) not in derived)


def coverage_gaps(topology: Topology) -> tuple[TopologyGap, ...]:
    """``topology.gaps`` plus a gap for every construct the model does not evaluate."""
    found = [
        *_ipv6(topology),
        *_unknown_peerings(topology),
        *_virtual_wan(topology),
        *_route_servers(topology),
        *_nsgs(topology),
        *_dns(topology),
        *_manager_routing(topology),
        *_admin_rules_on_appliances(topology),
    ]
    seen = {(g.construct, g.resource) for g in topology.gaps}
    extra = []
    for gap in found:
        if (gap.construct, gap.resource) not in seen:
            seen.add((gap.construct, gap.resource))
            extra.append(gap)
    return topology.gaps + tuple(extra)


def _ipv6(topology: Topology) -> list[TopologyGap]:
    gaps = []
    for vnet in topology.vnets:
        prefixes = [*vnet.address_prefixes, *(p for s in vnet.subnets for p in s.address_prefixes)]
        if any(":" in p for p in prefixes):
            gaps.append(TopologyGap(
                "ipv6_prefix", vnet.name,
                "IPv6 address space (dual stack): IPv6 routes are not computed, only IPv4",
                (vnet.name,)))
    for table in topology.route_tables:
        if any(":" in r.address_prefix or ":" in (r.next_hop_ip or "") for r in table.routes):
            gaps.append(TopologyGap(
                "ipv6_prefix", table.name,
                "IPv6 address space (dual stack): IPv6 routes are not computed, only IPv4"))
    return gaps


def _unknown_peerings(topology: Topology) -> list[TopologyGap]:
    known = {v.name for v in topology.vnets}
    connected = {name for hub in topology.virtual_hubs for name in hub.connections}
    gaps = []
    for vnet in topology.vnets:
        for peering in vnet.peerings:
            hub = peering.remote_vnet.rpartition("/")[2].startswith("HV_")
            if peering.remote_vnet in known or (hub and vnet.name in connected):
                continue  # a modelled hub connection stands for the HV_ peering
            gaps.append(TopologyGap(
                "virtual_hub_connection" if hub else "peering_to_unknown_vnet",
                f"{vnet.name}/{peering.name}",
                "Virtual WAN hub connection (HV_ peering): the hub's routes are not in the input"
                if hub else "peering to a VNet outside the input: its routes are not known",
                (vnet.name,)))
    return gaps


def _virtual_wan(topology: Topology) -> list[TopologyGap]:
    """Hubs, branch routing under routing intent and routes between the hubs of the input are
    modelled; what is not: connections to VNets outside the input, routes through a hub that
    is not in the input, an ExpressRoute gateway whose on-premises prefixes are unknown."""
    known = {v.name for v in topology.vnets}
    gaps = []
    for hub in topology.virtual_hubs:
        missing = [c for c in hub.connections if c not in known]
        if missing:
            gaps.append(TopologyGap(
                "virtual_hub_connection", f"{hub.name}: {', '.join(missing)}",
                "hub connection to a VNet outside the input: its routes are not known",
                tuple(hub.connections)))
        rows = [r.next_hop_type for v in hub.effective_routes for r in v.routes]
        peers = [h for h in topology.virtual_hubs
                 if h.name != hub.name and h.virtual_wan == hub.virtual_wan]
        if "Remote Hub" in rows and not peers:
            gaps.append(TopologyGap(
                "virtual_wan_inter_hub", f"{hub.name} (Remote Hub routes)",
                "routes through another Virtual WAN hub that is not in the input",
                tuple(hub.connections)))
        if hub.expressroute_gateway and not hub.expressroute_prefixes and (
                "ExpressRouteGateway" not in rows):
            gaps.append(TopologyGap(
                "virtual_hub_expressroute", f"{hub.name}/{hub.expressroute_gateway}",
                "hub ExpressRoute gateway whose on-premises prefixes are not known (give "
                "expressRouteAddressPrefixes or the hub's effective routes)",
                (*hub.connections, f"{hub.name}/GatewaySubnet")))
    return gaps


def _route_servers(topology: Topology) -> list[TopologyGap]:
    """Learned routes are modelled; branch-to-branch exchange with gateways is not."""
    gaps = []
    for server in topology.route_servers:
        if not server.allow_branch_to_branch:
            continue
        spokes = tuple(
            v.name for v in topology.vnets
            if any(p.remote_vnet == server.vnet and p.use_remote_gateways for p in v.peerings)
        )
        gaps.append(TopologyGap(
            "route_server_branch_to_branch", server.name,
            "Route Server branch-to-branch exchange with the VPN/ExpressRoute gateway is not "
            "evaluated", (server.vnet, *spokes)))
    return gaps


def _nsgs(topology: Topology) -> list[TopologyGap]:
    """NSGs are evaluated leaving the client and arriving at the target; not on the subnet of
    an appliance the traffic crosses (a UDR's next hop)."""
    hops = {ipaddress.ip_address(r.next_hop_ip) for t in topology.route_tables for r in t.routes
            if r.next_hop_ip}
    subnets = {s.ref: s for v in topology.vnets for s in v.subnets}
    gaps = []
    for nsg in topology.network_security_groups:
        crossed = sorted(ref for ref in nsg.subnets if ref in subnets and any(
            hop in ipaddress.ip_network(p) for p in subnets[ref].address_prefixes for hop in hops
            if hop.version == ipaddress.ip_network(p).version))
        if crossed:
            gaps.append(TopologyGap(
                "network_security_group_on_appliance", nsg.name,
                "network security group on the subnet of an appliance traffic is routed through "
                "is not evaluated", tuple(crossed)))
    return gaps


def _manager_routing(topology: Topology) -> list[TopologyGap]:
    """AVNM routing rules for one destination with different next hops on one subnet: Azure
    applies one of them at random."""
    tables = {t.name: t for t in topology.route_tables}
    gaps = []
    for vnet in topology.vnets:
        for subnet in vnet.subnets:
            collections = [c for c in topology.routing_rules
                           if vnet.name in c.members or subnet.ref in c.members]
            if not collections:
                continue
            own = tables.get(subnet.route_table or "")
            hops: dict[str, set[tuple[str, str | None]]] = {}
            added = (r for c in collections for r in c.routes)
            for route in (*(own.routes if own else ()), *added):
                hops.setdefault(route.address_prefix, set()).add(
                    (route.next_hop_type, route.next_hop_ip))
            for prefix, found in sorted(hops.items()):
                if len(found) > 1:
                    gaps.append(TopologyGap(
                        "avnm_routing_conflict", f"{subnet.ref} {prefix}",
                        "routes for one destination with different next hops from a Virtual "
                        "Network Manager routing configuration: Azure applies one of them",
                        (vnet.name,)))
    return gaps


def _admin_rules_on_appliances(topology: Topology) -> list[TopologyGap]:
    """Admin rules apply to every NIC of a member VNet, also an appliance's the traffic crosses
    on its way (Azure Firewall subnets are exempt); the walk does not evaluate them there."""
    firewall_ips = {f.private_ip for f in topology.firewalls}
    hops = {ipaddress.ip_address(r.next_hop_ip)
            for r in (*(r for t in topology.route_tables for r in t.routes),
                      *(r for c in topology.routing_rules for r in c.routes))
            if r.next_hop_ip and r.next_hop_ip not in firewall_ips}
    vnets = {v.name: v for v in topology.vnets}
    gaps = []
    for collection in topology.security_admin_rules:
        for member in collection.members:
            vnet = vnets.get(member)
            crossed = tuple(s.ref for s in (vnet.subnets if vnet else ()) if any(
                hop in ipaddress.ip_network(p) for p in s.address_prefixes for hop in hops
                if hop.version == ipaddress.ip_network(p).version))
            if crossed:
                gaps.append(TopologyGap(
                    "security_admin_rule_on_appliance", f"{collection.name} on {member}",
                    "security admin rules on the subnet of an appliance traffic is routed "
                    "through are not evaluated there", crossed))
    return gaps


def _dns(topology: Topology) -> list[TopologyGap]:
    """Vault names resolved by assumption: no private DNS zone described, or custom servers."""
    if not topology.private_endpoints:
        return []
    undecided = not topology.clients or any(c.uses_private_dns is None for c in topology.clients)
    zone = any(z.name == PRIVATELINK_ZONE for z in topology.private_dns_zones)
    if undecided and not zone:
        return [TopologyGap(
            "dns_not_described", PRIVATELINK_ZONE,
            "name resolution of the vaults is not described (no private DNS zone, clients "
            "without usesPrivateDns): resolving to the private endpoint is assumed")]
    described = {r.ip for r in topology.dns_resolvers}
    return [
        TopologyGap(
            "custom_dns_servers", vnet.name,
            f"custom DNS servers {', '.join(vnet.dns_servers)}: what they answer for the "
            "vault name is not evaluated (private endpoint assumed)")
        for vnet in topology.vnets if vnet.dns_servers and vnet.dns_servers[0] not in described
    ]


def affects_ipv4_routes(gap: TopologyGap) -> bool:
    """Whether the gap can change an IPv4 route or hop (DNS gaps change the target instead)."""
    return gap.construct not in IPV4_NEUTRAL and gap.construct not in DNS_CONSTRUCTS
