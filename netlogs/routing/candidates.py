"""Every route a subnet could have, before Active/Invalid is decided (semantics §1.1).

Routes that are the same for all subnets of a VNet (VnetLocal, peering, private endpoint /32s,
defaults) are built once per VNet; the subnet adds its service endpoints, gateway routes and UDRs.
"""

from __future__ import annotations

from netlogs.model import Confidence
from netlogs.routing.candidate import Candidate, copy_candidate
from netlogs.routing.hub_candidates import hub_routes, hub_subnet_routes
from netlogs.routing.index import GATEWAY_SUBNET, RoutingIndex
from netlogs.routing.prefixes import covers, format_prefix, parse_prefix
from netlogs.routing.types import (
    CONNECTED_GROUP,
    DEFAULT,
    GATEWAY,
    INTERFACE_ENDPOINT,
    INTERNET,
    KEY_VAULT_SERVICE,
    NONE,
    SERVICE_ENDPOINT,
    UNKNOWN_PUBLIC_ADDRESS,
    USER,
    VIRTUAL_APPLIANCE,
    VIRTUAL_NETWORK_GATEWAY,
    VNET_GLOBAL_PEERING,
    VNET_LOCAL,
    VNET_PEERING,
)
from netlogs.topology.model import Route, Subnet, VirtualNetwork, VirtualNetworkGateway


def _system(prefix_text: str, next_hop_type: str, name: str = "") -> list[Candidate]:
    parsed = parse_prefix(prefix_text)
    if parsed is None:  # IPv6 ranges are not modelled
        return []
    return [Candidate(DEFAULT, parsed, _canonical(parsed), next_hop_type, name=name)]


def _canonical(parsed: tuple[int, int]) -> str:
    return format_prefix(*parsed)


def vnet_candidates(index: RoutingIndex, vnet: VirtualNetwork) -> tuple[Candidate, ...]:
    """Routes every subnet of V shares (cached on the index; callers must not mutate them)."""
    key = "vnet:" + vnet.name
    cached = index.cache.get(key)
    if isinstance(cached, tuple):
        return cached
    routes: list[Candidate] = []
    for text in vnet.address_prefixes:
        routes += _system(text, VNET_LOCAL)
    for peering in index.peers.get(vnet.name, ()):
        remote = index.vnets[peering.remote_vnet]
        global_ = bool(vnet.region and remote.region and vnet.region != remote.region)
        kind = VNET_GLOBAL_PEERING if global_ else VNET_PEERING
        for text in remote.address_prefixes:
            routes += _system(text, kind, peering.name)
    for pe_vnet in (vnet.name, *(p.remote_vnet for p in index.peers.get(vnet.name, ()))):
        for pe in index.pes_by_vnet.get(pe_vnet, ()):
            routes += _system(pe.ip + "/32", INTERFACE_ENDPOINT, pe.name)
    routes += _connected_group(index, vnet)
    routes += _system("0.0.0.0/0", INTERNET)
    routes += _reserved_none(index, vnet)
    result = tuple(routes)
    index.cache[key] = result
    return result


def _connected_group(index: RoutingIndex, vnet: VirtualNetwork) -> list[Candidate]:
    """``ConnectedGroup`` routes to the other members' ranges; overlapping space is removed."""
    members = index.group_members.get(vnet.name, ())
    if not members:
        return []
    own = [p for p in map(parse_prefix, vnet.address_prefixes) if p is not None]
    offered: list[tuple[tuple[int, int], str, str]] = []
    for other, config in members:
        for text in index.vnets[other].address_prefixes:
            parsed = parse_prefix(text)
            if parsed is not None:
                offered.append((parsed, config, other))
    routes = []
    for parsed, config, member in offered:
        rivals = [o for o, _, m in offered if m != member]
        if not any(_overlap(p, parsed) for p in own + rivals):
            routes.append(Candidate(DEFAULT, parsed, _canonical(parsed), CONNECTED_GROUP,
                                    name=config))
    return routes


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return covers(a, b) or covers(b, a)


def _reserved_none(index: RoutingIndex, vnet: VirtualNetwork) -> list[Candidate]:
    """Reserved ranges stay a ``None`` route unless a VNet range equals or contains them."""
    ranges = [p for p in (parse_prefix(t) for t in vnet.address_prefixes) if p is not None]
    routes: list[Candidate] = []
    for text in index.topology.reserved_none_prefixes:
        reserved = parse_prefix(text)
        if reserved is not None and not any(covers(r, reserved) for r in ranges):
            routes += _system(text, NONE)
    return routes


def subnet_candidates(index: RoutingIndex, subnet: Subnet) -> list[Candidate]:
    """All candidate routes of one subnet (fresh objects, safe to mutate)."""
    vnet = index.vnets[subnet.vnet]
    routes = [copy_candidate(c) for c in vnet_candidates(index, vnet)]
    for service in subnet.service_endpoints:
        for text in index.service_prefixes.get(service, ()):
            routes += _system(text, SERVICE_ENDPOINT, service)
        if service == KEY_VAULT_SERVICE and not index.service_prefixes.get(service):
            routes += _assumed_key_vault_endpoint(index)
    table = index.route_table_of(subnet)
    propagate = table is None or not table.disable_bgp_route_propagation
    # The gateway's own subnet does not list the routes the gateway learns (E04-E08 tables).
    routes, replaced = hub_subnet_routes(index, subnet, routes)
    if propagate and subnet.name != GATEWAY_SUBNET:
        for gateway in index.remote_gateways(subnet.vnet):
            if not (replaced and gateway.name in index.hub_gateway_names):
                routes += gateway_routes(gateway)
        routes += [copy_candidate(c) for c in hub_routes(index, subnet.vnet)]
        routes += [copy_candidate(c) for c in route_server_routes(index, subnet.vnet)]
    if table is not None:
        routes += _user_routes(index, table.routes)
    return _drop_reserved_none(index, routes)


