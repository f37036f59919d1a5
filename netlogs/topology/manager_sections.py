"""The topology file's sections for Azure Virtual Network Manager security admin rules and
routing configurations (``securityAdminRuleCollections``, ``routingRuleCollections``).

Documented in docs/topology-format.md; the members are the VNets (or, for routing, also
``vnet/subnet``) of the network groups a rule collection applies to.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from netlogs.topology.fields import Fields, parse_cidr, parse_ip
from netlogs.topology.model import (
    NEXT_HOP_TYPES_FOR_UDR,
    Route,
    RoutingRuleCollection,
    SecurityAdminRule,
    SecurityAdminRuleCollection,
    Topology,
)

MANAGER_SECTION_KEYS = ("securityAdminRuleCollections", "routingRuleCollections")
ADMIN_ACCESS = ("Allow", "AlwaysAllow", "Deny")
ADMIN_PROTOCOLS = ("Tcp", "Udp", "Icmp", "Esp", "Ah", "Any")


def _entries(parent: Fields, key: str) -> Iterator[Fields]:
    for index, item in enumerate(parent.list_of(key)):
        label = item.get("name") if isinstance(item, Mapping) else None
        yield parent.child(key, item, label if isinstance(label, str) else str(index))


def load_manager_sections(top: Fields) -> dict[str, Any]:
    return {
        "security_admin_rules": tuple(
            _admin_collection(f) for f in _entries(top, "securityAdminRuleCollections")),
        "routing_rules": tuple(
            _routing_collection(f) for f in _entries(top, "routingRuleCollections")),
    }


def _admin_collection(f: Fields) -> SecurityAdminRuleCollection:
    f.reject_unknown(("name", "configuration", "members", "rules"))
    return SecurityAdminRuleCollection(
        name=f.string("name"),
        configuration=f.opt_string("configuration", "") or "",
        members=f.strings("members", required=True),
        rules=tuple(_admin_rule(r) for r in _entries(f, "rules")),
    )


def _admin_rule(f: Fields) -> SecurityAdminRule:
    f.reject_unknown(("name", "priority", "access", "direction", "protocol",
                      "sourceAddressPrefixes", "destinationAddressPrefixes",
                      "destinationPortRanges"))
    priority = f.data.get("priority")
    if not isinstance(priority, int) or isinstance(priority, bool) or not 1 <= priority <= 4096:
        raise f.error("priority", "a whole number from 1 to 4096 is required")
    return SecurityAdminRule(
        name=f.string("name"),
        priority=priority,
        access=f.choice("access", ADMIN_ACCESS, f.string("access")),
        direction=f.choice("direction", ("Inbound", "Outbound"), "Inbound"),
        protocol=f.choice("protocol", ADMIN_PROTOCOLS, "Any"),
        source_prefixes=f.strings("sourceAddressPrefixes") or ("*",),
        destination_prefixes=f.strings("destinationAddressPrefixes") or ("*",),
        destination_ports=f.strings("destinationPortRanges") or ("*",),
    )


def _routing_collection(f: Fields) -> RoutingRuleCollection:
    f.reject_unknown(("name", "configuration", "members", "routes",
                      "disableBgpRoutePropagation"))
    return RoutingRuleCollection(
        name=f.string("name"),
        configuration=f.opt_string("configuration", "") or "",
        members=f.strings("members", required=True),
        routes=tuple(_route(r) for r in _entries(f, "routes")),
        disable_bgp_route_propagation=f.flag("disableBgpRoutePropagation", False),
    )


def _route(f: Fields) -> Route:
    f.reject_unknown(("name", "addressPrefix", "nextHopType", "nextHopIpAddress"))
    kind = f.choice("nextHopType", NEXT_HOP_TYPES_FOR_UDR, f.string("nextHopType"))
    hop = f.ip("nextHopIpAddress")
    if (kind == "VirtualAppliance") != (hop is not None):
        raise f.error("nextHopIpAddress", "required with VirtualAppliance, and only with it")
    return Route(
        name=f.string("name"),
        address_prefix=f.checked("addressPrefix", f.string("addressPrefix"), parse_cidr),
        next_hop_type=kind,
        next_hop_ip=None if hop is None else str(parse_ip(hop)),
    )


def dump_manager_sections(t: Topology, compact: Any) -> list[tuple[str, Any, Any]]:
    return [
        ("securityAdminRuleCollections", [compact([
            ("name", c.name, None), ("configuration", c.configuration, ""),
            ("members", c.members, None),
            ("rules", [_dump_admin_rule(r, compact) for r in c.rules], []),
        ]) for c in t.security_admin_rules], []),
        ("routingRuleCollections", [compact([
            ("name", c.name, None), ("configuration", c.configuration, ""),
            ("members", c.members, None),
            ("disableBgpRoutePropagation", c.disable_bgp_route_propagation, False),
            ("routes", [compact([
                ("name", r.name, None), ("addressPrefix", r.address_prefix, None),
                ("nextHopType", r.next_hop_type, None), ("nextHopIpAddress", r.next_hop_ip, None),
            ]) for r in c.routes], []),
        ]) for c in t.routing_rules], []),
    ]


def _dump_admin_rule(r: SecurityAdminRule, compact: Any) -> dict[str, Any]:
    return dict(compact([
        ("name", r.name, None), ("priority", r.priority, None), ("access", r.access, None),
        ("direction", r.direction, "Inbound"), ("protocol", r.protocol, "Any"),
        ("sourceAddressPrefixes", r.source_prefixes, ("*",)),
        ("destinationAddressPrefixes", r.destination_prefixes, ("*",)),
        ("destinationPortRanges", r.destination_ports, ("*",)),
    ]))
