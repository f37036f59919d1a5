"""Cross-resource checks of a loaded topology: references resolve, address plans are sane.

These mirror what Azure itself refuses (a subnet outside its VNet, overlapping subnets, peering
two overlapping VNets, a private endpoint IP outside its subnet), so a topology that passes could
exist in Azure and the route computation never has to guess.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from netlogs.errors import TopologyError
from netlogs.topology.addresses import Block, first_overlap, reserved_by_azure
from netlogs.topology.fields import IPNetwork
from netlogs.topology.model import Subnet, Topology, VirtualNetwork


def validate_topology(topology: Topology) -> None:
    """Raise TopologyError for the first broken reference or address-plan conflict."""
    file = topology.source
    _unique(file, "virtualNetworks", (v.name for v in topology.vnets))
    _unique(file, "routeTables", (r.name for r in topology.route_tables))
    _unique(file, "firewalls", (f.name for f in topology.firewalls))
    _unique(file, "virtualNetworkGateways", (g.name for g in topology.gateways))
    _unique(file, "privateEndpoints", (p.name for p in topology.private_endpoints))
    _unique(file, "keyVaults", (k.name for k in topology.key_vaults))
    _unique(file, "clients", (c.name for c in topology.clients))
    vnets = {v.name: v for v in topology.vnets}
    route_tables = {r.name for r in topology.route_tables}
    peered_back = {v.name: {p.remote_vnet for p in v.peerings} for v in topology.vnets}
    for vnet in topology.vnets:
        _check_vnet(file, vnet, route_tables)
        _check_peerings(file, vnet, vnets, peered_back)
    subnets = {s.ref: s for v in topology.vnets for s in v.subnets}
    _check_appliances(file, topology, vnets, subnets)
    addresses = _Addresses(file)
    _check_private_endpoints(file, topology, subnets, addresses)
    _check_clients_and_rules(file, topology, subnets, addresses)
    _check_hub_route_views(file, topology)
    _check_manager_members(file, topology, set(vnets), set(subnets))


def _check_manager_members(file: str, topology: Topology, vnets: set[str],
                           subnets: set[str]) -> None:
    """Rule collections apply to VNets of the file (routing ones also to subnets)."""
    sections: list[tuple[str, str, tuple[str, ...], set[str]]] = [
        ("securityAdminRuleCollections", c.name, c.members, set())
        for c in topology.security_admin_rules]
    sections += [("routingRuleCollections", c.name, c.members, subnets)
                 for c in topology.routing_rules]
    for section, name, members, also in sections:
        for member in members:
            if member not in vnets and member not in also:
                raise TopologyError(file, f"{section}[{name}]",
                                    f"members: {member!r} is not a virtual network of the file"
                                    + (" (or vnet/subnet)" if also else ""))


def _check_hub_route_views(file: str, topology: Topology) -> None:
    """A connection's effective routes name one of the hub's connected VNets."""
    for hub in topology.virtual_hubs:
        for view in hub.effective_routes:
            if view.resource_type == "HubVirtualNetworkConnection" and (
                    view.resource not in hub.connections):
                raise TopologyError(file, f"virtualHubs[{hub.name}].effectiveRoutes"
                                          f"[{view.resource}]",
                                    "resource: not one of the hub's virtualNetworkConnections "
                                    "(name the connected VNet)")


def _unique(file: str, section: str, names: Iterable[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise TopologyError(file, f"{section}[{name}]", "name: used by more than one entry")
        seen.add(name)


def _net(text: str) -> IPNetwork:
    return ipaddress.ip_network(text, strict=False)


def _inside(address: str, prefixes: Iterable[str]) -> bool:
    ip = _net(address)
    return any(ip.version == p.version and ip.subnet_of(p) for p in map(_net, prefixes))  # type: ignore[arg-type]


def _first_overlap(left: Iterable[str], right: Iterable[str]) -> tuple[str, str] | None:
    """A prefix of ``left`` overlapping one of ``right`` (short lists: the ranges of two VNets)."""
    for a in left:
        for b in right:
            if _net(a).overlaps(_net(b)):
                return a, b
    return None


def _check_vnet(file: str, vnet: VirtualNetwork, route_tables: set[str]) -> None:
    where = f"virtualNetworks[{vnet.name}]"
    clash = first_overlap(Block(_net(p), p) for p in vnet.address_prefixes)
    if clash:
        first, second = sorted((clash[0].tag, clash[1].tag), key=vnet.address_prefixes.index)
        raise TopologyError(file, where, f"addressPrefixes: {first} overlaps {second}")
    _unique(file, f"{where}.subnets", (s.name for s in vnet.subnets))
    _unique(file, f"{where}.virtualNetworkPeerings", (p.name for p in vnet.peerings))
    space = [Block(_net(p), p) for p in vnet.address_prefixes]
    blocks = [
        Block(_net(prefix), (index, subnet, prefix))
        for index, subnet in enumerate(vnet.subnets)
        for prefix in subnet.address_prefixes
    ]
    for block in blocks:
        _, subnet, prefix = block.tag
        if not any(block.within(outer) for outer in space):
            raise TopologyError(file, f"{where}.subnets[{subnet.name}]",
                                f"addressPrefixes: {prefix} is outside the VNet's address "
                                f"space ({', '.join(vnet.address_prefixes)})")
    for subnet in vnet.subnets:
        if subnet.route_table is not None and subnet.route_table not in route_tables:
            raise TopologyError(file, f"{where}.subnets[{subnet.name}]",
                                f"routeTable: unknown route table {subnet.route_table!r}")
    _check_subnet_overlaps(file, vnet.name, blocks)


def _check_subnet_overlaps(
    file: str, vnet: str, blocks: list[Block[tuple[int, Subnet, str]]]
) -> None:
    """One sort over every subnet prefix of the VNet (a VNet may hold thousands of subnets)."""
    clash = first_overlap(blocks)
    if clash is None:
        return
    (_, first, first_prefix), (_, second, second_prefix) = sorted(
        (clash[0].tag, clash[1].tag), key=lambda tag: tag[0]
    )
    where = f"virtualNetworks[{vnet}].subnets[{first.name}]"
    other = "another prefix of the same subnet" if first is second else f"subnet {second.name}"
    raise TopologyError(file, where, f"addressPrefixes: {first_prefix} overlaps {other} "
                                     f"({second_prefix})")


def _check_peerings(
    file: str, vnet: VirtualNetwork, vnets: dict[str, VirtualNetwork],
    peered_back: dict[str, set[str]],
) -> None:
    for peering in vnet.peerings:
        where = f"virtualNetworks[{vnet.name}].virtualNetworkPeerings[{peering.name}]"
        remote = vnets.get(peering.remote_vnet)
        if remote is None:
            raise TopologyError(file, where, f"remoteVirtualNetwork: unknown virtual network "
                                             f"{peering.remote_vnet!r}")
        if remote.name == vnet.name:
            raise TopologyError(file, where, "remoteVirtualNetwork: a VNet cannot peer with itself")
        if peering.state == "Connected" and vnet.name not in peered_back.get(remote.name, ()):
            raise TopologyError(file, where, f"remoteVirtualNetwork: {remote.name} has no peering "
                                             f"back to {vnet.name} (a Connected peering has two "
                                             "sides; add it or set peeringState: Initiated)")
        clash = _first_overlap(vnet.address_prefixes, remote.address_prefixes)
        if clash:
            raise TopologyError(file, where, f"remoteVirtualNetwork: peered VNets overlap "
                                             f"({vnet.name} {clash[0]}, {remote.name} {clash[1]})")


def _check_appliances(
    file: str, topology: Topology, vnets: dict[str, VirtualNetwork], subnets: dict[str, Subnet]
) -> None:
    for fw in topology.firewalls:
        where = f"firewalls[{fw.name}]"
        if fw.vnet not in vnets:
            raise TopologyError(file, where, f"virtualNetwork: unknown virtual network {fw.vnet!r}")
        subnet = subnets.get(f"{fw.vnet}/{fw.subnet}")
        if subnet is None:
            raise TopologyError(file, where, f"subnet: VNet {fw.vnet!r} has no subnet "
                                             f"{fw.subnet!r}")
        for field, ips in (("privateIpAddress", (fw.private_ip,)),
                           ("instanceIpAddresses", fw.instance_ips)):
            _require_inside(file, where, field, ips, subnet)
    for gw in topology.gateways:
        where = f"virtualNetworkGateways[{gw.name}]"
        vnet = vnets.get(gw.vnet)
        if vnet is None:
            raise TopologyError(file, where, f"virtualNetwork: unknown virtual network {gw.vnet!r}")
        for ip in gw.instance_ips:
            if not _inside(ip, vnet.address_prefixes):
                raise TopologyError(file, where, f"instanceIpAddresses: {ip} is outside VNet "
                                                 f"{gw.vnet}")


def _require_inside(
    file: str, where: str, field: str, ips: Iterable[str], subnet: Subnet, *,
    assignable: bool = False,
) -> None:
    """Every address lies in the subnet; with ``assignable``, none is one Azure keeps."""
    prefixes = [_net(p) for p in subnet.address_prefixes]
    for ip in ips:
        net = _net(ip)
        if not any(net.version == p.version and net.subnet_of(p) for p in prefixes):  # type: ignore[arg-type]
            raise TopologyError(file, where, f"{field}: {ip} is outside subnet {subnet.ref} "
                                             f"({', '.join(subnet.address_prefixes)})")
        reserved = reserved_by_azure(net.network_address, prefixes) if assignable and \
            net.num_addresses == 1 else None
        if reserved is not None:
            raise TopologyError(file, where, f"{field}: {ip} is reserved by Azure in subnet "
                                             f"{subnet.ref} ({reserved}: its network address, "
                                             "first three host addresses and broadcast address "
                                             "cannot be assigned)")


class _Addresses:
    """Who holds each address, per network: two NICs never share one."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.owners: dict[tuple[str, str], str] = {}

    def claim(self, where: str, field: str, network: str, ips: Iterable[str]) -> None:
        for ip in ips:
            owner = self.owners.setdefault((network, ip), where)
            if owner != where:
                raise TopologyError(self.file, where, f"{field}: {ip} is also the address of "
                                                      f"{owner} ({network}): two endpoints "
                                                      "cannot share an address")


