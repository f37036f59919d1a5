"""Where a client starts: the subnet whose routes decide its first hop, and the named client."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from netlogs.paths import locate_ip
from netlogs.topology.model import Client, Topology
from netlogs.whatif.changes import GATEWAY_SUBNET


def origin_place(topology: Topology, source: str) -> tuple[str | None, str | None]:
    """(the subnet whose routes decide the client's first hop, the named client owning it)."""
    client = _named_client(topology, source)
    if client is not None:
        if client.kind == "onprem":
            return _gateway_subnet(topology, client.gateway), client.name
        if client.subnet:
            return client.subnet, client.name
    located = locate_ip(topology, source)
    if located is not None:
        return located, client.name if client else None
    address = _network(source)
    for gateway in topology.gateways:
        prefixes = (*gateway.learned_prefixes, *gateway.local_network_prefixes)
        if address is not None and any(_covers(p, address) for p in prefixes):
            return f"{gateway.vnet}/{GATEWAY_SUBNET}", None
    return None, None


def _named_client(topology: Topology, source: str) -> Client | None:
    address = _network(source)
    for client in topology.clients:
        if client.name == source or (address and any(_covers(p, address) for p in client.ips)):
            return client
    return None


def _gateway_subnet(topology: Topology, name: str | None) -> str | None:
    gateways = topology.gateways
    for gateway in gateways:
        if gateway.name == name or (name is None and len(gateways) == 1):
            return f"{gateway.vnet}/{GATEWAY_SUBNET}"
    return None


@lru_cache(maxsize=4096)
def _network(text: str) -> ipaddress.IPv4Network | None:
    """Parsed once per text: the topology's client and gateway prefixes are tested against every
    violating client's address (3 000 violators at 1x: predicted_fixes 0.125 -> 0.097 CPU s)."""
    try:
        return ipaddress.IPv4Network(text, strict=False)
    except ValueError:
        return None


def _covers(prefix: str, address: ipaddress.IPv4Network) -> bool:
    outer = _network(prefix)
    return outer is not None and address.subnet_of(outer)
