"""Where a walk meets network security groups: leaving the client, arriving at the target."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from netlogs.model import Confidence
from netlogs.paths.admin_rules import admin_decision, not_enforced_at_endpoint
from netlogs.paths.nsg import NSG_POLICIES, Flow, NsgDecision, Range, evaluate, nsgs_at
from netlogs.paths.outcome import snat_expectation
from netlogs.routing import routes_of
from netlogs.routing.lookup import RouteLookup
from netlogs.routing.prefixes import parse_ip, parse_prefix
from netlogs.routing.types import USER, VIRTUAL_APPLIANCE, VIRTUAL_NETWORK_GATEWAY
from netlogs.topology.model import NetworkSecurityGroup

if TYPE_CHECKING:
    from netlogs.paths.walk_state import Walk


def origin_gate(w: Walk) -> NsgDecision | None:
    """Outbound from an Azure client: the VNet's admin rules, its NIC's NSG, its subnet's."""
    if w.origin.gateway is not None:
        return None
    client = w.origin.client.name if w.origin.client else None
    on_subnet, on_nic = nsgs_at(w.index, w.origin.subnet, client)
    source = _client_range(w)
    if source is None:
        return None
    return _decide(w, [*on_nic, *on_subnet], "Outbound", w.origin.subnet, source)


def destination_gate(w: Walk) -> NsgDecision | None:
    """Inbound at the target: the VNet's admin rules (not on a private endpoint, D5), then a
    private endpoint's subnet NSG (only with NSG network policies), or a destination's subnet
    NSG, then its NIC's."""
    pe = w.target.private_endpoint
    if pe is not None:
        subnet, client = pe.subnet, None
    else:
        located = w.index.locate(w.target.ip)
        if located is None:
            return None
        subnet, client = located, _client_at(w, w.target.ip)
    on_subnet, on_nic = nsgs_at(w.index, subnet, client)
    if pe is not None and w.index.pe_policies.get(pe.name) not in NSG_POLICIES:
        on_subnet = []  # the PE subnet's NSG does not apply to the endpoint
    source = _seen_source(w)
    if source is None:
        return None
    return _decide(w, [*on_subnet, *on_nic], "Inbound", subnet, source,
                   endpoint=pe.name if pe else None)


def unreturnable_from_azure(w: Walk) -> str | None:
    """For an on-premises client reaching a target: why the target's VNet can't answer it
    (it learns no route to on-premises, so its range is not advertised either), or None."""
    if w.origin.gateway is None or not w.delivered:
        return None
    pe = w.target.private_endpoint
    subnet = pe.subnet if pe is not None else w.index.locate(w.target.ip)
    client = parse_prefix(w.origin.ip) if w.origin.ip else None
    if subnet is None or client is None:
        return None
    routes = [r for r in routes_of(w.index, subnet) if pe is None or r.source != USER]
    decision = RouteLookup(routes, w.index.options).decide_int(client[0], "client")
    if decision.next_hop_type in (VIRTUAL_NETWORK_GATEWAY, VIRTUAL_APPLIANCE):
        return None
    how = f"{decision.route.prefix} {decision.next_hop_type}" if decision.route else "no route"
    return (f"{subnet} has no route back to on-premises {w.origin.ip} ({how}): its VNet does not "
            f"use {w.origin.gateway.name} as remote gateway, so its range is not advertised "
            "to on-premises either")


def _decide(w: Walk, groups: list[NetworkSecurityGroup], direction: str, subnet: str,
            source: Range, *, endpoint: str | None = None) -> NsgDecision | None:
    """Admin rules first (a Deny or AlwaysAllow ends it), then the NSGs in order."""
    destination = parse_ip(w.target.ip)
    if destination is None:
        return None
    port = w.port if w.port is not None else (443 if w.target.vault is not None else None)
    flow = Flow(source, (destination, 32), port, subnet)
    where = f"{direction.lower()} at {subnet}"
    admin = admin_decision(w.index, subnet, direction, flow)
    if admin is not None and endpoint is not None and admin.decisive:  # D5: not enforced
        w.notes.append(not_enforced_at_endpoint(admin, endpoint))
        admin = None
    if admin is not None and admin.decisive:
        return replace(admin.decision, where=where)
    if not groups:
        return None if admin is None else replace(admin.decision, where=where)
    decision = evaluate(w.index, groups, direction, flow)
    if admin is not None and admin.decision.confidence is Confidence.LOW:
        decision = replace(decision, confidence=Confidence.LOW, note=admin.decision.unevaluated)
    return replace(decision, where=where)


def _client_range(w: Walk) -> Range | None:
    """The client as a range: its address, else its subnet (a walk shared by a subnet)."""
    own = parse_prefix(w.origin.ip) if w.origin.ip else None
    if own is not None:
        return own
    prefixes = w.index.subnet(w.origin.subnet).address_prefixes
    return parse_prefix(prefixes[0]) if prefixes else None


def _seen_source(w: Walk) -> Range | None:
    """The source the target sees: the client, or the firewall's subnet when it SNATs."""
    for firewall in reversed(w.firewalls):
        if snat_expectation(w.index, firewall, w.target.ip).network_rule_snat:
            subnet = w.index.subnets.get(f"{firewall.vnet}/{firewall.subnet}")
            return parse_prefix(subnet.address_prefixes[0]) if subnet else None
    if w.origin.gateway is not None and w.origin.ip:
        return parse_prefix(w.origin.ip)
    return _client_range(w)


def _client_at(w: Walk, ip: str) -> str | None:
    address = parse_ip(ip)
    for client in w.index.clients.values():
        for text in client.ips:
            parsed = parse_prefix(text)
            if address is not None and parsed is not None and parsed == (address, 32):
                return client.name
    return None
