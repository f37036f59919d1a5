"""A small language for configuration changes, and applying one to a topology.

    udr:VNET/SUBNET:PREFIX->FIREWALL_OR_IP          add a UDR to the subnet's route table
    pe-policies:VNET/SUBNET:RouteTableEnabled         set private endpoint network policies
    remove-service-endpoint:VNET/SUBNET:SERVICE       drop a service endpoint from the subnet
    private-dns:CLIENT                                the client resolves the vault through the
                                                      privatelink zone (its private endpoint)
    dns-link:VNET                                     link the privatelink zone to the VNet

A change never edits the topology in place: ``apply_change`` returns a new ``Topology`` built
with ``dataclasses.replace``, so the model can be re-run on it and compared with the original.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace
from typing import NoReturn

from netlogs.errors import ConfigError
from netlogs.topology.model import (
    PE_NETWORK_POLICIES,
    Route,
    RouteTable,
    Subnet,
    Topology,
    VirtualNetwork,
)

UDR = "udr"
PE_POLICIES = "pe-policies"
REMOVE_SERVICE_ENDPOINT = "remove-service-endpoint"
PRIVATE_DNS = "private-dns"
DNS_LINK = "dns-link"
KINDS = (UDR, PE_POLICIES, REMOVE_SERVICE_ENDPOINT, PRIVATE_DNS, DNS_LINK)
PRIVATE_ZONE = "privatelink.vaultcore.azure.net"
GATEWAY_SUBNET = "GatewaySubnet"
SYNTAX = (
    "expected udr:VNET/SUBNET:PREFIX->FIREWALL_OR_IP, pe-policies:VNET/SUBNET:POLICY or "
    "remove-service-endpoint:VNET/SUBNET:SERVICE, private-dns:CLIENT or dns-link:VNET"
)


@dataclass(frozen=True)
class Change:
    """One configuration change; ``text`` is its canonical spelling in the change language."""

    kind: str  # one of KINDS
    scope: str  # "vnet/subnet"; a client name for private-dns
    argument: str  # "10.1.2.4/32->fw-hub" | "RouteTableEnabled" | "Microsoft.KeyVault" | zone

    @property
    def text(self) -> str:
        return f"{self.kind}:{self.scope}:{self.argument}"

    @property
    def udr(self) -> tuple[str, str]:
        """(prefix, next hop) of a ``udr`` change."""
        prefix, _, target = self.argument.partition("->")
        return prefix, target


def parse_change(text: str) -> Change:
    """Read one change; ConfigError (one line, naming the change) when it is not well formed."""
    kind, _, rest = text.strip().partition(":")
    subnet, _, argument = rest.partition(":")
    vnet, slash, name = subnet.partition("/")
    if kind not in KINDS:
        _bad(text, f"unknown kind {kind!r}; {SYNTAX}")
    if kind in (PRIVATE_DNS, DNS_LINK):
        if not subnet or argument not in ("", PRIVATE_ZONE) or (kind == DNS_LINK and slash):
            what = "CLIENT" if kind == PRIVATE_DNS else "VNET"
            _bad(text, f"expected {kind}:{what} (the zone is {PRIVATE_ZONE})")
        return Change(kind, subnet, PRIVATE_ZONE)
    if not (vnet and slash and name and "/" not in name and argument):
        _bad(text, SYNTAX)
    if kind == UDR:
        return Change(kind, subnet, _udr_argument(text, argument))
    if kind == PE_POLICIES and argument not in PE_NETWORK_POLICIES:
        _bad(text, f"policy {argument!r} is not one of {', '.join(PE_NETWORK_POLICIES)}")
    return Change(kind, subnet, argument)


def _udr_argument(text: str, argument: str) -> str:
    prefix, arrow, target = (part.strip() for part in argument.partition("->"))
    if not arrow or not target:
        _bad(text, "a udr needs PREFIX->FIREWALL_OR_IP, e.g. 10.1.2.4/32->fw-hub")
    try:
        network = ipaddress.IPv4Network(prefix, strict=True)
    except ValueError as exc:
        _bad(text, f"{prefix!r} is not an IPv4 prefix ({exc})")
    return f"{network}->{target}"


def _bad(text: str, problem: str) -> NoReturn:
    raise ConfigError(f"--what-if {text!r}: {problem}")


def apply_changes(topology: Topology, changes: tuple[Change, ...]) -> Topology:
    for change in changes:
        topology = apply_change(topology, change)
    return topology


def apply_change(topology: Topology, change: Change) -> Topology:
    """The topology with ``change`` made; ConfigError if it names something the model lacks."""
    if change.kind == PRIVATE_DNS:
        return _with_private_dns(topology, change)
    if change.kind == DNS_LINK:
        return _with_dns_link(topology, change)
    subnet = _subnet(topology, change)
    if change.kind == PE_POLICIES:
        changed = replace(subnet, private_endpoint_network_policies=change.argument)
        return _with_subnet(topology, changed)
    if change.kind == REMOVE_SERVICE_ENDPOINT:
        if change.argument not in subnet.service_endpoints:
            raise ConfigError(
                f"--what-if {change.text!r}: {subnet.ref} has no {change.argument} service endpoint"
            )
        kept = tuple(s for s in subnet.service_endpoints if s != change.argument)
        return _with_subnet(topology, replace(subnet, service_endpoints=kept))
    return _with_udr(topology, subnet, change)


def next_hop_ip(topology: Topology, change: Change) -> str:
    """The next hop address of a ``udr`` change: a firewall's frontend IP, or the IP as given."""
    _prefix, target = change.udr
    for firewall in topology.firewalls:
        if firewall.name == target:
            return firewall.private_ip
    try:
        return str(ipaddress.IPv4Address(target))
    except ValueError:
        names = ", ".join(f.name for f in topology.firewalls) or "none in the topology"
        raise ConfigError(
            f"--what-if {change.text!r}: next hop {target!r} is neither an IPv4 address nor a "
            f"firewall (firewalls: {names})"
        ) from None


