"""Topology value types, shaped like Azure's own resources (names instead of resource ids).

References between resources use names: a subnet is ``"vnet/subnet"``, a route table, firewall,
gateway, private endpoint or vault by its name. The loader validates every reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field

IANA_PRIVATE_RANGES: tuple[str, ...] = (
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
)
RESERVED_NONE_PREFIXES: tuple[str, ...] = IANA_PRIVATE_RANGES

NEXT_HOP_TYPES_FOR_UDR: tuple[str, ...] = (
    "VirtualAppliance",
    "VirtualNetworkGateway",
    "VnetLocal",
    "Internet",
    "None",
)
PE_NETWORK_POLICIES: tuple[str, ...] = (
    "Disabled",
    "Enabled",
    "NetworkSecurityGroupEnabled",
    "RouteTableEnabled",
)
# --resource-type values of `az network vhub get-effective-routes`
HUB_ROUTE_VIEW_TYPES: tuple[str, ...] = (
    "RouteTable",
    "HubVirtualNetworkConnection",
    "AzureFirewalls",
    "VpnConnection",
    "ExpressRouteConnection",
    "P2SConnection",
)


@dataclass(frozen=True)
class Route:
    """A user-defined route (UDR) of a route table."""

    name: str
    address_prefix: str  # CIDR (service tags are resolved through Topology.service_prefixes)
    next_hop_type: str  # one of NEXT_HOP_TYPES_FOR_UDR
    next_hop_ip: str | None = None


@dataclass(frozen=True)
class RouteTable:
    name: str
    routes: tuple[Route, ...] = ()
    disable_bgp_route_propagation: bool = False


@dataclass(frozen=True)
class Subnet:
    name: str
    vnet: str
    address_prefixes: tuple[str, ...]
    route_table: str | None = None
    service_endpoints: tuple[str, ...] = ()  # e.g. ("Microsoft.KeyVault",)
    private_endpoint_network_policies: str = "Disabled"
    delegations: tuple[str, ...] = ()  # e.g. ("Microsoft.Web/serverFarms",)

    @property
    def ref(self) -> str:
        return f"{self.vnet}/{self.name}"


@dataclass(frozen=True)
class Peering:
    """One direction of a VNet peering (Azure stores one object per side)."""

    name: str
    remote_vnet: str
    state: str = "Connected"
    allow_forwarded_traffic: bool = True
    allow_gateway_transit: bool = False
    use_remote_gateways: bool = False


@dataclass(frozen=True)
class VirtualNetwork:
    name: str
    address_prefixes: tuple[str, ...]
    region: str = ""
    subnets: tuple[Subnet, ...] = ()
    peerings: tuple[Peering, ...] = ()
    dns_servers: tuple[str, ...] = ()  # dhcpOptions.dnsServers; empty = Azure-provided DNS


@dataclass(frozen=True)
class Firewall:
    """Azure Firewall: frontend private IP is the UDR next hop; SNAT uses other subnet IPs."""

    name: str
    vnet: str
    private_ip: str
    subnet: str = "AzureFirewallSubnet"
    public_ips: tuple[str, ...] = ()
    snat_private_ranges: tuple[str, ...] = IANA_PRIVATE_RANGES
    instance_ips: tuple[str, ...] = ()  # optional, when known; otherwise the whole subnet counts


@dataclass(frozen=True)
class VirtualNetworkGateway:
    """VPN or ExpressRoute gateway in a VNet's GatewaySubnet."""

    name: str
    vnet: str
    gateway_type: str = "Vpn"  # Vpn | ExpressRoute
    active_active: bool = True
    instance_ips: tuple[str, ...] = ()  # next hops of learned routes (ECMP when several)
    public_ip: str | None = None  # next hop for active/standby VPN
    learned_prefixes: tuple[str, ...] = ()  # BGP-learned on-premises prefixes
    local_network_prefixes: tuple[str, ...] = ()  # static prefixes of local network gateways


@dataclass(frozen=True)
class PrivateEndpoint:
    name: str
    subnet: str  # "vnet/subnet"
    ip: str
    target: str  # the resource it connects to (vault name)
    group_id: str = "vault"


@dataclass(frozen=True)
class NetworkAcls:
    default_action: str = "Allow"  # Allow | Deny
    bypass: str = "AzureServices"
    ip_rules: tuple[str, ...] = ()
    virtual_network_rules: tuple[str, ...] = ()  # "vnet/subnet"


@dataclass(frozen=True)
class KeyVault:
    name: str
    fqdn: str = ""  # default: <name>.vault.azure.net
    public_ips: tuple[str, ...] = ()  # what the public FQDN resolves to, where known
    public_network_access: str = "Enabled"  # Enabled | Disabled
    network_acls: NetworkAcls = field(default_factory=NetworkAcls)
    private_endpoints: tuple[str, ...] = ()  # PE names

    @property
    def host(self) -> str:
        return self.fqdn or f"{self.name}.vault.azure.net"


