"""What a walk means: vault admission, firewall SNAT and the classic firewall bypasses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from netlogs.model import BypassKind, Confidence, HopKind
from netlogs.paths.reply import first_address, reply_from_endpoint
from netlogs.routing import RoutingIndex, routes_of
from netlogs.routing.prefixes import contains, covers, parse_ip, parse_prefix
from netlogs.routing.types import (
    CONNECTED_GROUP,
    INTERFACE_ENDPOINT,
    SERVICE_ENDPOINT,
    USER,
    VIRTUAL_APPLIANCE,
    VIRTUAL_NETWORK_GATEWAY,
    VNET_GLOBAL_PEERING,
    VNET_LOCAL,
    VNET_PEERING,
    EffectiveRoute,
)
from netlogs.topology.model import Firewall, KeyVault

if TYPE_CHECKING:
    from netlogs.paths.walk_state import Walk

Bypass = tuple[BypassKind | None, int | None, str, Confidence]
NO_BYPASS: Bypass = (None, None, "", Confidence.HIGH)


@dataclass(frozen=True)
class SnatExpectation:
    """What source address the vault should see for traffic a firewall forwards (semantics §4.1).

    ``network_rule_snat``: network rules translate the source (destination outside the firewall's
    SNAT private ranges). Application rules always translate. ``snat_sources``: the firewall
    instance IPs when known, else its subnet prefixes (never the frontend IP).
    """

    firewall: str
    destination: str
    network_rule_snat: bool
    snat_sources: tuple[str, ...]
    public_ips: tuple[str, ...]
    destination_is_public: bool


def snat_expectation(index: RoutingIndex, firewall: Firewall, destination: str) -> SnatExpectation:
    ip = parse_ip(destination)
    ranges = [p for p in map(parse_prefix, firewall.snat_private_ranges) if p is not None]
    in_private = ip is not None and any(contains(n, length, ip) for n, length in ranges)
    subnet = index.subnets.get(f"{firewall.vnet}/{firewall.subnet}")
    sources = firewall.instance_ips or (subnet.address_prefixes if subnet else ())
    public = ip is not None and not _is_private_address(ip)
    return SnatExpectation(firewall.name, destination, not in_private, tuple(sources),
                           firewall.public_ips, public)


def _is_private_address(ip: int) -> bool:
    private = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
    return any(covers(p, (ip, 32)) for p in map(parse_prefix, private) if p is not None)


def firewall_snat_note(index: RoutingIndex, firewall: Firewall, destination: str) -> str:
    snat = snat_expectation(index, firewall, destination)
    if snat.destination_is_public:
        to = ", ".join(snat.public_ips) or "its public IP"
        return f"rules not modelled; traffic to public {destination} is SNATed to {to}"
    network = (
        f"network rules SNAT to {', '.join(snat.snat_sources)}" if snat.network_rule_snat
        else f"network rules keep the client source ({destination} is in privateRanges)"
    )
    application = ", ".join(snat.snat_sources)
    return f"rules not modelled; {network}; application rules SNAT to {application}"


def vault_admission(
    vault: KeyVault, via: str, subnet: str | None, caller: str
) -> tuple[bool | None, str, Confidence]:
    """Whether the vault's public side accepts the request (semantics §5.1-§5.2).

    None means it depends on something the model does not know (the caller's public IP).
    """
    if vault.public_network_access == "Disabled":
        return False, "publicNetworkAccess Disabled: 403 ForbiddenByConnection", Confidence.HIGH
    acls = vault.network_acls
    high = Confidence.HIGH
    if acls.default_action == "Allow":
        return True, f"{vault.host} accepts ({via}; networkAcls defaultAction Allow)", high
    if via == "service_endpoint":
        if subnet in acls.virtual_network_rules:
            return True, f"virtual network rule for {subnet} admits it", high
        return False, f"no virtual network rule for {subnet}: 403 ForbiddenByFirewall", high
    callers = [c.strip() for c in caller.split(",")]
    rules = [p for p in map(parse_prefix, acls.ip_rules) if p is not None]
    known = [parse_ip(c) for c in callers if parse_ip(c) is not None]
    if known:
        if any(covers(r, (ip, 32)) for r in rules for ip in known if ip is not None):
            return True, f"ipRules admit caller {caller}", Confidence.HIGH
        return False, f"caller {caller} not in ipRules: 403 ForbiddenByFirewall", Confidence.HIGH
    if not rules:
        return False, "defaultAction Deny and no ipRules: 403 ForbiddenByFirewall", Confidence.HIGH
    return None, f"admitted only if {caller} is in ipRules", Confidence.LOW


def bypass_of(w: Walk) -> Bypass:
    """The classic bypass this walk shows, which hop to annotate, and a sentence naming it."""
    route = w.first[1].route if w.first else None
    vault = w.target.vault
    if w.target.public and vault and (route is None or route.next_hop_type != SERVICE_ENDPOINT):
        if vault.private_endpoints or _required_firewall(w):
            return (BypassKind.PUBLIC_ENDPOINT, _hop_index(w, HopKind.PUBLIC_ENDPOINT),
                    "bypass: the vault name resolves to its public endpoint, not the private "
                    "endpoint", Confidence.HIGH)
        return NO_BYPASS
    if w.first is None or route is None:
        return NO_BYPASS
    named = _not_the_required_firewall(w)
    if named is not None:
        return named
    if w.firewalls:
        return _bypass_through_firewall(w, route)
    if w.appliances and w.target.private_endpoint is not None and w.delivered:
        return _appliance_return(w, w.target.private_endpoint.name)
    subnet = w.first[0]
    first_hop = _first_routing_hop(w)
    lost = _losing_appliance_udr(w.index, subnet, w.target.ip)
    return _bypass_by_route(w, subnet, route, lost, first_hop)


def _bypass_by_route(
    w: Walk, subnet: str, route: EffectiveRoute, lost: EffectiveRoute | None, hop: int | None
) -> Bypass:
    beats = f"beats udr {lost.prefix} -> {', '.join(lost.next_hop_ips)}" if lost else ""
    expected = lost is not None or _required_firewall(w)
    kind = route.next_hop_type
    if kind == INTERFACE_ENDPOINT and (expected or w.index.topology.firewalls):
        text = (f"bypass: private endpoint /32 route {route.prefix} is active in {subnet}"
                f"{' and ' + beats if beats else ''}; no firewall on the way")
        return (BypassKind.PRIVATE_ENDPOINT_ROUTE, hop, text + _reply_to_a_firewall(w),
                route.confidence)
    if not expected:
        return NO_BYPASS
    if kind == SERVICE_ENDPOINT:
        text = f"bypass: service endpoint route {route.prefix} {beats or 'skips the firewall'}"
        return BypassKind.SERVICE_ENDPOINT_ROUTE, hop, text, route.confidence
    if kind in (VNET_PEERING, VNET_GLOBAL_PEERING, CONNECTED_GROUP):
        how = "connected group" if kind == CONNECTED_GROUP else "directly peered VNet"
        text = f"bypass: {how} route {route.prefix} {beats or 'skips the firewall'}"
        return BypassKind.PEERING_ROUTE, hop, text, route.confidence
    if kind == VIRTUAL_NETWORK_GATEWAY and route.source != USER:
        text = f"bypass: gateway route {route.prefix} {beats or 'skips the firewall'}"
        return BypassKind.GATEWAY_ROUTE, hop, text, route.confidence
    if kind == VNET_LOCAL and route.source == USER:
        text = (f"bypass: udr {route.prefix} -> VnetLocal ({route.name}) in {subnet} sends it "
                "straight to the private endpoint")
        return BypassKind.UDR_VNET_LOCAL, hop, text, route.confidence
    return NO_BYPASS


def _reply_to_a_firewall(w: Walk) -> str:
    """From on-premises past the firewall, the endpoint's reply may still be routed to one (a
    Virtual WAN hub's routing intent): it saw no request, the connection fails."""
    pe = w.target.private_endpoint
    if pe is None or w.origin.gateway is None or not w.delivered:
        return ""
    reply = reply_from_endpoint(w.index, pe, _client_address(w), list(w.index.topology.firewalls))
    if not reply.symmetric:
        return ""
    return f"; {reply.detail}, which saw no request: asymmetric, the firewall drops the reply"


def _not_the_required_firewall(w: Walk) -> Bypass | None:
    """The design names a firewall: a delivered path that never passes it is a bypass, named
    by what it passed instead (another firewall, a third-party appliance)."""
    vault = w.target.vault
    required = w.index.required_firewall_of.get(vault.name) if vault else None
    if required is None or not w.delivered or any(f.name == required for f in w.firewalls):
        return None
    if w.firewalls:
        names = ", ".join(f.name for f in w.firewalls)
        text = f"bypass: passes {names}, not {required} which the design requires"
        return BypassKind.OTHER_FIREWALL, _hop_index(w, HopKind.FIREWALL), text, Confidence.HIGH
    if w.appliances:
        text = (f"bypass: passes network virtual appliance {', '.join(w.appliances)}, not "
                f"{required} which the design requires")
        return (BypassKind.THIRD_PARTY_APPLIANCE, _hop_index(w, HopKind.FIREWALL), text,
                Confidence.HIGH)
    return None


def _bypass_through_firewall(w: Walk, route: EffectiveRoute) -> Bypass:
    if route.source == USER and "gateway_subnet_exact_32" in route.reason:
        text = ("reason=gateway_subnet_exact_32: the effective routes say firewall, but traffic "
                "from a VPN/ER gateway may reach the private endpoint directly (policies Disabled)")
        return BypassKind.GATEWAY_SUBNET_EXACT_32, _hop_index(w, HopKind.UDR), text, Confidence.LOW
    pe = w.target.private_endpoint
    if pe is None or not w.delivered:  # a dropped request has no reply
        return NO_BYPASS
    for firewall in w.firewalls:
        if not snat_expectation(w.index, firewall, pe.ip).network_rule_snat:
            reply = reply_from_endpoint(w.index, pe, _client_address(w), w.firewalls)
            if reply.symmetric:
                return NO_BYPASS
            text = (f"return path: network rules do not SNAT {pe.ip} (in {firewall.name} "
                    f"privateRanges); {reply.detail} (asymmetric) unless an application rule "
                    "(always SNAT) matches; Microsoft's documents disagree on such replies")
            return (BypassKind.ASYMMETRIC_RETURN, _hop_index(w, HopKind.FIREWALL), text,
                    reply.confidence)
    return NO_BYPASS


def _client_address(w: Walk) -> int | None:
    """An address of the client for the reply walk (its own, else its subnet's or range's)."""
    own = first_address((w.origin.ip,)) if w.origin.ip else None
    if own is not None:
        return own
    if w.origin.gateway is not None:
        gateway = w.origin.gateway
        return first_address((*gateway.learned_prefixes, *gateway.local_network_prefixes))
    return first_address(w.index.subnet(w.origin.subnet).address_prefixes)


def _appliance_return(w: Walk, pe: str) -> Bypass:
    """Reply of a PE to traffic an NVA forwarded (the documented default where sources disagree):
    symmetric when the NVA SNATs or carries the disableSnatOnPL tag, else an asymmetric risk
    (low: Microsoft's documents disagree)."""
    known = {ip: a for a in w.index.topology.appliances for ip in a.ips}
    nvas = [known.get(ip) for ip in w.appliances]
    if nvas and all(a is not None and (a.snat or a.disable_snat_on_pl) for a in nvas):
        return NO_BYPASS
    if any(a is not None and a.snat is False and not a.disable_snat_on_pl for a in nvas):
        why = "does not SNAT and has no disableSnatOnPL tag"
    else:
        why = "is not known to SNAT (or to carry the disableSnatOnPL tag)"
    names = ", ".join(a.name if a else ip for a, ip in zip(nvas, w.appliances, strict=True))
    text = (f"return path: appliance {names} {why}; the reply from {pe} ignores UDRs and may "
            "return outside it (asymmetric risk; Microsoft's documents disagree)")
    return BypassKind.ASYMMETRIC_RETURN, _hop_index(w, HopKind.FIREWALL), text, Confidence.LOW


def _losing_appliance_udr(index: RoutingIndex, subnet: str, ip_text: str) -> EffectiveRoute | None:
    """The most specific Active UDR to an appliance covering ip (it lost to a longer prefix)."""
    ip = parse_ip(ip_text)
    best: tuple[int, EffectiveRoute] | None = None
    for route in routes_of(index, subnet):
        if route.source != USER or not route.active or route.next_hop_type != VIRTUAL_APPLIANCE:
            continue
        parsed = parse_prefix(route.prefix)
        if ip is None or parsed is None or not contains(parsed[0], parsed[1], ip):
            continue
        if best is None or parsed[1] > best[0]:
            best = (parsed[1], route)
    return best[1] if best else None


def _required_firewall(w: Walk) -> bool:
    vault = w.target.vault
    return vault is not None and vault.name in w.index.firewall_required


def _first_routing_hop(w: Walk) -> int | None:
    for position, hop in enumerate(w.hops):
        if hop.hop not in (HopKind.CLIENT,) and not (position == 1 and w.origin.gateway):
            return position
    return None


def _hop_index(w: Walk, kind: HopKind) -> int | None:
    return next((i for i, hop in enumerate(w.hops) if hop.hop is kind), None)