def route_name(change: Change) -> str:
    """A route name Azure accepts (letters, digits, '-', '.', '_'), derived from the prefix."""
    prefix, target = change.udr
    safe = "".join(c if c.isalnum() or c in "-._" else "-" for c in target)
    return f"whatif-{prefix.replace('/', '_')}-via-{safe}"[:80]


def new_table_name(subnet: str) -> str:
    """The route table created for a subnet that has none."""
    return f"rt-{subnet.partition('/')[2]}-whatif"


def _with_udr(topology: Topology, subnet: Subnet, change: Change) -> Topology:
    prefix, _target = change.udr
    route = Route(route_name(change), prefix, "VirtualAppliance", next_hop_ip(topology, change))
    tables = list(topology.route_tables)
    name = subnet.route_table
    if name is None:
        name = new_table_name(subnet.ref)
        tables.append(RouteTable(name))
        subnet = replace(subnet, route_table=name)
    for i, table in enumerate(tables):
        if table.name == name:
            kept = tuple(r for r in table.routes if r.address_prefix != prefix)
            tables[i] = replace(table, routes=(*kept, route))
    return replace(_with_subnet(topology, subnet), route_tables=tuple(tables))


def _with_private_dns(topology: Topology, change: Change) -> Topology:
    if not any(c.name == change.scope for c in topology.clients):
        names = ", ".join(c.name for c in topology.clients[:8])
        raise ConfigError(f"--what-if {change.text!r}: unknown client {change.scope!r} ({names})")
    clients = tuple(
        replace(c, uses_private_dns=True) if c.name == change.scope else c for c in topology.clients
    )
    return replace(topology, clients=clients)


def _with_dns_link(topology: Topology, change: Change) -> Topology:
    if not any(v.name == change.scope for v in topology.vnets):
        raise ConfigError(f"--what-if {change.text!r}: unknown VNet {change.scope!r}")
    zones = list(topology.private_dns_zones)
    for i, zone in enumerate(zones):
        if zone.name == PRIVATE_ZONE:
            links = tuple(dict.fromkeys((*zone.virtual_network_links, change.scope)))
            zones[i] = replace(zone, virtual_network_links=links)
            return replace(topology, private_dns_zones=tuple(zones))
    raise ConfigError(
        f"--what-if {change.text!r}: the topology describes no {PRIVATE_ZONE} zone "
        "(use private-dns:CLIENT)"
    )


def _subnet(topology: Topology, change: Change) -> Subnet:
    vnet_name, _, name = change.scope.partition("/")
    vnet = next((v for v in topology.vnets if v.name == vnet_name), None)
    if vnet is None:
        raise ConfigError(
            f"--what-if {change.text!r}: unknown VNet {vnet_name!r} in {topology.source}"
        )
    found = next((s for s in vnet.subnets if s.name == name), None)
    if found is not None:
        return found
    if name == GATEWAY_SUBNET and any(g.vnet == vnet_name for g in topology.gateways):
        return Subnet(GATEWAY_SUBNET, vnet_name, ())  # the model synthesises it for the gateway
    known = ", ".join(s.name for s in vnet.subnets)
    raise ConfigError(
        f"--what-if {change.text!r}: VNet {vnet_name} has no subnet {name!r} (it has: {known})"
    )


def _with_subnet(topology: Topology, subnet: Subnet) -> Topology:
    vnets: list[VirtualNetwork] = []
    for vnet in topology.vnets:
        if vnet.name != subnet.vnet:
            vnets.append(vnet)
            continue
        placed = any(s.name == subnet.name for s in vnet.subnets)
        subnets = tuple(subnet if s.name == subnet.name else s for s in vnet.subnets)
        vnets.append(replace(vnet, subnets=subnets if placed else (*subnets, subnet)))
    return replace(topology, vnets=tuple(vnets))


def describe(topology: Topology, change: Change) -> str:
    """The change in words, e.g. ``add a UDR 10.1.2.4/32 -> fw-hub (10.0.0.68) to the route
    table of vnet-hub/snet-mgmt (new route table rt-snet-mgmt-whatif)``."""
    if change.kind == DNS_LINK:
        return f"link the {PRIVATE_ZONE} zone to {change.scope}"
    if change.kind == PRIVATE_DNS:
        return (
            f"make {change.scope} resolve the vault through the {PRIVATE_ZONE} zone "
            "(its private endpoint address)"
        )
    if change.kind == PE_POLICIES:
        return f"set private endpoint network policies {change.argument} on {change.scope}"
    if change.kind == REMOVE_SERVICE_ENDPOINT:
        return f"remove the {change.argument} service endpoint from {change.scope}"
    prefix, target = change.udr
    ip = next_hop_ip(topology, change)
    hop = target if ip == target else f"{target} ({ip})"
    table = _subnet(topology, change).route_table
    where = f"route table {table}" if table else f"new route table {new_table_name(change.scope)}"
    return f"add a UDR {prefix} -> {hop} for {change.scope} ({where})"