@dataclass(frozen=True)
class Client:
    """A named source of traffic: a VM/app in a subnet, or an on-premises range."""

    name: str
    ips: tuple[str, ...] = ()  # addresses or CIDRs
    subnet: str | None = None  # "vnet/subnet" for Azure clients
    kind: str = "vm"  # vm | app_service | onprem
    gateway: str | None = None  # for onprem: the gateway it enters through
    # True/False: stated; None: not stated, the private DNS zones (if described) decide
    uses_private_dns: bool | None = None
    route_all: bool = False  # App Service "Route All"


@dataclass(frozen=True)
class DesignRule:
    """The design says: traffic to ``vault`` must pass ``require_firewall``."""

    vault: str
    require_firewall: str | None = None
    forbid_public_endpoint: bool = True


@dataclass(frozen=True)
class HubRoute:
    """One row of ``az network vhub get-effective-routes`` (next hop types are Azure's strings,
    with spaces: ``Azure Firewall``, ``Virtual Network Connection``, ``VPN_S2S_Gateway``...)."""

    prefixes: tuple[str, ...]
    next_hop_type: str
    next_hops: tuple[str, ...] = ()  # resource ids or addresses (both occur)
    as_path: str = ""
    origin: str = ""  # routeOrigin: the resource the route was learned from


@dataclass(frozen=True)
class HubRouteView:
    """The effective routes of one hub resource, as Azure computed them (observed, not derived).

    ``resource_type`` is the command's ``--resource-type``; ``resource`` names the route table,
    the connected VNet (for ``HubVirtualNetworkConnection``) or the hub firewall."""

    resource_type: str
    resource: str
    routes: tuple[HubRoute, ...] = ()


@dataclass(frozen=True)
class VirtualHub:
    """A Virtual WAN hub: the VNets it connects, its secured-hub firewall, routing intent."""

    name: str
    address_prefix: str
    connections: tuple[str, ...] = ()  # VNet names (hub virtual network connections)
    firewall_private_ip: str | None = None  # hubIPAddresses.privateIPAddress (secured hub)
    routing_intent: tuple[str, ...] = ()  # "PrivateTraffic", "Internet"
    branch_prefixes: tuple[str, ...] = ()  # VPN sites / ExpressRoute prefixes behind the hub
    firewall: str | None = None  # the secured hub's Azure Firewall name (design rules name it)
    router_ips: tuple[str, ...] = ()  # virtualRouterIps, when known
    vpn_gateway_ips: tuple[str, ...] = ()  # the hub VPN gateway's instance addresses
    firewall_public_ips: tuple[str, ...] = ()  # hubIPAddresses.publicIPs (Internet SNAT)
    private_traffic_prefixes: tuple[str, ...] = ()  # routing intent's additional prefixes
    without_internet_security: tuple[str, ...] = ()  # connections with enableInternetSecurity off
    effective_routes: tuple[HubRouteView, ...] = ()  # imported get-effective-routes output
    virtual_wan: str = ""  # hubs of one Virtual WAN exchange routes ("" = the same one)
    expressroute_gateway: str | None = None  # the hub's ExpressRoute gateway, when it has one
    expressroute_prefixes: tuple[str, ...] = ()  # on-premises prefixes learned over it


@dataclass(frozen=True)
class BgpRoute:
    """A route learned over BGP, keeping its next-hop address (Route Server, gateways)."""

    prefix: str
    next_hop_ip: str
    as_path: str = ""


@dataclass(frozen=True)
class RouteServer:
    name: str
    vnet: str
    learned_routes: tuple[BgpRoute, ...] = ()
    allow_branch_to_branch: bool = False


@dataclass(frozen=True)
class SecurityRule:
    """One NSG rule (the subset that decides TCP to a private endpoint or vault)."""

    name: str
    priority: int
    direction: str  # Inbound | Outbound
    access: str  # Allow | Deny
    protocol: str = "*"  # Tcp | Udp | Icmp | *
    source_prefixes: tuple[str, ...] = ("*",)  # CIDRs, "*" or service tags
    destination_prefixes: tuple[str, ...] = ("*",)
    destination_ports: tuple[str, ...] = ("*",)  # "443", "1000-2000", "*"


@dataclass(frozen=True)
class NetworkSecurityGroup:
    name: str
    subnets: tuple[str, ...] = ()  # "vnet/subnet" it is associated with
    clients: tuple[str, ...] = ()  # client names whose NIC carries it
    rules: tuple[SecurityRule, ...] = ()


@dataclass(frozen=True)
class ConnectivityConfiguration:
    """An Azure Virtual Network Manager connectivity configuration (mesh or hub-and-spoke)."""

    name: str
    topology: str  # Mesh | HubAndSpoke
    members: tuple[str, ...]  # VNet names of the network group(s)
    hub: str | None = None
    direct_connectivity: bool = False  # hub-and-spoke: spokes also form a connected group
    is_global: bool = False


