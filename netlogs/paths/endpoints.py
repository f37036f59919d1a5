"""Where a path starts (client, subnet, IP, on-premises prefix) and where it goes (IP, vault)."""

from __future__ import annotations

from dataclasses import replace

from netlogs.errors import NoPathError
from netlogs.model import Confidence
from netlogs.paths.endpoint_types import Origin, Target
from netlogs.paths.resolution import resolve_vault_name
from netlogs.routing import RoutingIndex
from netlogs.routing.index import GATEWAY_SUBNET
from netlogs.routing.prefixes import covers, format_ip, parse_ip, parse_prefix
from netlogs.routing.types import UNKNOWN_PUBLIC_ADDRESS
from netlogs.topology.model import Client, KeyVault, VirtualNetworkGateway

__all__ = ["Origin", "Target", "is_rfc1918", "resolve_origin", "resolve_targets"]

RFC1918 = ((0x0A000000, 8), (0xAC100000, 12), (0xC0A80000, 16))


def resolve_origin(index: RoutingIndex, source: str) -> Origin:
    """A named client, ``vnet/subnet``, an IP or a CIDR; NoPathError if the model can't place it."""
    topology = index.topology
    if source in index.clients:
        return _from_client(index, index.clients[source], source)
    if source in index.subnets:
        return Origin(source, source, None, f"subnet {source}")
    parsed = parse_prefix(source)
    if parsed is None:
        raise NoPathError(
            f"{topology.source}: unknown client {source!r} "
            "(not a client name, vnet/subnet, IP or CIDR)"
        )
    owner = _client_owning(topology.clients, parsed)
    if owner is not None:
        return _from_client(index, owner, source, ip=format_ip(parsed[0]))
    return _from_address(index, source, parsed)


def _from_client(index: RoutingIndex, client: Client, label: str, ip: str | None = None) -> Origin:
    first = ip or _first_ip(client)
    if client.kind == "onprem":
        gateway = _gateway_named(index, client.gateway)
        return _onprem(index, label, first, gateway, client)
    if client.subnet:
        index.subnet(client.subnet)  # ConfigError if the client's subnet is unknown
        where = f"{client.kind} {client.name} in {client.subnet}"
        return Origin(label, client.subnet, first, where, client)
    located = index.locate(first) if first else None
    if located is None:
        raise NoPathError(f"{index.topology.source}: client {client.name}: not in any subnet")
    return Origin(label, located, first, f"{client.kind} {client.name} in {located}", client)


def _from_address(index: RoutingIndex, label: str, parsed: tuple[int, int]) -> Origin:
    ip = format_ip(parsed[0])
    located = index.locate(ip)
    if located is not None:
        return Origin(label, located, ip, f"in {located}", labelled=True)
    for gateways in index.gateways_by_vnet.values():
        for gateway in gateways:
            prefixes = (*gateway.learned_prefixes, *gateway.local_network_prefixes)
            if any(covers(p, parsed) for p in map(parse_prefix, prefixes) if p is not None):
                return _onprem(index, label, ip, gateway, None)
    raise NoPathError(
        f"{index.topology.source}: {label} is in no subnet, client or on-premises prefix"
    )


def _onprem(
    index: RoutingIndex, label: str, ip: str | None, gateway: VirtualNetworkGateway,
    client: Client | None,
) -> Origin:
    name = f"on-premises {client.name}" if client else "on-premises"
    subnet = f"{gateway.vnet}/{GATEWAY_SUBNET}"
    index.subnet(subnet)  # synthesised when the topology omits it
    return Origin(label, subnet, ip, f"{name} entering through {gateway.name}", client, gateway)


def _gateway_named(index: RoutingIndex, name: str | None) -> VirtualNetworkGateway:
    gateways = [g for gs in index.gateways_by_vnet.values() for g in gs]
    for gateway in gateways:
        if gateway.name == name or (name is None and len(gateways) == 1):
            return gateway
    raise NoPathError(f"{index.topology.source}: on-premises client needs a gateway, got {name!r}")


