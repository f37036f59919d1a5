"""What a trace is about: the vault, its private endpoints, the required firewall, the clients.

Every name the user typed is checked against the topology here, before any evidence is read, so
a typo fails fast with one line naming the topology file and the known names.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, replace

from netlogs.errors import ConfigError
from netlogs.model import RULE_FROM_TOPOLOGY, RULE_GIVEN
from netlogs.routing import index_for
from netlogs.routing.prefixes import covers, exact_ipv4, mask, parse_prefix
from netlogs.topology.model import KeyVault, PrivateEndpoint, Topology

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
NO_RULE = "none"  # --require-firewall none: no design rule, whatever the topology says
NO_RULE_NOTE = (
    "no design rule (--require-firewall none): nothing is a bypass violation "
    "(a path around a firewall or via a service endpoint is not judged; public access is)"
)


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


def rule_turned_off(flag: str | None) -> bool:
    """``--require-firewall none`` (``require_firewall="none"``): no design rule at all."""
    return flag is not None and flag.strip().lower() == NO_RULE


def required_firewall(topology: Topology, vault: KeyVault, flag: str | None) -> str | None:
    """The firewall the design requires for this vault: the flag wins over the topology's rule;
    ``none`` means no firewall is required, whatever the topology says.

    Raises:
        ConfigError: the named firewall is not in the topology.
    """
    if rule_turned_off(flag):
        return None
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


def required_firewall_source(topology: Topology, vault: KeyVault, flag: str | None) -> str:
    """``given`` (the flag), ``topology`` (the file's design rule) or "" (no rule)."""
    if flag is not None:
        return RULE_GIVEN
    rules = [r for r in topology.design_rules if r.vault.lower() == vault.name.lower()]
    return RULE_FROM_TOPOLOGY if any(r.require_firewall for r in rules) else ""


def required_firewall_note(flag: str | None) -> str:
    """What every output states first about the rule (here: only that it was turned off)."""
    return NO_RULE_NOTE if rule_turned_off(flag) else ""


def judged_topology(topology: Topology, vault: KeyVault, flag: str | None) -> Topology:
    """The topology the paths are judged on: with ``none`` the vault's design rules require no
    firewall, so no modelled path is a bypass (the report's hash stays the given topology's)."""
    if not rule_turned_off(flag):
        return topology
    rules = tuple(
        replace(r, require_firewall=None) if r.vault.lower() == vault.name.lower() else r
        for r in topology.design_rules
    )
    return replace(topology, design_rules=rules)


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


class ClientNamer:
    """Names and placements for many client addresses against one topology.

    Every prefix is parsed once: a trace names tens of thousands of addresses, and parsing the
    topology's prefixes again for each one cost more than the correlation itself. IPv4 subnets
    are found with the routing index's locator, so a client is named after the subnet the model
    starts its path from; other addresses (IPv6) take the slower ``ipaddress`` scan.
    """

    def __init__(self, topology: Topology) -> None:
        self._topology = topology
        self._index = index_for(topology)
        self._named = sorted(
            (
                (-parsed[1], order, parsed[0], mask(parsed[1]), client.name)
                for order, client in enumerate(topology.clients)
                for prefix in client.ips
                if (parsed := parse_prefix(prefix)) is not None
            ),
        )  # longest prefix first; equal lengths in topology order
        self._firewall_subnets = {f"{f.vnet}/{f.subnet}".lower() for f in topology.firewalls}
        onprem = [
            p for g in topology.gateways for p in (*g.learned_prefixes, *g.local_network_prefixes)
        ]
        self._onprem = [parsed for p in onprem if (parsed := parse_prefix(p)) is not None]
        self._onprem_text = tuple(onprem)  # IPv6 ranges, for the rare IPv6 client
        self._names: dict[str, str | None] = {}

    def name(self, ip: str) -> str | None:
        """A named client holding ``ip`` (longest prefix), else the subnet holding it."""
        if ip not in self._names:
            self._names[ip] = self._name(ip)
        return self._names[ip]

    def _name(self, ip: str) -> str | None:
        address = exact_ipv4(ip)
        if address is None:
            return _scanned_name(self._topology, ip)
        for _, _, network, netmask, name in self._named:
            if address & netmask == network:
                return name
        return self._index.locate_address(address)

    def modelled(self, ips: Iterable[str]) -> tuple[str, ...]:
        """The addresses the model can draw a path from: inside a subnet (but not a firewall's
        own subnet, whose addresses are SNAT sources, not clients), a named client, or a
        gateway's on-premises prefixes. Public callers and unknown addresses get no expected
        path at all, rather than a made-up one the logs would then "contradict"."""
        kept = []
        for ip in ips:
            name = self.name(ip)
            if name is None:
                if self._on_premises(ip):
                    kept.append(ip)
            elif name.lower() not in self._firewall_subnets:
                kept.append(ip)
        return tuple(kept)

    def _on_premises(self, ip: str) -> bool:
        address = exact_ipv4(ip)
        if address is not None:
            return any(covers(p, (address, 32)) for p in self._onprem)
        try:
            parsed = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(parsed in ipaddress.ip_network(p, strict=False) for p in self._onprem_text)


def _scanned_name(topology: Topology, ip: str) -> str | None:
    """``ClientNamer.name`` with ``ipaddress`` objects: for what is not an IPv4 address."""
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