@dataclass(frozen=True)
class SecurityAdminRule:
    """An AVNM security admin rule: evaluated before NSGs; ``Deny`` drops, ``AlwaysAllow``
    delivers without asking the NSGs, ``Allow`` leaves the decision to them."""

    name: str
    priority: int  # 1..4096, lowest first
    access: str  # Allow | AlwaysAllow | Deny
    direction: str = "Inbound"
    protocol: str = "Any"  # Tcp | Udp | Icmp | Esp | Ah | Any
    source_prefixes: tuple[str, ...] = ("*",)  # CIDRs, "*" or service tags
    destination_prefixes: tuple[str, ...] = ("*",)
    destination_ports: tuple[str, ...] = ("*",)


@dataclass(frozen=True)
class SecurityAdminRuleCollection:
    """A rule collection of an AVNM security admin configuration and the VNets (members of the
    network groups it applies to) that carry its rules."""

    name: str
    members: tuple[str, ...]  # VNet names
    rules: tuple[SecurityAdminRule, ...] = ()
    configuration: str = ""  # the security admin configuration holding the collection


@dataclass(frozen=True)
class RoutingRuleCollection:
    """A rule collection of an AVNM routing configuration: the UDRs AVNM deploys to every subnet
    of its member VNets (or to the member subnets), next to the subnet's own routes."""

    name: str
    members: tuple[str, ...]  # VNet names or "vnet/subnet"
    routes: tuple[Route, ...] = ()
    disable_bgp_route_propagation: bool = False
    configuration: str = ""  # the routing configuration holding the collection


@dataclass(frozen=True)
class PrivateDnsZone:
    """A private DNS zone (e.g. privatelink.vaultcore.azure.net), its VNet links and A records."""

    name: str
    virtual_network_links: tuple[str, ...] = ()  # VNet names
    a_records: tuple[tuple[str, str], ...] = ()  # (record name, IPv4 address)


@dataclass(frozen=True)
class NetworkVirtualAppliance:
    """A third-party appliance (or the VMs behind an internal load balancer) traffic is routed
    through: whether it SNATs, and the ``disableSnatOnPL`` tag on its NICs."""

    name: str
    ips: tuple[str, ...]  # the next-hop addresses that stand for it (NIC or ILB frontend)
    snat: bool | None = None  # None: not known
    disable_snat_on_pl: bool = False


@dataclass(frozen=True)
class DnsResolver:
    """A DNS server clients are pointed at (VNet ``dnsServers``): a Private Resolver inbound
    endpoint, a firewall DNS proxy or a forwarder. It answers with the Azure DNS view of
    ``virtual_network`` (its zone links), or forwards to another server's address."""

    name: str
    ip: str
    virtual_network: str | None = None
    forward_to: str | None = None
    kind: str = "forwarder"  # privateResolverInbound | firewallDnsProxy | forwarder


@dataclass(frozen=True)
class TopologyGap:
    """Something in the estate the model does not evaluate, or a reference it cannot follow.

    ``construct`` is a short stable key (``peering_to_unknown_vnet``, ``virtual_hub``,
    ``ipv6_prefix``, ...); ``resource`` names what holds it (a resource id or ``vnet/subnet``).
    The trace turns each into a ``topology`` gap; the model lowers the confidence of whatever
    the construct could change.
    """

    construct: str
    resource: str
    message: str
    scope: tuple[str, ...] = ()  # VNets whose routes it could change; () = any path


@dataclass(frozen=True)
class Topology:
    vnets: tuple[VirtualNetwork, ...] = ()
    route_tables: tuple[RouteTable, ...] = ()
    firewalls: tuple[Firewall, ...] = ()
    gateways: tuple[VirtualNetworkGateway, ...] = ()
    private_endpoints: tuple[PrivateEndpoint, ...] = ()
    key_vaults: tuple[KeyVault, ...] = ()
    clients: tuple[Client, ...] = ()
    service_prefixes: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (service, prefixes)
    reserved_none_prefixes: tuple[str, ...] = RESERVED_NONE_PREFIXES
    design_rules: tuple[DesignRule, ...] = ()
    virtual_hubs: tuple[VirtualHub, ...] = ()
    route_servers: tuple[RouteServer, ...] = ()
    network_security_groups: tuple[NetworkSecurityGroup, ...] = ()
    connectivity_configurations: tuple[ConnectivityConfiguration, ...] = ()
    private_dns_zones: tuple[PrivateDnsZone, ...] = ()
    dns_resolvers: tuple[DnsResolver, ...] = ()
    appliances: tuple[NetworkVirtualAppliance, ...] = ()
    security_admin_rules: tuple[SecurityAdminRuleCollection, ...] = ()
    routing_rules: tuple[RoutingRuleCollection, ...] = ()
    source: str = "<memory>"  # the file it was loaded from, for messages
    gaps: tuple[TopologyGap, ...] = ()  # what import/load could not model (never a refusal)
