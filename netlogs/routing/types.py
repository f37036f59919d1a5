"""Routing value types, in the vocabulary of ``az network nic show-effective-route-table``."""

from __future__ import annotations

from dataclasses import dataclass

from netlogs.model import Confidence

# route sources (REST "source")
DEFAULT = "Default"
USER = "User"
GATEWAY = "VirtualNetworkGateway"

# states
ACTIVE = "Active"
INVALID = "Invalid"

# next hop types (effective-routes API strings)
VNET_LOCAL = "VnetLocal"
VNET_PEERING = "VNetPeering"
VNET_GLOBAL_PEERING = "VNetGlobalPeering"
VIRTUAL_NETWORK_GATEWAY = "VirtualNetworkGateway"
INTERNET = "Internet"
VIRTUAL_APPLIANCE = "VirtualAppliance"
NONE = "None"
SERVICE_ENDPOINT = "VirtualNetworkServiceEndpoint"
INTERFACE_ENDPOINT = "InterfaceEndpoint"
CONNECTED_GROUP = "ConnectedGroup"  # AVNM connected group (mesh, direct connectivity)

# Within one exact prefix the highest-priority source wins (semantics §1.2).
SOURCE_PRIORITY: dict[str, int] = {USER: 3, GATEWAY: 2, DEFAULT: 1}

# System routes that beat even more specific BGP routes (semantics §1.3, "UDR note").
PROTECTED_FROM_BGP: frozenset[str] = frozenset(
    {VNET_LOCAL, VNET_PEERING, VNET_GLOBAL_PEERING, SERVICE_ENDPOINT}
)

# Stands for a vault's public address when the topology knows neither it nor the service's
# prefixes (documentation range: some public address).
UNKNOWN_PUBLIC_ADDRESS = "203.0.113.1"
KEY_VAULT_SERVICE = "Microsoft.KeyVault"

POLICIES_WITH_ROUTE_TABLES: frozenset[str] = frozenset({"Enabled", "RouteTableEnabled"})


@dataclass(frozen=True)
class EffectiveRoute:
    """One row of a subnet's effective route table."""

    source: str  # Default | User | VirtualNetworkGateway
    state: str  # Active | Invalid
    prefix: str  # CIDR
    next_hop_type: str
    next_hop_ips: tuple[str, ...] = ()
    name: str = ""  # route name, private endpoint name, peering name, service, gateway
    reason: str = ""  # why the route is Invalid (or a note on a contested rule)
    confidence: Confidence = Confidence.HIGH

    @property
    def active(self) -> bool:
        return self.state == ACTIVE


@dataclass(frozen=True)
class RoutingOptions:
    """Switches for behaviours the sources disagree on (semantics §1.1, §2.4, §3, §9).

    Defaults follow the best-supported reading:

    - ``drop_reserved_none_when_user_default_route``: a UDR 0.0.0.0/0 to a VirtualAppliance or
      VirtualNetworkGateway removes the reserved ``None`` routes (Microsoft's example, lab outputs).
    - ``drop_reserved_none_when_bgp_default_route``: no evidence either way for a BGP-learned
      0.0.0.0/0; default False keeps them (the routes are then marked medium confidence).
    - ``service_endpoint_beats_equal_udr``: the 2018 wording; later revisions say BGP only, so
      the generic User > Default precedence applies by default.
    - ``system_routes_beat_more_specific_bgp``: VNet, peering and service endpoint routes win
      over more specific gateway routes (documented, hard to observe).
    - ``gateway_subnet_exact_32_is_low_confidence``: an exact /32 UDR for a private endpoint on
      GatewaySubnet (policies Disabled) may not steer gateway traffic (cloudtrooper, 2025).
    """

    drop_reserved_none_when_user_default_route: bool = True
    drop_reserved_none_when_bgp_default_route: bool = False
    service_endpoint_beats_equal_udr: bool = False
    system_routes_beat_more_specific_bgp: bool = True
    gateway_subnet_exact_32_is_low_confidence: bool = True


@dataclass(frozen=True)
class RouteDecision:
    """The forwarding decision for one destination: the winning route(s) or nothing."""

    destination: str
    routes: tuple[EffectiveRoute, ...]  # several = ECMP; empty = no route at all
    note: str = ""  # e.g. the system-beats-BGP exception was applied

    @property
    def route(self) -> EffectiveRoute | None:
        return self.routes[0] if self.routes else None

    @property
    def next_hop_type(self) -> str:
        return self.routes[0].next_hop_type if self.routes else NONE

    @property
    def next_hop_ips(self) -> tuple[str, ...]:
        ips: list[str] = []
        for route in self.routes:
            ips.extend(ip for ip in route.next_hop_ips if ip not in ips)
        return tuple(ips)

    @property
    def dropped(self) -> bool:
        return self.next_hop_type == NONE

    @property
    def ecmp(self) -> bool:
        return len(self.next_hop_ips) > 1

    @property
    def confidence(self) -> Confidence:
        order = [Confidence.LOW, Confidence.MEDIUM, Confidence.HIGH]
        if not self.routes:
            return Confidence.HIGH
        return min((r.confidence for r in self.routes), key=order.index)
