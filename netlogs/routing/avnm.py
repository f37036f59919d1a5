"""Azure Virtual Network Manager connectivity and routing.

Hub-and-spoke configurations create ordinary peerings hub <-> spoke (added here when the input
lists only the configuration). A mesh, and the spokes of a hub-and-spoke with direct
connectivity, form a connected group: each member VNet gets a ``ConnectedGroup`` route for every
other member's ranges, within its region unless the configuration is global. Address space
that overlaps between members is removed from the group (Azure's "Allowed" overlap setting).

A routing configuration deploys ordinary UDRs: AVNM replaces a target subnet's route table with
a managed one holding the subnet's own routes and the configuration's (a rule equal to a route
already there is not added; conflicting rules are a topology gap, see ``coverage``).
"""

from __future__ import annotations

from dataclasses import replace

from netlogs.topology.model import (
    ConnectivityConfiguration,
    Peering,
    Route,
    RouteTable,
    RoutingRuleCollection,
    Subnet,
    Topology,
    VirtualNetwork,
)


def expand_hub_and_spoke(topology: Topology) -> Topology:
    """Add the hub <-> spoke peerings a hub-and-spoke configuration creates, where missing."""
    wanted: dict[str, list[str]] = {}
    for config in topology.connectivity_configurations:
        if config.topology == "HubAndSpoke" and config.hub:
            for spoke in config.members:
                if spoke != config.hub:
                    wanted.setdefault(config.hub, []).append(spoke)
                    wanted.setdefault(spoke, []).append(config.hub)
    if not wanted:
        return topology
    return replace(topology, vnets=tuple(_with_peerings(v, wanted.get(v.name, []))
                                         for v in topology.vnets))


def _with_peerings(vnet: VirtualNetwork, remotes: list[str]) -> VirtualNetwork:
    have = {p.remote_vnet for p in vnet.peerings}
    added = tuple(Peering(f"avnm-{vnet.name}-to-{r}", r) for r in remotes if r not in have)
    return replace(vnet, peerings=vnet.peerings + added) if added else vnet


def connected_group_members(topology: Topology) -> dict[str, tuple[tuple[str, str], ...]]:
    """VNet name -> (other member VNet, configuration name) pairs it reaches by ConnectedGroup."""
    vnets = {v.name: v for v in topology.vnets}
    result: dict[str, list[tuple[str, str]]] = {}
    for config in topology.connectivity_configurations:
        group = _group_of(config)
        for member in group:
            for other in group:
                if other != member and _same_scope(vnets, member, other, config):
                    result.setdefault(member, []).append((other, config.name))
    return {name: tuple(pairs) for name, pairs in result.items()}


def _group_of(config: ConnectivityConfiguration) -> tuple[str, ...]:
    if config.topology == "Mesh":
        return config.members
    if config.direct_connectivity:
        return tuple(m for m in config.members if m != config.hub)
    return ()


def _same_scope(vnets: dict[str, VirtualNetwork], a: str, b: str,
                config: ConnectivityConfiguration) -> bool:
    if a not in vnets or b not in vnets:
        return False
    if config.is_global:
        return True
    left, right = vnets[a].region, vnets[b].region
    return not left or not right or left == right


def expand_routing_rules(topology: Topology) -> Topology:
    """Each subnet an AVNM routing rule collection targets gets its managed route table."""
    targets = _routing_targets(topology)
    if not targets:
        return topology
    tables = {t.name: t for t in topology.route_tables}
    added: list[RouteTable] = []
    vnets = []
    for vnet in topology.vnets:
        subnets = []
        for subnet in vnet.subnets:
            collections = targets.get(subnet.ref)
            if not collections:
                subnets.append(subnet)
                continue
            table = _managed_table(subnet, tables.get(subnet.route_table or ""), collections)
            added.append(table)
            subnets.append(replace(subnet, route_table=table.name))
        vnets.append(replace(vnet, subnets=tuple(subnets)))
    return replace(topology, vnets=tuple(vnets), route_tables=topology.route_tables + tuple(added))


def _routing_targets(topology: Topology) -> dict[str, list[RoutingRuleCollection]]:
    by_vnet = {v.name: v for v in topology.vnets}
    targets: dict[str, list[RoutingRuleCollection]] = {}
    for collection in topology.routing_rules:
        for member in collection.members:
            refs = ([member] if "/" in member else
                    [s.ref for s in by_vnet[member].subnets] if member in by_vnet else [])
            for ref in refs:
                targets.setdefault(ref, []).append(collection)
    return targets


def _managed_table(subnet: Subnet, own: RouteTable | None,
                   collections: list[RoutingRuleCollection]) -> RouteTable:
    routes: list[Route] = list(own.routes) if own else []
    for collection in collections:
        for route in collection.routes:
            if any(_same(route, r) for r in routes):
                continue  # equal to a route already there: not added
            routes.append(replace(route, name=f"{collection.name}.{route.name}"))
    configurations = "+".join(dict.fromkeys(c.configuration or c.name for c in collections))
    return RouteTable(
        f"avnm-{configurations}-{subnet.vnet}-{subnet.name}", tuple(routes),
        (own is not None and own.disable_bgp_route_propagation)
        or any(c.disable_bgp_route_propagation for c in collections))


def _same(a: Route, b: Route) -> bool:
    return (a.address_prefix, a.next_hop_type, a.next_hop_ip) == (
        b.address_prefix, b.next_hop_type, b.next_hop_ip)
