"""Azure Virtual Network Manager connectivity (semantics part 2, §3.1).

Hub-and-spoke configurations create ordinary peerings hub <-> spoke (added here when the input
lists only the configuration). A mesh, and the spokes of a hub-and-spoke with direct
connectivity, form a connected group: each member VNet gets a ``ConnectedGroup`` route for every
other member's ranges, within its region unless the configuration is global. Address space
that overlaps between members is removed from the group (Azure's "Allowed" overlap setting).
"""

from __future__ import annotations

from dataclasses import replace

from netlogs.topology.model import ConnectivityConfiguration, Peering, Topology, VirtualNetwork


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
