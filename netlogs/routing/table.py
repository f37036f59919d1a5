"""Active / Invalid for every candidate route of a subnet (semantics §1.2 and §2.3)."""

from __future__ import annotations

from collections import defaultdict

from netlogs.model import Confidence
from netlogs.routing.candidate import Candidate
from netlogs.routing.candidates import subnet_candidates
from netlogs.routing.hub_routes import intent_route_name
from netlogs.routing.hub_subnets import BRANCH_PE_NOTE, PE_32_NOTE, listed_endpoint_32s
from netlogs.routing.index import GATEWAY_SUBNET, RoutingIndex, index_for
from netlogs.routing.lookup import PrefixMap, RouteLookup, select_best
from netlogs.routing.types import (
    ACTIVE,
    DEFAULT,
    GATEWAY,
    INTERFACE_ENDPOINT,
    INTERNET,
    INVALID,
    NONE,
    POLICIES_WITH_ROUTE_TABLES,
    PROTECTED_FROM_BGP,
    SERVICE_ENDPOINT,
    SOURCE_PRIORITY,
    USER,
    VNET_LOCAL,
    EffectiveRoute,
    RoutingOptions,
)
from netlogs.topology.model import Subnet, Topology


def effective_routes(
    topology: Topology, subnet_ref: str, options: RoutingOptions | None = None
) -> tuple[EffectiveRoute, ...]:
    """The effective route table of any subnet ``vnet/subnet``, sorted like ``az`` prints it.

    Works for subnets Azure never shows routes for (GatewaySubnet, AzureFirewallSubnet, App
    Service integration and empty subnets). Raises ConfigError for an unknown subnet.
    """
    return routes_of(index_for(topology, options), subnet_ref)


def routes_of(index: RoutingIndex, subnet_ref: str) -> tuple[EffectiveRoute, ...]:
    """Effective routes through a prebuilt index (cached per subnet)."""
    key = "routes:" + subnet_ref
    cached = index.cache.get(key)
    if isinstance(cached, tuple):
        return cached
    subnet = index.subnet(subnet_ref)
    candidates = subnet_candidates(index, subnet)
    _resolve_groups(candidates, index.options)
    _apply_private_endpoint_policies(index, candidates)
    _flag_branch_endpoints(index, subnet, candidates)
    _flag_gateway_subnet_exact_32(index, subnet, candidates)
    _lower_for_unevaluated(index, subnet, candidates)
    result = tuple(_to_route(c) for c in sorted(candidates, key=_az_order))
    index.cache[key] = result
    return result


def lookup_of(index: RoutingIndex, subnet_ref: str) -> RouteLookup:
    """The compiled LPM table of a subnet (cached)."""
    key = "lookup:" + subnet_ref
    cached = index.cache.get(key)
    if isinstance(cached, RouteLookup):
        return cached
    lookup = RouteLookup(routes_of(index, subnet_ref), index.options)
    index.cache[key] = lookup
    return lookup


def _resolve_groups(candidates: list[Candidate], options: RoutingOptions) -> None:
    """Same exact prefix: User > VirtualNetworkGateway > Default; the losers are Invalid."""
    groups: dict[tuple[int, int], list[Candidate]] = defaultdict(list)
    for c in candidates:
        groups[(c.network, c.length)].append(c)
    for group in groups.values():
        if len(group) > 1:
            _resolve_group(group, options)


def _resolve_group(group: list[Candidate], options: RoutingOptions) -> None:
    service = [c for c in group if c.next_hop_type == SERVICE_ENDPOINT]
    users = [c for c in group if c.source == USER]
    if service and users:  # contested [L]: 2018 wording let the service endpoint win
        for c in (*service, *users):
            c.confidence = Confidence.LOW
    protected = [c for c in group if c.source == DEFAULT and c.next_hop_type in PROTECTED_FROM_BGP]
    bgp_only = not users and any(c.source == GATEWAY for c in group)
    if service and users and options.service_endpoint_beats_equal_udr:
        winners = service
    elif protected and bgp_only and options.system_routes_beat_more_specific_bgp:
        winners = protected  # VNet, peering and service endpoint routes beat equal BGP ones too
    else:
        top = max(SOURCE_PRIORITY.get(c.source, 0) for c in group)
        winners = [c for c in group if SOURCE_PRIORITY.get(c.source, 0) == top]
        explicit = [c for c in winners if not c.tag]
        winners = explicit or winners  # explicit prefix beats a service-tag UDR on a tie
    winner = winners[0]
    label = winner.name or winner.next_hop_type
    for c in group:
        if all(c is not w for w in winners):
            c.state = INVALID
            c.reason = f"overridden by {winner.source} route {label} with the same prefix"


