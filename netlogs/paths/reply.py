"""The reply from a private endpoint to an unSNATed client.

A private endpoint's replies ignore its own subnet's UDRs but follow the PE VNet's system and
gateway-learned routes (D3, the documented default). The reply passes the firewall again only if
those routes send the client's address to it (e.g. a Virtual WAN hub's routing intent); else it
returns outside the firewall: asymmetric. Microsoft's documents and support answers disagree on
how such replies behave without SNAT (D2), so a predicted asymmetry is never ``high``.
"""

from __future__ import annotations

from dataclasses import dataclass

from netlogs.model import Confidence
from netlogs.routing import RoutingIndex, RoutingOptions, routes_of
from netlogs.routing.lookup import RouteLookup
from netlogs.routing.prefixes import format_ip, parse_prefix
from netlogs.routing.types import USER
from netlogs.topology.model import Firewall, PrivateEndpoint


@dataclass(frozen=True)
class Reply:
    symmetric: bool
    detail: str
    confidence: Confidence


def reply_from_endpoint(
    index: RoutingIndex, pe: PrivateEndpoint, client_address: int | None,
    firewalls: list[Firewall],
) -> Reply:
    """Walk the PE's reply toward the client one step: does it reach a firewall it came by?"""
    if client_address is None:
        return Reply(False, f"the reply from {pe.name} ignores UDRs and, without SNAT, returns "
                            "outside the firewall", Confidence.MEDIUM)
    decision = _reply_lookup(index, pe.subnet).decide_int(client_address,
                                                         format_ip(client_address))
    route = decision.route
    if route is None or decision.dropped:
        return Reply(False, f"the reply from {pe.name} has no route back to the client in "
                            f"{pe.subnet} (UDRs ignored): it is dropped", Confidence.MEDIUM)
    back = [f for f in firewalls if set(decision.next_hop_ips) & {f.private_ip, *f.instance_ips}]
    how = f"{route.next_hop_type} {route.prefix} in {pe.subnet}"
    if back:
        return Reply(True, f"the reply from {pe.name} follows {how} back to {back[0].name}",
                     Confidence.MEDIUM)
    return Reply(False, f"the reply from {pe.name} ignores UDRs and follows {how}, outside the "
                        "firewall", Confidence.MEDIUM)


def _reply_lookup(index: RoutingIndex, subnet: str) -> RouteLookup:
    """The PE subnet's routes without its UDRs, compiled once per subnet."""
    key = "reply:" + subnet
    cached = index.cache.get(key)
    if isinstance(cached, RouteLookup):
        return cached
    system = [r for r in routes_of(index, subnet) if r.source != USER]
    lookup = RouteLookup(system, index.options or RoutingOptions())
    index.cache[key] = lookup
    return lookup


def first_address(texts: tuple[str, ...]) -> int | None:
    """The first IPv4 address of the first parseable address or prefix."""
    for text in texts:
        parsed = parse_prefix(text)
        if parsed is not None:
            return parsed[0] + (1 if parsed[1] < 31 else 0)
    return None
