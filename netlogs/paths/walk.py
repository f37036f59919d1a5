"""Walk hop by hop from a client to one target address using the subnets' effective routes."""

from __future__ import annotations

from dataclasses import replace

from netlogs.model import BypassKind, Confidence, ExpectedPath, HopKind, PathHop
from netlogs.paths.endpoints import Origin, Target, is_rfc1918
from netlogs.paths.filtering import destination_gate, origin_gate, unreturnable_from_azure
from netlogs.paths.hops import drop, route_hop
from netlogs.paths.hub_walk import through_hub
from netlogs.paths.nsg import NsgDecision
from netlogs.paths.outcome import firewall_snat_note, vault_admission
from netlogs.paths.result import finish
from netlogs.paths.walk_state import Walk
from netlogs.routing import RouteDecision, RoutingIndex, lookup_of
from netlogs.routing.hub_routes import BRANCH_TYPES, TO_BGP_PEER, TO_CONNECTION
from netlogs.routing.prefixes import contains, parse_ip, parse_prefix
from netlogs.routing.types import (
    CONNECTED_GROUP,
    GATEWAY,
    INTERFACE_ENDPOINT,
    INTERNET,
    POLICIES_WITH_ROUTE_TABLES,
    SERVICE_ENDPOINT,
    USER,
    VIRTUAL_APPLIANCE,
    VIRTUAL_NETWORK_GATEWAY,
    VNET_GLOBAL_PEERING,
    VNET_LOCAL,
    VNET_PEERING,
)
from netlogs.routing.vwan import HUB_SUBNET
from netlogs.topology.model import Firewall, VirtualHub

MAX_STEPS = 16
# how a UDR next hop must be reachable
_DIRECT = (VNET_LOCAL, VNET_PEERING, VNET_GLOBAL_PEERING, CONNECTED_GROUP)


def walk(index: RoutingIndex, origin: Origin, target: Target, port: int | None) -> ExpectedPath:
    w = Walk(index, origin, target, port=port)
    who = origin.ip or origin.label
    detail = f"{who}: {origin.description}" + (f"; {target.note}" if target.note else "")
    w.hops.append(PathHop(HopKind.CLIENT, origin.label, detail, target.confidence))
    if origin.gateway is not None:
        w.hops.append(PathHop(HopKind.GATEWAY, origin.gateway.name,
                              f"enters Azure through {origin.gateway.name} into {origin.subnet}"))
    if not _passes(w, origin_gate(w)):
        return finish(w, port)
    if origin.app_service_without_route_all and not _enters_vnet(w):
        _public_from_app(w)
        return finish(w, port)
    subnet: str | None = origin.subnet
    steps = 0
    while subnet is not None:
        if steps == MAX_STEPS:  # loops are caught earlier; this only bounds the walk
            drop(w, "too many hops", f"more than {MAX_STEPS} routing steps")
            break
        subnet = _step(w, subnet)
        steps += 1
    unanswered = unreturnable_from_azure(w)
    if unanswered is not None:
        w.hops.pop()  # the arrival hop: the exchange fails on the way back
        drop(w, "no route back to on-premises", unanswered)
    return finish(w, port)


def _enters_vnet(w: Walk) -> bool:
    """App Service without Route All: only RFC 1918 and service-endpoint traffic enters the VNet."""
    if is_rfc1918(w.target.ip):
        return True
    decision = lookup_of(w.index, w.origin.subnet).decide(w.target.ip)
    return decision.next_hop_type == SERVICE_ENDPOINT


def _public_from_app(w: Walk) -> None:
    detail = ("App Service without Route All: traffic to a public address leaves from the app's "
              "outbound public IPs, not through the VNet")
    w.hops.append(PathHop(HopKind.PUBLIC_ENDPOINT, w.target.ip, detail))
    _admit(w, via="public", caller="the app's outbound public IPs")


