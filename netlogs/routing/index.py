"""Per-topology lookups, built once: VNets, subnets, peers, private endpoints, gateways.

Computing a subnet's routes must not rescan the estate, so everything a subnet needs is a dict
lookup here. ``index_for(topology, options)`` caches one index per live Topology object.
"""

from __future__ import annotations

import bisect
import weakref
from collections import defaultdict
from collections.abc import Iterable

from netlogs.errors import ConfigError
from netlogs.routing.avnm import connected_group_members
from netlogs.routing.hub_routes import hub_route_owners
from netlogs.routing.prefixes import parse_prefix, parse_prefix_once
from netlogs.routing.types import RoutingOptions
from netlogs.routing.vwan import (
    connected_hubs,
    expand_constructs,
    hub_er_gateway_name,
    hub_gateway_name,
)
from netlogs.topology.coverage import DNS_CONSTRUCTS, affects_ipv4_routes, coverage_gaps
from netlogs.topology.model import (
    Client,
    Firewall,
    KeyVault,
    Peering,
    PrivateEndpoint,
    RouteServer,
    RouteTable,
    Subnet,
    Topology,
    TopologyGap,
    VirtualNetwork,
    VirtualNetworkGateway,
)

GATEWAY_SUBNET = "GatewaySubnet"


class RoutingIndex:
    """Everything route computation looks up, keyed by name."""

    def __init__(self, topology: Topology, options: RoutingOptions) -> None:
        self.unevaluated: tuple[TopologyGap, ...] = coverage_gaps(topology)
        self.hubs = {h.name: h for h in topology.virtual_hubs}
        self.hub_of = connected_hubs(topology)
        self.hub_route_owners = hub_route_owners(topology.virtual_hubs)
        self.hub_gateway_names = {n for h in topology.virtual_hubs
                                  for n in (hub_gateway_name(h), hub_er_gateway_name(h))}
        topology = expand_constructs(topology)  # hubs become VNets the walk can cross
        self.group_members = connected_group_members(topology)
        self.topology = topology
        self.options = options
        self.vnets: dict[str, VirtualNetwork] = {v.name: v for v in topology.vnets}
        self.subnets: dict[str, Subnet] = {s.ref: s for v in topology.vnets for s in v.subnets}
        self.route_tables: dict[str, RouteTable] = {t.name: t for t in topology.route_tables}
        self.service_prefixes: dict[str, tuple[str, ...]] = dict(topology.service_prefixes)
        self.gateways_by_vnet: dict[str, list[VirtualNetworkGateway]] = defaultdict(list)
        for gateway in topology.gateways:
            self.gateways_by_vnet[gateway.vnet].append(gateway)
        self.gateway_ips = {ip for g in topology.gateways
                            for ip in (*g.instance_ips, *((g.public_ip,) if g.public_ip else ()))}
        self.route_servers_by_vnet: dict[str, list[RouteServer]] = defaultdict(list)
        for server in topology.route_servers:
            self.route_servers_by_vnet[server.vnet].append(server)
        self.pes_by_vnet: dict[str, list[PrivateEndpoint]] = defaultdict(list)
        self.pe_policies: dict[str, str] = {}
        self.private_endpoints: dict[str, PrivateEndpoint] = {}
        for pe in topology.private_endpoints:
            vnet = pe.subnet.partition("/")[0]
            self.pes_by_vnet[vnet].append(pe)
            self.private_endpoints[pe.name] = pe
            subnet = self.subnets.get(pe.subnet)
            self.pe_policies[pe.name] = (
                subnet.private_endpoint_network_policies if subnet else "Disabled"
            )
        self.peers: dict[str, tuple[Peering, ...]] = {
            v.name: tuple(
                p for p in v.peerings if p.state == "Connected" and p.remote_vnet in self.vnets
            )
            for v in topology.vnets
        }
        self._locator = _SubnetLocator(self.subnets.values())
        self._route_gaps = [g for g in self.unevaluated if affects_ipv4_routes(g)]
        self._index_endpoints(topology)
        self.cache: dict[str, object] = {}  # per-subnet results, filled by table.py/lookup users

    def _index_endpoints(self, topology: Topology) -> None:
        """Name and address lookups for path resolution (vaults, PEs, firewalls, clients)."""
        self.vaults: dict[str, KeyVault] = {}
        for vault in topology.key_vaults:
            self.vaults[vault.name.lower()] = vault
            self.vaults.setdefault(vault.host.lower(), vault)
        self.vault_by_public_ip = {ip: v for v in topology.key_vaults for ip in v.public_ips}
        self.pe_by_ip = {pe.ip: pe for pe in topology.private_endpoints}
        self.firewall_by_ip: dict[str, Firewall] = {}
        for firewall in topology.firewalls:
            for ip in (firewall.private_ip, *firewall.instance_ips):
                self.firewall_by_ip.setdefault(ip, firewall)
        self.clients: dict[str, Client] = {c.name: c for c in topology.clients}
        self.firewall_required = {r.vault for r in topology.design_rules if r.require_firewall}
        self.required_firewall_of: dict[str, str] = {
            r.vault: r.require_firewall for r in topology.design_rules if r.require_firewall
        }

    def subnet(self, ref: str) -> Subnet:
        """The subnet ``vnet/subnet``; a GatewaySubnet is synthesised when a gateway needs one."""
        found = self.subnets.get(ref)
        if found is not None:
            return found
        vnet, _, name = ref.partition("/")
        if name == GATEWAY_SUBNET and vnet in self.gateways_by_vnet:
            return Subnet(name=GATEWAY_SUBNET, vnet=vnet, address_prefixes=())
        known = ", ".join(sorted(self.subnets)[:8])
        raise ConfigError(
            f"{self.topology.source}: unknown subnet {ref!r} (expected vnet/subnet, e.g. {known})"
        )

    def gaps_touching(self, vnets: Iterable[str]) -> tuple[TopologyGap, ...]:
        """Unevaluated constructs that could change IPv4 routes or hops in these VNets."""
        names = set(vnets)
        return tuple(g for g in self._route_gaps if not g.scope or names.intersection(g.scope))

    def unevaluated_in(self, vnet: str) -> tuple[str, ...]:
        """What a route table of ``vnet`` may lack or get wrong ("construct resource")."""
        found = {
            f"{g.construct} {g.resource}" for g in self.unevaluated
            if g.construct not in DNS_CONSTRUCTS and (not g.scope or vnet in g.scope)
        }
        return tuple(sorted(found))

    def route_table_of(self, subnet: Subnet) -> RouteTable | None:
        return self.route_tables.get(subnet.route_table) if subnet.route_table else None

    def remote_route_servers(self, vnet: str) -> tuple[RouteServer, ...]:
        """Route Servers whose learned routes V receives: its own, or a peered VNet's when V
        uses the remote gateway (Route Server) and that side allows gateway transit."""
        own = self.route_servers_by_vnet.get(vnet)
        if own:
            return tuple(own)
        for peering in self.peers.get(vnet, ()):
            if peering.use_remote_gateways and self._transit_allowed(peering.remote_vnet, vnet):
                return tuple(self.route_servers_by_vnet.get(peering.remote_vnet, ()))
        return ()

    def _transit_allowed(self, remote: str, vnet: str) -> bool:
        back = [p for p in self.peers.get(remote, ()) if p.remote_vnet == vnet]
        return bool(back) and back[0].allow_gateway_transit

    def remote_gateways(self, vnet: str) -> tuple[VirtualNetworkGateway, ...]:
        """Gateways whose routes V receives: its own, or a hub's through gateway transit."""
        own = self.gateways_by_vnet.get(vnet)
        if own:
            return tuple(own)
        for peering in self.peers.get(vnet, ()):
            if not peering.use_remote_gateways:
                continue
            back = [p for p in self.peers.get(peering.remote_vnet, ()) if p.remote_vnet == vnet]
            if back and back[0].allow_gateway_transit:
                return tuple(self.gateways_by_vnet.get(peering.remote_vnet, ()))
        return ()

    def locate(self, ip: str) -> str | None:
        """The ``vnet/subnet`` whose address prefixes contain ``ip`` (or a CIDR's first address)."""
        parsed = parse_prefix(ip)
        return None if parsed is None else self._locator.find(parsed[0])

    def locate_address(self, address: int) -> str | None:
        """``locate`` for an IPv4 address already parsed to an int."""
        return self._locator.find(address)


