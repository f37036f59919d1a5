"""Expected path from a client to a destination (usually a Key Vault), hop by hop.

Each hop names the route or setting that decided it; the classic firewall bypasses are named
(``ExpectedPath.bypass``). Built on ``netlogs.routing``; pure and deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from netlogs.errors import ConfigError, NoPathError
from netlogs.model import Confidence, ExpectedPath, HopKind, PathHop
from netlogs.paths.endpoints import Origin, resolve_origin, resolve_targets
from netlogs.paths.outcome import SnatExpectation, snat_expectation
from netlogs.paths.walk import walk
from netlogs.routing import RoutingIndex, RoutingOptions, index_for
from netlogs.routing.prefixes import covers, exact_ipv4, parse_prefix
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
    return _walked(index, resolve_origin(index, source), destination, port)


def _walked(
    index: RoutingIndex, origin: Origin, destination: str, port: int | None
) -> ExpectedPath:
    paths = [walk(index, origin, t, port) for t in resolve_targets(index, destination, origin)]
    chosen = next((p for p in paths if p.delivered), paths[0])
    return replace(chosen, destination=destination)


# Stands in for a client address while one path is walked for every address of a group; it
# cannot occur in a topology name or an address, so replacing it back is exact.
_ANY_ADDRESS = "\x00address\x00"


def expected_paths_to_vault(
    topology: Topology,
    vault_name: str,
    client_ips: Sequence[str],
    options: RoutingOptions | None = None,
) -> dict[str, ExpectedPath]:
    """One expected path per client IP; an IP the topology can't place gets a one-hop,
    low-confidence path instead of an error.

    Addresses that start from the same place (subnet, named client, gateway) take the same
    route decisions, and the address only appears in the text: the path is walked once per
    place with a stand-in address, then written out per address. A trace with tens of
    thousands of clients walks a few dozen paths.
    """
    if not any(v.name == vault_name for v in topology.key_vaults):  # once per call
        raise ConfigError(f"{topology.source}: unknown vault {vault_name!r}")
    index = index_for(topology, options)
    owned = [parsed for c in topology.clients for p in c.ips if (parsed := parse_prefix(p))]
    walked: dict[tuple[object, ...], _Walked] = {}
    result: dict[str, ExpectedPath] = {}
    for ip in client_ips:
        try:
            # most clients are plain addresses in a subnet: place them without building an Origin
            subnet = _plain_address_subnet(index, ip, owned)
            if subnet is not None and ("subnet", subnet) in walked:
                result[ip] = walked["subnet", subnet].written_for(ip)
                continue
            origin = resolve_origin(index, ip)
            if origin.label != ip or origin.ip != ip:  # not a bare address: walk it as asked
                result[ip] = _walked(index, origin, vault_name, None)
                continue
            place: tuple[object, ...] = ("subnet", subnet)  # in that subnet, no named client
            if subnet is None:
                place = (
                    origin.subnet,
                    origin.place,
                    origin.labelled,
                    origin.client,
                    origin.gateway,
                )
            if place not in walked:
                stand_in = replace(origin, label=_ANY_ADDRESS, ip=_ANY_ADDRESS)
                walked[place] = _Walked.of(_walked(index, stand_in, vault_name, None))
            result[ip] = walked[place].written_for(ip)
        except NoPathError as exc:
            result[ip] = _unplaced(ip, vault_name, str(exc))
    return result


def _plain_address_subnet(index: RoutingIndex, ip: str, owned: list[tuple[int, int]]) -> str | None:
    """The subnet of ``ip`` when it is an IPv4 address as written, of no named client, in a
    subnet (``resolve_origin`` then starts it "in <subnet>"); None for anything else."""
    if ip in index.clients:
        return None
    address = exact_ipv4(ip)
    if address is None or any(covers(prefix, (address, 32)) for prefix in owned):
        return None
    return index.locate_address(address)


@dataclass(frozen=True)
class _Walked:
    """A path walked with the stand-in address, and which of its hops name the address."""

    path: ExpectedPath
    naming: tuple[int, ...]

    @classmethod
    def of(cls, path: ExpectedPath) -> _Walked:
        naming = tuple(i for i, h in enumerate(path.hops) if _ANY_ADDRESS in h.name + h.detail)
        return cls(path, naming)

    def written_for(self, ip: str) -> ExpectedPath:
        """The path for ``ip``: hops that name it are rewritten, the others shared."""
        path = self.path
        hops = list(path.hops)
        for i in self.naming:
            h = hops[i]
            name, detail = h.name.replace(_ANY_ADDRESS, ip), h.detail.replace(_ANY_ADDRESS, ip)
            hops[i] = PathHop(h.hop, name, detail, h.confidence)
        drop = path.drop_reason
        if drop is not None and _ANY_ADDRESS in drop:
            drop = drop.replace(_ANY_ADDRESS, ip)
        return ExpectedPath(
            ip,
            path.destination,
            path.port,
            path.delivered,
            drop,
            path.firewalls,
            tuple(hops),
            path.bypass,
            path.confidence,
            path.unevaluated,
        )


def _unplaced(ip: str, vault: str, why: str) -> ExpectedPath:
    hop = PathHop(HopKind.CLIENT, ip, f"{ip} is not in the topology ({why})", Confidence.LOW)
    return ExpectedPath(
        ip, vault, None, False, "client not in the topology", (), (hop,), confidence=Confidence.LOW
    )


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