def _step(w: Walk, subnet: str) -> str | None:
    """Apply one subnet's routes; the next subnet to continue from, or None when done."""
    if subnet in w.visited:
        chain = " -> ".join([*w.visited, subnet])
        drop(w, "routing loop", f"routing loop: {chain}")
        return None
    w.visited.append(subnet)
    decision = lookup_of(w.index, subnet).decide(w.target.ip)
    if w.first is None:
        w.first = (subnet, decision)
    route = decision.route
    if route is None or decision.dropped:
        name = f"{route.prefix} None" if route else "no route"
        where = f"{name} ({route.source}) in {subnet}" if route else f"no route in {subnet}"
        drop(w, name, f"{where}: packets to {w.target.ip} are dropped", decision)
        return None
    kind = route.next_hop_type
    if kind == VIRTUAL_APPLIANCE:
        return _appliance(w, subnet, decision)
    if kind == INTERFACE_ENDPOINT:
        _private_endpoint(w, subnet, decision)
    elif kind in _DIRECT:
        _inside_azure(w, subnet, decision)
    elif kind == VIRTUAL_NETWORK_GATEWAY:
        return _gateway_route(w, subnet, decision)
    elif kind == SERVICE_ENDPOINT:
        w.hops.append(route_hop(HopKind.SERVICE_ENDPOINT, route.name, subnet, decision))
        _admit(w, via="service_endpoint", caller=_private_caller(w), subnet=subnet)
    elif kind == INTERNET:
        w.hops.append(route_hop(HopKind.PUBLIC_ENDPOINT, w.target.ip, subnet, decision))
        _admit(w, via="public", caller=_public_caller(w))
    else:
        drop(w, f"next hop {kind}", f"unsupported next hop type {kind} in {subnet}", decision)
    return None


def _appliance(w: Walk, subnet: str, decision: RouteDecision) -> str | None:
    route = decision.route
    assert route is not None
    table = w.index.subnet(subnet).route_table or "?"
    ip = route.next_hop_ips[0] if route.next_hop_ips else ""
    detail = f"udr {route.prefix} -> {ip} ({table})"
    if decision.note:
        detail += f"; {decision.note}"
    w.hops.append(PathHop(HopKind.UDR, f"{table}/{route.name}", detail, route.confidence))
    return _enter_appliance(w, subnet, ip)


def _enter_appliance(w: Walk, subnet: str, ip: str) -> str | None:
    """Hand the packet to the appliance at ``ip``: an Azure Firewall or another NVA; the subnet
    to continue from, or None when it is dropped."""
    reach = lookup_of(w.index, subnet).decide(ip) if parse_ip(ip) is not None else None
    if reach is None or reach.next_hop_type not in _DIRECT:
        how = reach.route.prefix if reach and reach.route else "no route"
        text = f"next hop {ip or '(none)'} is not reachable from {subnet} ({how})"
        drop(w, "next hop unreachable", text)
        return None
    firewall = _firewall_at(w, ip)
    if firewall is not None:
        w.firewalls.append(firewall)
        where = f"{firewall.vnet}/{firewall.subnet}"
        text = f"Azure Firewall {firewall.name} (frontend {firewall.private_ip}, {where}); "
        text += firewall_snat_note(w.index, firewall, w.target.ip)
        w.hops.append(PathHop(HopKind.FIREWALL, firewall.name, text))
        return where
    located = w.index.locate(ip)
    if located is None:
        drop(w, "next hop unknown", f"next hop {ip} is in no modelled subnet")
        return None
    w.appliances.append(ip)
    w.hops.append(PathHop(HopKind.FIREWALL, ip, f"network virtual appliance {ip} in {located} "
                          "(not a modelled firewall); continues with that subnet's routes",
                          Confidence.MEDIUM))
    return located


def _firewall_at(w: Walk, ip: str) -> Firewall | None:
    return w.index.firewall_by_ip.get(ip)


def _private_endpoint(w: Walk, subnet: str, decision: RouteDecision) -> None:
    route = decision.route
    assert route is not None
    policies = w.index.pe_policies.get(route.name, "Disabled")
    detail = (
        f"InterfaceEndpoint {route.prefix} active in {subnet} ({route.name}, policies {policies})"
    )
    if policies in POLICIES_WITH_ROUTE_TABLES:
        detail += "; no UDR as specific as the PE's VNet range covers it"
    w.hops.append(PathHop(HopKind.PRIVATE_ENDPOINT, route.name, detail, route.confidence))
    _arrive(w, f"via private endpoint {route.name}")