class _SubnetLocator:
    """Sorted integer ranges of subnet prefixes: bisect instead of a scan."""

    def __init__(self, subnets: Iterable[Subnet]) -> None:
        ranges: list[tuple[int, int, str]] = []
        for subnet in subnets:
            for text in subnet.address_prefixes:
                parsed = parse_prefix_once(text)
                if parsed is not None:
                    start = parsed[0]
                    ranges.append((start, start + (1 << (32 - parsed[1])) - 1, subnet.ref))
        ranges.sort()
        self._ranges = ranges
        self._starts = [r[0] for r in ranges]

    def find(self, ip: int) -> str | None:
        # Subnets do not overlap within a VNet; across unpeered VNets they may, so look back a
        # few ranges and take the narrowest containing one.
        position = bisect.bisect_right(self._starts, ip)
        best: tuple[int, str] | None = None
        for start, end, ref in self._ranges[max(0, position - 8) : position]:
            if start <= ip <= end and (best is None or end - start < best[0]):
                best = (end - start, ref)
        return best[1] if best else None


_CACHE: dict[tuple[int, RoutingOptions], tuple[weakref.ref[Topology], RoutingIndex]] = {}


def index_for(topology: Topology, options: RoutingOptions | None = None) -> RoutingIndex:
    """The (cached) index of a topology; rebuilt if that Topology object was garbage-collected."""
    opts = options or RoutingOptions()
    key = (id(topology), opts)
    entry = _CACHE.get(key)
    if entry is not None and entry[0]() is topology:
        return entry[1]
    if len(_CACHE) > 32:  # a long-lived process loads few topologies; stay bounded anyway
        _CACHE.clear()
    index = RoutingIndex(topology, opts)
    _CACHE[key] = (weakref.ref(topology), index)
    return index
