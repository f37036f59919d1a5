"""Expected path from a client to a destination (usually a Key Vault), hop by hop.

Each hop names the route or setting that decided it; the classic firewall bypasses are named
(``ExpectedPath.bypass``). Built on ``netlogs.routing``; pure and deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from netlogs.errors import ConfigError, NoPathError
from netlogs.model import Confidence, ExpectedPath, HopKind, PathHop
from netlogs.paths.endpoints import resolve_origin, resolve_targets
from netlogs.paths.outcome import SnatExpectation, snat_expectation
from netlogs.paths.walk import walk
from netlogs.routing import RoutingOptions, index_for
from netlogs.topology.model import Topology

__all__ = [
    "SnatExpectation",
    "expected_path",
    "expected_paths_to_vault",
    "firewall_snat",
    "locate_ip",
]


def expected_path(
    topology: Topology,
    source: str,
    destination: str,
    port: int | None = None,
    options: RoutingOptions | None = None,
) -> ExpectedPath:
    """Walk from ``source`` (IP, CIDR, ``vnet/subnet``, client name, on-premises prefix) to
    ``destination`` (IP, vault name or FQDN). A vault with several private endpoints: the first
    path that delivers. Raises NoPathError when either end can't be placed in the topology."""
    index = index_for(topology, options)
    origin = resolve_origin(index, source)
    paths = [walk(index, origin, t, port) for t in resolve_targets(index, destination, origin)]
    chosen = next((p for p in paths if p.delivered), paths[0])
    return replace(chosen, destination=destination)


def expected_paths_to_vault(
    topology: Topology,
    vault_name: str,
    client_ips: Sequence[str],
    options: RoutingOptions | None = None,
) -> dict[str, ExpectedPath]:
    """One expected path per client IP; an IP the topology can't place gets a one-hop,
    low-confidence path instead of an error."""
    if not any(v.name == vault_name for v in topology.key_vaults):  # once per call
        raise ConfigError(f"{topology.source}: unknown vault {vault_name!r}")
    result: dict[str, ExpectedPath] = {}
    for ip in client_ips:
        try:
            result[ip] = expected_path(topology, ip, vault_name, options=options)
        except NoPathError as exc:
            result[ip] = _unplaced(ip, vault_name, str(exc))
    return result


def _unplaced(ip: str, vault: str, why: str) -> ExpectedPath:
    hop = PathHop(HopKind.CLIENT, ip, f"{ip} is not in the topology ({why})", Confidence.LOW)
    return ExpectedPath(ip, vault, None, False, "client not in the topology", (), (hop,),
                        confidence=Confidence.LOW)


def locate_ip(topology: Topology, ip: str) -> str | None:
    """The ``vnet/subnet`` containing ``ip``, or None."""
    return index_for(topology).locate(ip)


def firewall_snat(topology: Topology, firewall_name: str, destination: str) -> SnatExpectation:
    """What source the vault sees for traffic the firewall forwards to ``destination``."""
    index = index_for(topology)
    for firewall in topology.firewalls:
        if firewall.name == firewall_name:
            return snat_expectation(index, firewall, destination)
    raise ConfigError(f"{topology.source}: unknown firewall {firewall_name!r}")