def _apply_private_endpoint_policies(index: RoutingIndex, candidates: list[Candidate]) -> None:
    """§2.3: with route-table policies on the PE's subnet, a /32 whose best other match is a
    User route is Invalid (so 0.0.0.0/0 or 10.0.0.0/8 UDRs never invalidate it)."""
    pes = [
        c for c in candidates
        if c.next_hop_type == INTERFACE_ENDPOINT and c.state == ACTIVE
        and index.pe_policies.get(c.name) in POLICIES_WITH_ROUTE_TABLES
    ]
    if not pes or not any(c.source == USER and c.state == ACTIVE for c in candidates):
        return
    others: PrefixMap[Candidate] = PrefixMap()
    for c in candidates:
        if c.state == ACTIVE and c.next_hop_type != INTERFACE_ENDPOINT:
            others.add(c.network, c.length, c)
    for c in pes:
        best, _note = select_best(others.matches(c.network), index.options)
        if best and best[0].source == USER:
            _invalidate_pe(index, c, best[0])


def _invalidate_pe(index: RoutingIndex, route: Candidate, by: Candidate) -> None:
    pe = index.private_endpoints[route.name]
    policies = index.pe_policies[route.name]
    route.state = INVALID
    route.reason = (
        f"network policies {policies} on {pe.subnet}; best other match {by.prefix} is "
        f"User route {by.name}"
    )
    pe_vnet = index.vnets.get(pe.subnet.partition("/")[0])
    multi_range = pe_vnet is not None and len(pe_vnet.address_prefixes) > 1
    if multi_range or by.next_hop_type in (NONE, VNET_LOCAL):
        route.confidence = Confidence.MEDIUM  # exotic cases of §2.3 are [M]


def _flag_branch_endpoints(index: RoutingIndex, subnet: Subnet,
                           candidates: list[Candidate]) -> None:
    """Private endpoint /32s on a hub's GatewaySubnet under a Private routing-intent policy: the
    outcome is documented, the mechanism inferred (medium); a /32 also listed as an additional
    private prefix is documented both ways (D1, low)."""
    hub = index.hubs.get(subnet.vnet)
    if hub is None or subnet.name != GATEWAY_SUBNET or not any(
            c.name == intent_route_name(hub) for c in candidates):
        return
    listed = listed_endpoint_32s(hub, set(index.pe_by_ip))
    for c in candidates:
        if c.next_hop_type != INTERFACE_ENDPOINT:
            continue
        pe = index.private_endpoints.get(c.name)
        doubt = pe is not None and pe.ip in listed
        c.confidence = Confidence.LOW if doubt else Confidence.MEDIUM
        note = PE_32_NOTE if doubt else BRANCH_PE_NOTE
        c.reason = f"{c.reason}; {note}" if c.reason else note


def _flag_gateway_subnet_exact_32(
    index: RoutingIndex, subnet: Subnet, candidates: list[Candidate]
) -> None:
    """§2.4: on GatewaySubnet an exact /32 UDR with policies Disabled may not steer traffic."""
    if subnet.name != GATEWAY_SUBNET or not index.options.gateway_subnet_exact_32_is_low_confidence:
        return
    pe_routes = {
        c.network: c for c in candidates
        if c.next_hop_type == INTERFACE_ENDPOINT
        and index.pe_policies.get(c.name) not in POLICIES_WITH_ROUTE_TABLES
    }
    for c in candidates:
        pe_route = pe_routes.get(c.network) if c.length == 32 else None
        if c.source == USER and c.state == ACTIVE and pe_route is not None:
            note = (
                f"gateway_subnet_exact_32: /32 UDR for private endpoint {pe_route.name} on "
                "GatewaySubnet with policies Disabled may not steer gateway traffic"
            )
            c.confidence = pe_route.confidence = Confidence.LOW
            c.reason = note
            pe_route.reason = f"{pe_route.reason}; {note}" if pe_route.reason else note


def _lower_for_unevaluated(
    index: RoutingIndex, subnet: Subnet, candidates: list[Candidate]
) -> None:
    """Every route of a VNet an unevaluated construct could change is low confidence."""
    gaps = index.gaps_touching((subnet.vnet, subnet.ref))
    if not gaps:
        return
    names = ", ".join(sorted({f"{g.construct} {g.resource}" for g in gaps}))
    for c in candidates:
        c.confidence = Confidence.LOW
        c.reason = f"{c.reason}; unevaluated: {names}" if c.reason else f"unevaluated: {names}"


_ORDER = {VNET_LOCAL: 0, INTERNET: 3, NONE: 4, SERVICE_ENDPOINT: 5, INTERFACE_ENDPOINT: 6}


def _az_order(c: Candidate) -> tuple[int, int, int, tuple[str, ...], str]:
    """Roughly the order ``az`` prints: VNet, peerings, gateway, defaults, endpoints, UDRs."""
    if c.source == USER:
        rank = 7
    elif c.source == GATEWAY:
        rank = 2
    else:
        rank = _ORDER.get(c.next_hop_type, 1) if c.source == DEFAULT else 8
    return rank, c.network, c.length, c.next_hop_ips, c.name


def _to_route(c: Candidate) -> EffectiveRoute:
    return EffectiveRoute(
        source=c.source,
        state=c.state,
        prefix=c.prefix,
        next_hop_type=c.next_hop_type,
        next_hop_ips=c.next_hop_ips,
        name=c.name,
        reason=c.reason,
        confidence=c.confidence,
    )