def _subnet_ref(file: str, where: str, field: str, ref: str, subnets: dict[str, Subnet]) -> Subnet:
    if ref.count("/") != 1:
        raise TopologyError(file, where, f"{field}: {ref!r} is not of the form 'vnet/subnet'")
    if ref not in subnets:
        raise TopologyError(file, where, f"{field}: unknown subnet {ref!r}")
    return subnets[ref]


def _check_private_endpoints(
    file: str, topology: Topology, subnets: dict[str, Subnet], addresses: _Addresses
) -> None:
    vaults = {k.name for k in topology.key_vaults}
    for pe in topology.private_endpoints:
        where = f"privateEndpoints[{pe.name}]"
        subnet = _subnet_ref(file, where, "subnet", pe.subnet, subnets)
        _require_inside(file, where, "privateIpAddress", (pe.ip,), subnet, assignable=True)
        addresses.claim(where, "privateIpAddress", f"VNet {subnet.vnet}", (pe.ip,))
        if pe.target not in vaults:
            raise TopologyError(file, where, f"target: unknown key vault {pe.target!r}")
    for vault in topology.key_vaults:
        where = f"keyVaults[{vault.name}].networkAcls"
        for ref in vault.network_acls.virtual_network_rules:
            _subnet_ref(file, where, "virtualNetworkRules", ref, subnets)