def _inside_azure(w: Walk, subnet: str, decision: RouteDecision) -> None:
    route = decision.route
    assert route is not None
    if route.next_hop_type != VNET_LOCAL:
        w.hops.append(route_hop(HopKind.PEERING, route.name, subnet, decision))
    elif route.source == USER and not _in_vnet(w, subnet):
        drop(w, "VnetLocal UDR", f"udr {route.prefix} -> VnetLocal in {subnet}: {w.target.ip} "
              "is outside the VNet", decision)
        return
    pe = w.target.private_endpoint
    if pe is not None:
        detail = f"{pe.ip} reached by {route.next_hop_type} {route.prefix} from {subnet}"
        confidence = route.confidence
        if route.next_hop_type == CONNECTED_GROUP:  # D4: documented both ways over the years
            detail += "; private endpoints in connected groups: reachable by the current docs"
            confidence = Confidence.MEDIUM
        w.hops.append(PathHop(HopKind.PRIVATE_ENDPOINT, pe.name, detail, confidence))
    _arrive(w, f"{route.next_hop_type} {route.prefix} in {subnet}")


def _in_vnet(w: Walk, subnet: str) -> bool:
    vnet = w.index.vnets[subnet.partition("/")[0]]
    ip = parse_ip(w.target.ip)
    prefixes = [p for p in map(parse_prefix, vnet.address_prefixes) if p is not None]
    return ip is not None and any(contains(n, length, ip) for n, length in prefixes)


def _gateway_route(w: Walk, subnet: str, decision: RouteDecision) -> str | None:
    """A VirtualNetworkGateway route: a Virtual WAN hub's, a BGP route to an appliance inside
    Azure (Route Server), or on-premises through a gateway."""
    route = decision.route
    assert route is not None
    # hub routes are GATEWAY rows; a static hub route (": " never occurs in a UDR's name) too
    owner = w.index.hub_route_owners.get(route.name) if (
        route.source == GATEWAY or ": " in route.name) else None
    if owner is not None:
        hub, kind = owner
        if kind in BRANCH_TYPES:
            _gateway(w, subnet, decision)
            return None
        in_hub = subnet.partition("/")[0] == hub.name
        if kind == TO_BGP_PEER or (kind == TO_CONNECTION and in_hub):
            return _hub_to_appliance(w, subnet, decision, hub, kind)
        return through_hub(w, subnet, decision, hub, kind)
    appliance = _bgp_next_hop_in_azure(w, decision)
    if appliance is not None and w.index.locate(appliance) == subnet:
        _beyond_appliance(w, appliance, route.prefix)
        return None
    if appliance is not None:
        hop = route_hop(HopKind.GATEWAY, route.name, subnet, decision)
        w.hops.append(replace(hop, detail=f"{hop.detail}; BGP next hop {appliance} is inside "
                                           "Azure: an appliance, not on-premises"))
        return _enter_appliance(w, subnet, appliance)
    _gateway(w, subnet, decision)
    return None


def _hub_to_appliance(w: Walk, subnet: str, decision: RouteDecision, hub: VirtualHub,
                      kind: str) -> str | None:
    """A hub route to an appliance in a connected VNet (a BGP peer of the hub, a connection's
    static route): the hub router hands the packet to it; a BGP peer forwards what it
    advertised itself (not followed further)."""
    route = decision.route
    assert route is not None
    appliance = _bgp_next_hop_in_azure(w, decision)
    if appliance is None:
        hops = ", ".join(decision.next_hop_ips) or "no address"
        drop(w, "hub next hop unknown", f"{route.prefix} ({route.name}) in {subnet} leads to "
             f"{hops}, in no modelled subnet", decision, Confidence.LOW)
        return None
    hop = route_hop(HopKind.GATEWAY, f"{hub.name} router", subnet, decision)
    w.hops.append(replace(hop, detail=f"{hop.detail}; the hub routes it to appliance "
                                      f"{appliance}"))
    located = _enter_appliance(w, f"{hub.name}/{HUB_SUBNET}", appliance)
    if located is None or kind != TO_BGP_PEER:
        return located
    _beyond_appliance(w, appliance, route.prefix)
    return None


