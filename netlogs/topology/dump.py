"""Write a Topology back in the documented file format (the inverse of the loader).

Fields equal to their documented default are left out, so the output reads like a hand-written
file; the dump is deterministic, which makes its SHA-256 a stable identity of the topology.
"""

from __future__ import annotations

import hashlib
from typing import Any

from netlogs.topology.coverage import recorded_gaps
from netlogs.topology.model import (
    IANA_PRIVATE_RANGES,
    RESERVED_NONE_PREFIXES,
    Client,
    DesignRule,
    Firewall,
    KeyVault,
    Peering,
    PrivateEndpoint,
    RouteTable,
    Subnet,
    Topology,
    TopologyGap,
    VirtualNetwork,
    VirtualNetworkGateway,
)
from netlogs.topology.sections import dump_sections
from netlogs.topology.yaml_text import dump_yaml


def _compact(pairs: list[tuple[str, Any, Any]]) -> dict[str, Any]:
    """Keep ``key: value`` pairs whose value differs from the default (third element)."""
    return {key: _plain(value) for key, value, default in pairs if value != default}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _subnet(s: Subnet) -> dict[str, Any]:
    return _compact([
        ("name", s.name, None),
        ("addressPrefixes", s.address_prefixes, None),
        ("routeTable", s.route_table, None),
        ("serviceEndpoints", s.service_endpoints, ()),
        ("privateEndpointNetworkPolicies", s.private_endpoint_network_policies, "Disabled"),
        ("delegations", s.delegations, ()),
    ])


def _peering(p: Peering) -> dict[str, Any]:
    return _compact([
        ("name", p.name, None),
        ("remoteVirtualNetwork", p.remote_vnet, None),
        ("peeringState", p.state, "Connected"),
        ("allowForwardedTraffic", p.allow_forwarded_traffic, True),
        ("allowGatewayTransit", p.allow_gateway_transit, False),
        ("useRemoteGateways", p.use_remote_gateways, False),
    ])


def _vnet(v: VirtualNetwork) -> dict[str, Any]:
    return _compact([
        ("name", v.name, None),
        ("location", v.region, ""),
        ("addressPrefixes", v.address_prefixes, None),
        ("subnets", [_subnet(s) for s in v.subnets], []),
        ("virtualNetworkPeerings", [_peering(p) for p in v.peerings], []),
        ("dnsServers", v.dns_servers, ()),
    ])


def _route_table(t: RouteTable) -> dict[str, Any]:
    routes = [
        _compact([("name", r.name, None), ("addressPrefix", r.address_prefix, None),
                  ("nextHopType", r.next_hop_type, None),
                  ("nextHopIpAddress", r.next_hop_ip, None)])
        for r in t.routes
    ]
    return _compact([("name", t.name, None),
                     ("disableBgpRoutePropagation", t.disable_bgp_route_propagation, False),
                     ("routes", routes, [])])


def _firewall(f: Firewall) -> dict[str, Any]:
    return _compact([
        ("name", f.name, None), ("virtualNetwork", f.vnet, None),
        ("subnet", f.subnet, "AzureFirewallSubnet"), ("privateIpAddress", f.private_ip, None),
        ("publicIpAddresses", f.public_ips, ()),
        ("snatPrivateRanges", f.snat_private_ranges, IANA_PRIVATE_RANGES),
        ("instanceIpAddresses", f.instance_ips, ()),
    ])


def _gateway(g: VirtualNetworkGateway) -> dict[str, Any]:
    return _compact([
        ("name", g.name, None), ("virtualNetwork", g.vnet, None),
        ("gatewayType", g.gateway_type, "Vpn"), ("activeActive", g.active_active, True),
        ("instanceIpAddresses", g.instance_ips, ()), ("publicIpAddress", g.public_ip, None),
        ("bgpLearnedPrefixes", g.learned_prefixes, ()),
        ("localNetworkAddressPrefixes", g.local_network_prefixes, ()),
    ])


def _private_endpoint(p: PrivateEndpoint) -> dict[str, Any]:
    return _compact([("name", p.name, None), ("subnet", p.subnet, None),
                     ("privateIpAddress", p.ip, None), ("target", p.target, None),
                     ("groupId", p.group_id, "vault")])


