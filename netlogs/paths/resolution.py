"""What a client's DNS answers for a vault name.

Azure-provided DNS (a VNet without ``dnsServers``) answers from the private DNS zones linked to
the querying VNet: ``privatelink.vaultcore.azure.net`` linked with an A record for the vault gives
the private endpoint, not linked gives the public address. Custom DNS servers, on-premises
resolvers and a topology that describes no zone are not evaluated: the private endpoint is
assumed, at low confidence, and the path names the assumption.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from netlogs.model import Confidence
from netlogs.topology.coverage import PRIVATELINK_ZONE
from netlogs.topology.model import KeyVault, PrivateDnsZone

if TYPE_CHECKING:
    from netlogs.paths.endpoint_types import Origin
    from netlogs.routing import RoutingIndex


@dataclass(frozen=True)
class NameAnswer:
    private: bool  # the private endpoint (else the public address)
    addresses: tuple[str, ...]  # the A records, when a zone gave them
    note: str
    confidence: Confidence = Confidence.HIGH
    unevaluated: tuple[str, ...] = ()


def resolve_vault_name(index: RoutingIndex, vault: KeyVault, origin: Origin) -> NameAnswer:
    stated = origin.uses_private_dns
    if stated is not None:
        return _stated(vault, stated)
    zone = next((z for z in index.topology.private_dns_zones if z.name == PRIVATELINK_ZONE), None)
    if zone is None:
        return _assumed(vault, "no private DNS zone is described", "dns_not_described")
    if origin.gateway is not None:
        return _assumed(vault, "on-premises resolvers are not described", "dns_on_premises")
    vnet = index.vnets[origin.subnet.partition("/")[0]]
    view, via = _answering_view(index, vnet.name, vnet.dns_servers)
    if view is None:
        servers = ", ".join(vnet.dns_servers)
        return _assumed(vault, f"{vnet.name} uses custom DNS servers {servers}",
                        f"custom_dns_servers {vnet.name}")
    if view not in zone.virtual_network_links:
        return NameAnswer(False, (), f"{via}{zone.name} is not linked to {view}: Azure DNS "
                                     "answers the public address")
    records = _records(index, zone).get(vault.name.lower(), ())
    if not records:
        return NameAnswer(False, (), f"{via}{zone.name} linked to {view} has no A record "
                                       f"{vault.name}: NXDOMAIN, or the public address with "
                                       "fallback to internet", Confidence.MEDIUM)
    return NameAnswer(True, records, f"{vault.host} resolves to {', '.join(records)} ({via}A "
                                     f"record {vault.name} in {zone.name}, linked to {view}; "
                                     "Azure DNS)")


def _records(index: RoutingIndex, zone: PrivateDnsZone) -> dict[str, tuple[str, ...]]:
    """The zone's A records by name (built once per index: zones hold thousands)."""
    key = "a-records:" + zone.name
    cached = index.cache.get(key)
    if isinstance(cached, dict):
        return cached
    records: dict[str, tuple[str, ...]] = {}
    for name, ip in zone.a_records:
        records[name] = (*records.get(name, ()), ip)
    index.cache[key] = records
    return records


def _answering_view(index: RoutingIndex, vnet: str,
                    servers: tuple[str, ...]) -> tuple[str | None, str]:
    """Whose Azure DNS view answers a VNet's queries, and how ("via ... : "); None when a
    server in the chain is not described."""
    resolvers = {r.ip: r for r in index.topology.dns_resolvers}
    hops: list[str] = []
    address = servers[0] if servers else None
    for _ in range(4):  # forwarder chains are short; a loop is not followed forever
        if address is None:
            return vnet, (f"via {' -> '.join(hops)}: " if hops else "")
        resolver = resolvers.get(address)
        if resolver is None:
            return None, ""
        hops.append(f"{resolver.kind} {resolver.name} ({resolver.ip})")
        if resolver.virtual_network is not None:
            return resolver.virtual_network, f"via {' -> '.join(hops)}: "
        address = resolver.forward_to
    return None, ""


def _stated(vault: KeyVault, private: bool) -> NameAnswer:
    if private:
        return NameAnswer(True, (), f"{vault.host} resolves to the private endpoint "
                                      f"({PRIVATELINK_ZONE}, as stated for the client)")
    return NameAnswer(False, (), "the client has no private DNS for privatelink")


def _assumed(vault: KeyVault, why: str, construct: str) -> NameAnswer:
    note = (f"{vault.host} assumed to resolve to the private endpoint ({why}; a public answer "
            "would bypass it)")
    return NameAnswer(True, (), note, Confidence.LOW, (construct,))