def _client_owning(clients: tuple[Client, ...], address: tuple[int, int]) -> Client | None:
    for client in clients:
        for text in client.ips:
            parsed = parse_prefix(text)
            if parsed is not None and covers(parsed, address):
                return client
    return None


def _first_ip(client: Client) -> str | None:
    """The client's first address (a CIDR stays a CIDR: on-premises ranges)."""
    return client.ips[0] if client.ips else None


def resolve_targets(index: RoutingIndex, destination: str, origin: Origin) -> list[Target]:
    """The address(es) traffic to ``destination`` goes to, as the client's DNS resolves them."""
    topology = index.topology
    if parse_ip(destination) is not None:
        return [_target_for_ip(index, destination)]
    if ":" in destination:
        raise NoPathError(f"{topology.source}: {destination}: IPv6 paths are not modelled (the "
                          "model computes IPv4 routes only; IPv6 space is a topology gap)")
    vault = index.vaults.get(destination.lower().rstrip("."))
    if vault is not None:
        return _vault_targets(index, vault, origin)
    raise NoPathError(f"{topology.source}: unknown destination {destination!r} (IP, vault or FQDN)")


def _target_for_ip(index: RoutingIndex, ip: str) -> Target:
    pe = index.pe_by_ip.get(ip)
    if pe is not None:
        return Target(ip, ip, index.vaults.get(pe.target.lower()), pe)
    vault = index.vault_by_public_ip.get(ip)
    if vault is not None:
        return Target(ip, ip, vault, public=True, note="public endpoint address of the vault")
    return Target(ip, ip)


def _vault_targets(index: RoutingIndex, vault: KeyVault, origin: Origin) -> list[Target]:
    known = index.private_endpoints
    pes = [known[n] for n in vault.private_endpoints if n in known]
    answer = resolve_vault_name(index, vault, origin) if pes else None
    if answer is not None and answer.private and not answer.addresses:
        answer = replace(answer, addresses=tuple(pe.ip for pe in pes))
    if answer is not None and answer.private:
        chosen = [pe for pe in pes if pe.ip in answer.addresses]
        if not chosen:  # a stale record: the name gives an address no endpoint of it holds
            note = f"{answer.note}; no private endpoint of {vault.name} has that address"
            return [Target(vault.name, answer.addresses[0], vault, note=note,
                           confidence=Confidence.MEDIUM)]
        return [Target(vault.name, pe.ip, vault, pe, note=answer.note,
                       confidence=answer.confidence, unevaluated=answer.unevaluated)
                for pe in chosen]
    why = answer.note if answer is not None else "no private endpoint"
    ip = vault.public_ips[0] if vault.public_ips else _service_address(index, "Microsoft.KeyVault")
    note = f"{vault.host} resolves to its public endpoint {ip} ({why})"
    confidence = answer.confidence if answer is not None else Confidence.HIGH
    if not vault.public_ips:
        note += "; the vault's public address is unknown, a service prefix stands in"
        if confidence is Confidence.HIGH:
            confidence = Confidence.MEDIUM
    return [Target(vault.name, ip, vault, public=True, note=note, confidence=confidence,
                   unevaluated=answer.unevaluated if answer is not None else ())]


def _service_address(index: RoutingIndex, service: str) -> str:
    """A stand-in public address of a service when the vault's own is unknown."""
    for text in index.service_prefixes.get(service, ()):
        parsed = parse_prefix(text)
        if parsed is not None:
            return format_ip(parsed[0] + (1 if parsed[1] < 32 else 0))
    return UNKNOWN_PUBLIC_ADDRESS


def is_rfc1918(ip: str) -> bool:
    value = parse_ip(ip)
    return value is not None and any(covers(r, (value, 32)) for r in RFC1918)
