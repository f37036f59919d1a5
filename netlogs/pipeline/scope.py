"""What a trace is about: the vault, its private endpoints, the required firewall, the clients.

Every name the user typed is checked against the topology here, before any evidence is read, so
a typo fails fast with one line naming the topology file and the known names.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from netlogs.errors import ConfigError
from netlogs.topology.model import KeyVault, PrivateEndpoint, Topology

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class ClientScope:
    """The clients a `--from` filter keeps (networks; a single IP is a /32 or /128)."""

    text: str
    networks: tuple[IPNetwork, ...]

    def contains(self, ip: str) -> bool:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address in network for network in self.networks)


def find_vault(topology: Topology, name: str) -> KeyVault:
    """The vault called ``name`` (case-insensitive, as Azure resource names are).

    Raises:
        ConfigError: no vault of that name in the topology.
    """
    for vault in topology.key_vaults:
        if vault.name.lower() == name.lower():
            return vault
    known = ", ".join(sorted(v.name for v in topology.key_vaults)) or "none"
    raise ConfigError(f"unknown vault {name!r}: not in topology {topology.source} (known: {known})")


def vault_private_endpoints(topology: Topology, vault: KeyVault) -> tuple[PrivateEndpoint, ...]:
    """The vault's private endpoints, named by the vault or pointing at it, sorted by name."""
    listed = {n.lower() for n in vault.private_endpoints}
    found = [
        pe
        for pe in topology.private_endpoints
        if pe.name.lower() in listed or pe.target.lower() == vault.name.lower()
    ]
    return tuple(sorted(found, key=lambda pe: pe.name))


def required_firewall(topology: Topology, vault: KeyVault, flag: str | None) -> str | None:
    """The firewall the design requires for this vault: the flag wins over the topology's rule.

    Raises:
        ConfigError: the named firewall is not in the topology.
    """
    name = flag
    if name is None:
        rules = [r for r in topology.design_rules if r.vault.lower() == vault.name.lower()]
        name = next((r.require_firewall for r in rules if r.require_firewall), None)
    if name is None:
        return None
    for firewall in topology.firewalls:
        if firewall.name.lower() == name.lower():
            return firewall.name
    known = ", ".join(sorted(f.name for f in topology.firewalls)) or "none"
    raise ConfigError(
        f"unknown firewall {name!r} in --require-firewall: not in topology {topology.source}"
        f" (known: {known})"
    )


def forbids_public_endpoint(topology: Topology, vault: KeyVault) -> bool:
    """Whether the design forbids the public endpoint (the default when no rule says otherwise)."""
    rules = [r for r in topology.design_rules if r.vault.lower() == vault.name.lower()]
    return all(r.forbid_public_endpoint for r in rules)


def resolve_client_scope(topology: Topology, text: str) -> ClientScope:
    """`--from CLIENT`: an IP, a CIDR, a named client or ``vnet/subnet`` of the topology.

    Raises:
        ConfigError: the text is none of these.
    """
    cleaned = text.strip()
    try:
        return ClientScope(cleaned, (ipaddress.ip_network(cleaned, strict=False),))
    except ValueError:
        pass
    prefixes = _named_prefixes(topology, cleaned)
    if not prefixes:
        raise ConfigError(
            f"unknown client {text!r} in --from: not an IP, a CIDR, a client or a vnet/subnet"
            f" of topology {topology.source}"
        )
    return ClientScope(cleaned, tuple(ipaddress.ip_network(p, strict=False) for p in prefixes))


def _named_prefixes(topology: Topology, name: str) -> tuple[str, ...]:
    lowered = name.lower()
    for client in topology.clients:
        if client.name.lower() == lowered:
            if client.ips:
                return client.ips
            if client.subnet:
                return _subnet_prefixes(topology, client.subnet)
    return _subnet_prefixes(topology, name)


def _subnet_prefixes(topology: Topology, ref: str) -> tuple[str, ...]:
    lowered = ref.lower()
    for vnet in topology.vnets:
        if vnet.name.lower() == lowered:
            return vnet.address_prefixes
        for subnet in vnet.subnets:
            if subnet.ref.lower() == lowered:
                return subnet.address_prefixes
    return ()


def client_name(topology: Topology, ip: str) -> str | None:
    """How the report names a client address: a named client, else the subnet that holds it."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    best: tuple[int, str] | None = None
    for client in topology.clients:
        for prefix in client.ips:
            network = ipaddress.ip_network(prefix, strict=False)
            if address in network and (best is None or network.prefixlen > best[0]):
                best = (network.prefixlen, client.name)
    if best is not None:
        return best[1]
    for vnet in topology.vnets:
        for subnet in vnet.subnets:
            if any(
                address in ipaddress.ip_network(p, strict=False) for p in subnet.address_prefixes
            ):
                return subnet.ref
    return None


def modelled_clients(topology: Topology, ips: tuple[str, ...]) -> tuple[str, ...]:
    """The addresses the model can draw a path from: inside a subnet (but not a firewall's own
    subnet, whose addresses are SNAT sources, not clients), a named client, or a gateway's
    on-premises prefixes. Public callers and unknown addresses get no expected path at all,
    rather than a made-up one the logs would then "contradict"."""
    firewall_subnets = {f"{f.vnet}/{f.subnet}".lower() for f in topology.firewalls}
    onprem = [
        ipaddress.ip_network(p, strict=False)
        for g in topology.gateways
        for p in (*g.learned_prefixes, *g.local_network_prefixes)
    ]
    kept = []
    for ip in ips:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            continue
        name = client_name(topology, ip)
        if name is not None and name.lower() in firewall_subnets:
            continue
        if name is not None or any(address in network for network in onprem):
            kept.append(ip)
    return tuple(kept)