def _bgp_next_hop_in_azure(w: Walk, decision: RouteDecision) -> str | None:
    """The first next hop of a gateway (BGP) route that is an address inside Azure (an NVA or a
    firewall, e.g. learned through Route Server), not a gateway instance."""
    if decision.route is None or decision.route.source != GATEWAY:
        return None
    for ip in decision.next_hop_ips:
        if ip not in w.index.gateway_ips and (
            ip in w.index.firewall_by_ip or w.index.locate(ip) is not None
        ):
            return ip
    return None


def _beyond_appliance(w: Walk, appliance: str, prefix: str) -> None:
    """The appliance that advertised the route forwards the packet itself (its own routing,
    tunnels, SNAT): the model does not follow it further, and says so."""
    text = (f"forwarded by appliance {appliance}, which advertised {prefix} over BGP; what lies "
            "beyond it is not in the model")
    if w.target.vault is not None or w.target.private_endpoint is not None:
        drop(w, "beyond appliance", text, confidence=Confidence.LOW)
        return
    w.hops.append(PathHop(HopKind.DESTINATION, w.target.ip, text, Confidence.LOW))
    w.delivered = True


def _gateway(w: Walk, subnet: str, decision: RouteDecision) -> None:
    route = decision.route
    assert route is not None
    name = route.name
    if route.source == USER:  # a UDR names its route, not the gateway it points at
        gateways = w.index.remote_gateways(subnet.partition("/")[0])
        name = gateways[0].name if gateways else route.name
    w.hops.append(route_hop(HopKind.GATEWAY, name or "gateway", subnet, decision))
    if w.target.vault is not None or w.target.private_endpoint is not None:
        drop(w, "sent to on-premises", f"{w.target.ip} is routed to on-premises by "
              f"{route.prefix} ({route.source}) in {subnet}", decision, Confidence.MEDIUM)
        return
    w.hops.append(PathHop(HopKind.DESTINATION, w.target.ip, "on-premises destination",
                          decision.confidence))
    w.delivered = True


def _admit(w: Walk, via: str, caller: str, subnet: str | None = None) -> None:
    """Public or service-endpoint arrival: the vault's network settings decide."""
    vault = w.target.vault
    if vault is None:
        w.hops.append(PathHop(HopKind.DESTINATION, w.target.ip, f"reached over {via}"))
        w.delivered = True
        return
    accepted, detail, confidence = vault_admission(vault, via, subnet, caller)
    if accepted is False:
        drop(w, detail, f"vault {vault.name} refuses: {detail}", confidence=confidence)
        return
    w.hops.append(PathHop(HopKind.VAULT, vault.name, detail, confidence))
    w.delivered = True


def _public_caller(w: Walk) -> str:
    """Who the vault sees on its public side: the last firewall's public IP, or the client's."""
    if not w.firewalls:
        return "the client's public IP"
    firewall = w.firewalls[-1]
    return ", ".join(firewall.public_ips) or f"{firewall.name}'s public IP"


def _private_caller(w: Walk) -> str:
    return w.firewalls[-1].name + " instance IP" if w.firewalls else (w.origin.ip or w.origin.label)


def _passes(w: Walk, decision: NsgDecision | None) -> bool:
    """Apply an NSG decision: a deny drops the packet, naming the rule."""
    if decision is None:
        return True
    if decision.confidence is Confidence.LOW:
        w.notes.append(decision.unevaluated)
    if decision.allowed:
        return True
    short = "NSG" if decision.kind == "network security group" else "admin rule"
    drop(w, f"{short} {decision.label}", f"denied by {decision.kind} {decision.label} "
          f"({decision.where})", confidence=decision.confidence)
    return False


def _arrive(w: Walk, how: str) -> None:
    if not _passes(w, destination_gate(w)):
        return
    vault = w.target.vault
    if vault is not None:
        w.hops.append(PathHop(HopKind.VAULT, vault.name, f"{vault.host} reached {how}"))
    else:
        w.hops.append(PathHop(HopKind.DESTINATION, w.target.ip, f"reached {how}"))
    w.delivered = True


__all__ = ["BypassKind", "Walk", "walk"]
