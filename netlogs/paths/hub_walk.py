"""The walk through Virtual WAN hubs: a hub route to the hub's firewall or router, and from a
hub to another hub of its Virtual WAN (Azure docs on routing intent: with both hubs secured by a
Private routing-intent policy, inter-hub traffic crosses both hub firewalls)."""

from __future__ import annotations

from dataclasses import replace

from netlogs.model import Confidence, HopKind, PathHop
from netlogs.paths.hops import drop, route_hop
from netlogs.paths.outcome import firewall_snat_note
from netlogs.paths.walk_state import Walk
from netlogs.routing import RouteDecision
from netlogs.routing.hub_routes import TO_REMOTE_HUB
from netlogs.routing.hub_subnets import MIXED_NOTE, peer_hubs, remote_prefixes
from netlogs.routing.prefixes import covers, parse_ip, parse_prefix
from netlogs.routing.vwan import HUB_SUBNET
from netlogs.topology.model import VirtualHub


def through_hub(w: Walk, subnet: str, decision: RouteDecision, hub: VirtualHub,
                kind: str) -> str | None:
    """A route a Virtual WAN hub programmed: to its firewall, through its router, or on to
    another hub; the walk continues with the (next) hub's own routes."""
    if kind == TO_REMOTE_HUB:
        return _to_remote_hub(w, subnet, decision, hub)
    hop = route_hop(HopKind.GATEWAY, hub.name, subnet, decision)
    firewall = next((w.index.firewall_by_ip[ip] for ip in decision.next_hop_ips
                     if ip in w.index.firewall_by_ip), None)
    if firewall is None:
        w.hops.append(replace(hop, name=f"{hub.name} router",
                              detail=f"{hop.detail}; Virtual WAN hub router"))
        return f"{hub.name}/{HUB_SUBNET}"
    w.hops.append(replace(hop, detail=f"{hop.detail}; routing intent to the hub firewall"))
    _hub_firewall(w, hub, Confidence.HIGH, "")
    return f"{hub.name}/{HUB_SUBNET}"


def _hub_firewall(w: Walk, hub: VirtualHub, confidence: Confidence, why: str) -> None:
    firewall = w.index.firewall_by_ip[hub.firewall_private_ip or ""]
    w.firewalls.append(firewall)
    text = f"Azure Firewall {firewall.name} in Virtual WAN hub {hub.name} "
    text += f"(private IP {firewall.private_ip}); "
    text += firewall_snat_note(w.index, firewall, w.target.ip)
    w.hops.append(PathHop(HopKind.FIREWALL, firewall.name, text + (f"; {why}" if why else ""),
                          confidence))


def _to_remote_hub(w: Walk, subnet: str, decision: RouteDecision,
                   local: VirtualHub) -> str | None:
    """Hub to hub: the other hub that advertises the destination; its firewall when it has a
    Private policy (the destination is a connection or branch of it: private traffic)."""
    remote = _hub_serving(w, local)
    if remote is None:
        drop(w, "no remote hub", f"{w.target.ip} is advertised by no other hub of "
             f"{local.name}'s Virtual WAN in the input", decision, Confidence.LOW)
        return None
    mixed = ("PrivateTraffic" in local.routing_intent) != (
        "PrivateTraffic" in remote.routing_intent)
    hop = route_hop(HopKind.GATEWAY, f"{remote.name} router", subnet, decision)
    detail = f"{hop.detail}; hub-to-hub to Virtual WAN hub {remote.name}"
    w.hops.append(replace(hop, detail=detail + (f" ({MIXED_NOTE})" if mixed else "")))
    if "PrivateTraffic" in remote.routing_intent and (
            remote.firewall_private_ip in w.index.firewall_by_ip):
        _hub_firewall(w, remote, Confidence.MEDIUM if mixed else Confidence.HIGH, "")
    return f"{remote.name}/{HUB_SUBNET}"


def _hub_serving(w: Walk, local: VirtualHub) -> VirtualHub | None:
    """The other hub of the Virtual WAN whose connections or branches hold the destination."""
    ip = parse_ip(w.target.ip)
    if ip is None:
        return None
    for other in peer_hubs(w.index.hubs, local):
        prefixes = [p for p in map(parse_prefix, remote_prefixes(other, w.index.vnets)) if p]
        if any(covers(p, (ip, 32)) for p in prefixes):
            return other
    return None