def _assumed_key_vault_endpoint(index: RoutingIndex) -> list[Candidate]:
    """A Key Vault service endpoint whose prefixes are unknown (what ``az`` exports): assumed to
    cover every public vault address, at medium confidence (``--service-tags`` fills them)."""
    addresses = sorted({ip for v in index.topology.key_vaults for ip in v.public_ips}
                       | {UNKNOWN_PUBLIC_ADDRESS})
    routes = []
    for address in addresses:
        for c in _system(address + "/32", SERVICE_ENDPOINT, KEY_VAULT_SERVICE):
            c.confidence = Confidence.MEDIUM
            c.reason = ("service endpoint prefixes unknown: assumed to cover the vault's public "
                        "address (give --service-tags for the AzureKeyVault prefixes)")
            routes.append(c)
    return routes


def route_server_routes(index: RoutingIndex, vnet: str) -> tuple[Candidate, ...]:
    """Routes the VNet's (or its transit hub's) Route Server learned from NVAs, keeping their
    next-hop addresses: per prefix the shortest AS path wins, equal ones are ECMP rows."""
    servers = index.remote_route_servers(vnet)
    if not servers:
        return ()
    key = "ars:" + vnet
    cached = index.cache.get(key)
    if isinstance(cached, tuple):
        return cached
    best: dict[tuple[int, int], tuple[int, list[tuple[str, str]]]] = {}
    for server in servers:
        for learned in server.learned_routes:
            parsed = parse_prefix(learned.prefix)
            if parsed is None:
                continue
            length = len(learned.as_path.split())
            known = best.get(parsed)
            if known is None or length < known[0]:
                best[parsed] = (length, [(learned.next_hop_ip, server.name)])
            elif length == known[0] and all(ip != learned.next_hop_ip for ip, _ in known[1]):
                known[1].append((learned.next_hop_ip, server.name))
    result = tuple(
        Candidate(GATEWAY, parsed, format_prefix(*parsed), VIRTUAL_NETWORK_GATEWAY,
                  next_hop_ips=(ip,), name=name)
        for parsed, (_length, hops) in sorted(best.items()) for ip, name in hops
    )
    index.cache[key] = result
    return result


def gateway_routes(gateway: VirtualNetworkGateway) -> list[Candidate]:
    """One route per on-premises prefix and next-hop IP (several IPs = ECMP rows)."""
    hops: list[tuple[tuple[str, ...], Confidence]]
    if gateway.active_active or gateway.gateway_type == "ExpressRoute":
        hops = [((ip,), Confidence.HIGH) for ip in gateway.instance_ips]
    elif gateway.public_ip:
        hops = [((gateway.public_ip,), Confidence.MEDIUM)]  # active/standby VPN [M]
    else:
        hops = []
    if not hops:  # shows as next hop "None" in Azure: gateway not running / not configured
        hops = [((), Confidence.MEDIUM)]
    routes: list[Candidate] = []
    seen: set[tuple[int, int]] = set()
    for text in (*gateway.learned_prefixes, *gateway.local_network_prefixes):
        parsed = parse_prefix(text)
        if parsed is None or parsed in seen:
            continue
        seen.add(parsed)
        for ips, confidence in hops:
            routes.append(
                Candidate(
                    GATEWAY, parsed, _canonical(parsed), VIRTUAL_NETWORK_GATEWAY,
                    next_hop_ips=ips, name=gateway.name, confidence=confidence,
                )
            )
    return routes


def _user_routes(index: RoutingIndex, routes: tuple[Route, ...]) -> list[Candidate]:
    """UDRs; a service-tag prefix expands to one route per tag prefix (explicit ones win ties)."""
    result: list[Candidate] = []
    for route in routes:
        ips = (route.next_hop_ip,) if route.next_hop_ip else ()
        parsed = parse_prefix(route.address_prefix)
        tagged = route.address_prefix if parsed is None else None
        texts = index.service_prefixes.get(tagged, ()) if tagged else (route.address_prefix,)
        for text in texts:
            prefix = parse_prefix(text)
            if prefix is not None:
                result.append(
                    Candidate(
                        USER, prefix, format_prefix(*prefix), route.next_hop_type,
                        next_hop_ips=ips, name=route.name, tag=tagged is not None,
                    )
                )
    return result


def _drop_reserved_none(index: RoutingIndex, routes: list[Candidate]) -> list[Candidate]:
    """A UDR (or, by option, BGP) 0.0.0.0/0 removes the reserved None routes (semantics §1.1)."""
    options = index.options
    user_default = any(
        r.source == USER and r.length == 0
        and r.next_hop_type in (VIRTUAL_APPLIANCE, VIRTUAL_NETWORK_GATEWAY)
        for r in routes
    )
    bgp_default = any(r.source == GATEWAY and r.length == 0 for r in routes)
    drop = (user_default and options.drop_reserved_none_when_user_default_route) or (
        bgp_default and options.drop_reserved_none_when_bgp_default_route
    )
    reserved = {p for p in (parse_prefix(t) for t in index.topology.reserved_none_prefixes) if p}
    kept: list[Candidate] = []
    for route in routes:
        is_reserved = route.source == DEFAULT and route.next_hop_type == NONE and (
            (route.network, route.length) in reserved
        )
        if is_reserved and drop:
            continue
        if is_reserved and bgp_default and not user_default:
            route.confidence = Confidence.MEDIUM
            route.reason = "kept next to a BGP 0.0.0.0/0 (no evidence either way)"
        kept.append(route)
    return kept