def _key_vault(k: KeyVault) -> dict[str, Any]:
    acls = _compact([
        ("defaultAction", k.network_acls.default_action, "Allow"),
        ("bypass", k.network_acls.bypass, "AzureServices"),
        ("ipRules", k.network_acls.ip_rules, ()),
        ("virtualNetworkRules", k.network_acls.virtual_network_rules, ()),
    ])
    # private_endpoints is derived from privateEndpoints[].target when loading.
    return _compact([("name", k.name, None), ("fqdn", k.fqdn, ""),
                     ("publicIpAddresses", k.public_ips, ()),
                     ("publicNetworkAccess", k.public_network_access, "Enabled"),
                     ("networkAcls", acls, {})])


def _client(c: Client) -> dict[str, Any]:
    return _compact([("name", c.name, None), ("kind", c.kind, "vm"), ("subnet", c.subnet, None),
                     ("ipAddresses", c.ips, ()), ("gateway", c.gateway, None),
                     ("usesPrivateDns", c.uses_private_dns, None),
                     ("routeAll", c.route_all, False)])


def _design_rule(r: DesignRule) -> dict[str, Any]:
    return _compact([("vault", r.vault, None), ("requireFirewall", r.require_firewall, None),
                     ("forbidPublicEndpoint", r.forbid_public_endpoint, True)])


def gap_to_mapping(g: TopologyGap) -> dict[str, Any]:
    return _compact([("construct", g.construct, None), ("resource", g.resource, None),
                     ("message", g.message, None), ("scope", g.scope, ())])


def topology_to_mapping(topology: Topology) -> dict[str, Any]:
    """The documented file format as plain dicts and lists (JSON-serialisable)."""
    t = topology
    return _compact([
        ("virtualNetworks", [_vnet(v) for v in t.vnets], []),
        ("routeTables", [_route_table(r) for r in t.route_tables], []),
        ("firewalls", [_firewall(f) for f in t.firewalls], []),
        ("virtualNetworkGateways", [_gateway(g) for g in t.gateways], []),
        ("privateEndpoints", [_private_endpoint(p) for p in t.private_endpoints], []),
        ("keyVaults", [_key_vault(k) for k in t.key_vaults], []),
        ("clients", [_client(c) for c in t.clients], []),
        ("servicePrefixes", {name: list(p) for name, p in t.service_prefixes}, {}),
        ("reservedNonePrefixes", t.reserved_none_prefixes, RESERVED_NONE_PREFIXES),
        ("designRules", [_design_rule(r) for r in t.design_rules], []),
        ("gaps", [gap_to_mapping(g) for g in recorded_gaps(t)], []),
        *dump_sections(t, _compact),
    ])


def dump_topology(topology: Topology) -> str:
    """YAML text that ``load_topology`` reads back into an equal Topology (except ``source``)."""
    text = dump_yaml(topology_to_mapping(topology))
    remember_dump(topology, text)
    return text


def topology_sha256(topology: Topology) -> str:
    """Hex SHA-256 of the canonical dump: equal topologies hash equally, whatever their file.

    Dumping a large estate takes seconds, so the digest is kept on the instance the first time
    it is known (a dump, or ``remember_dump``) and every later call answers from there."""
    known = _remembered(topology)
    if known is None:
        return _digest(dump_topology(topology))
    return known


def remember_dump(topology: Topology, text: str) -> None:
    """Keep the SHA-256 of ``text``, which must be ``dump_topology(topology)`` (a caller that
    kept the dump, such as the discovery cache, saves ``topology_sha256`` a second dump).

    Safe against staleness: a Topology is frozen and built of tuples and frozen dataclasses,
    and ``dataclasses.replace`` makes a new instance without the remembered digest. The digest
    is stored with the instance's deep ``hash()``: an instance holding a mutable container
    (unhashable) is never remembered, and one changed behind the frozen guard is dumped again.
    """
    fingerprint = _fingerprint(topology)
    if fingerprint is not None:
        object.__setattr__(topology, _MEMO, (fingerprint, _digest(text)))


# Attribute of a Topology instance: (deep hash() when remembered, hex SHA-256 of its dump).
# Not a dataclass field, so equality, repr, frozen_json and ``replace`` never see it.
_MEMO = "_netlogs_dump_sha256"


def _remembered(topology: Topology) -> str | None:
    memo = vars(topology).get(_MEMO)
    if memo is None or memo[0] != _fingerprint(topology):
        return None
    digest: str = memo[1]
    return digest


def _fingerprint(topology: Topology) -> int | None:
    """The deep hash of every field (milliseconds at 5,000 subnets; the dump takes seconds);
    None when a field holds something mutable, which must not be remembered."""
    try:
        return hash(topology)
    except TypeError:
        return None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
