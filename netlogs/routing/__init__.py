"""Effective routes of any subnet and the forwarding decision for a destination.

Follows Azure's documented routing rules: system routes (with the reserved
``None`` rules), peering, gateway routes with propagation and ECMP, service endpoints, private
endpoint /32s with the network-policy rule, UDRs; Active/Invalid per exact prefix; LPM lookup.
Contested behaviours are ``RoutingOptions``; every route carries a confidence.
"""

from netlogs.routing.index import RoutingIndex, index_for
from netlogs.routing.lookup import RouteLookup, next_hop
from netlogs.routing.table import effective_routes, lookup_of, routes_of
from netlogs.routing.types import EffectiveRoute, RouteDecision, RoutingOptions

__all__ = [
    "EffectiveRoute",
    "RouteDecision",
    "RouteLookup",
    "RoutingIndex",
    "RoutingOptions",
    "effective_routes",
    "index_for",
    "lookup_of",
    "next_hop",
    "routes_of",
]