def _check_clients_and_rules(
    file: str, topology: Topology, subnets: dict[str, Subnet], addresses: _Addresses
) -> None:
    gateways = {g.name for g in topology.gateways}
    for client in topology.clients:
        where = f"clients[{client.name}]"
        if client.subnet is not None:
            subnet = _subnet_ref(file, where, "subnet", client.subnet, subnets)
            _require_inside(file, where, "ipAddresses", client.ips, subnet, assignable=True)
            addresses.claim(where, "ipAddresses", f"VNet {subnet.vnet}", client.ips)
        elif client.gateway is not None:
            addresses.claim(where, "ipAddresses", f"via gateway {client.gateway}", client.ips)
        if client.subnet is None and client.kind != "onprem":
            raise TopologyError(file, where, f"subnet: required for a client of kind {client.kind}")
        if client.gateway is not None and client.gateway not in gateways:
            raise TopologyError(file, where, f"gateway: unknown virtual network gateway "
                                             f"{client.gateway!r}")
        if client.kind == "onprem" and client.gateway is None:
            raise TopologyError(file, where, "gateway: required for a client of kind onprem")
    vaults = {k.name for k in topology.key_vaults}
    firewalls = {f.name for f in topology.firewalls}
    firewalls |= {h.firewall for h in topology.virtual_hubs if h.firewall}  # secured hubs
    for rule in topology.design_rules:
        where = f"designRules[{rule.vault}]"
        if rule.vault not in vaults:
            raise TopologyError(file, where, f"vault: unknown key vault {rule.vault!r}")
        if rule.require_firewall is not None and rule.require_firewall not in firewalls:
            raise TopologyError(file, where, f"requireFirewall: unknown firewall "
                                             f"{rule.require_firewall!r}")
