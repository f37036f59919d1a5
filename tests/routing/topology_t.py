"""Topology T of the routing worked examples, built in Python, plus small edit helpers.

Tests change one property at a time (attach a route table, set the PE subnet's policies, ...).
Loaded by the conftest.py of tests/routing, tests/paths and tests/cli_network.
"""

from __future__ import annotations

from dataclasses import replace

from netlogs.topology.model import (
    Client,
    DesignRule,
    Firewall,
    KeyVault,
    Peering,
    PrivateDnsZone,
    PrivateEndpoint,
    Route,
    RouteTable,
    Subnet,
    Topology,
    VirtualNetwork,
    VirtualNetworkGateway,
)


def _vnet(
    name: str,
    prefix: str,
    region: str,
    subnets: dict[str, str],
    peerings: list[Peering],
    **subnet_extra: dict[str, object],
) -> VirtualNetwork:
    built = tuple(
        Subnet(name=n, vnet=name, address_prefixes=(p,), **subnet_extra.get(n, {}))  # type: ignore[arg-type]
        for n, p in subnets.items()
    )
    return VirtualNetwork(
        name=name,
        address_prefixes=(prefix,),
        region=region,
        subnets=built,
        peerings=tuple(peerings),
    )


def build_t() -> Topology:
    hub = _vnet(
        "hub",
        "10.0.0.0/16",
        "westeurope",
        {
            "GatewaySubnet": "10.0.0.0/27",
            "AzureFirewallSubnet": "10.0.0.64/26",
            "snet-hubvm": "10.0.1.0/24",
        },
        [
            Peering("hub-to-spoke1", "spoke1", allow_gateway_transit=True),
            Peering("hub-to-spoke2", "spoke2", allow_gateway_transit=True),
            Peering("hub-to-spoke3", "spoke3"),
        ],
    )
    spoke1 = _vnet(
        "spoke1",
        "10.1.0.0/16",
        "westeurope",
        {"snet-app1": "10.1.1.0/24", "snet-pe": "10.1.2.0/24"},
        [Peering("spoke1-to-hub", "hub", use_remote_gateways=True)],
    )
    spoke2 = _vnet(
        "spoke2",
        "10.2.0.0/16",
        "westeurope",
        {"snet-vm": "10.2.1.0/24", "snet-asp": "10.2.3.0/26"},
        [Peering("spoke2-to-hub", "hub", use_remote_gateways=True)],
        **{"snet-asp": {"delegations": ("Microsoft.Web/serverFarms",)}},
    )
    spoke3 = _vnet("spoke3", "10.3.0.0/16", "northeurope", {}, [Peering("spoke3-to-hub", "hub")])
    return Topology(
        vnets=(hub, spoke1, spoke2, spoke3),
        firewalls=(
            Firewall(
                "fw-hub",
                "hub",
                "10.0.0.68",
                public_ips=("203.0.113.50",),
                instance_ips=("10.0.0.69", "10.0.0.70"),
            ),
        ),
        gateways=(
            VirtualNetworkGateway(
                "vgw-hub",
                "hub",
                instance_ips=("10.0.0.4", "10.0.0.5"),
                public_ip="203.0.113.7",
                learned_prefixes=("172.20.0.0/16",),
            ),
        ),
        private_endpoints=(PrivateEndpoint("pe-kv1", "spoke1/snet-pe", "10.1.2.4", "kv1"),),
        key_vaults=(
            KeyVault(
                "kv1",
                fqdn="kv1.vault.azure.net",
                public_ips=("198.51.100.10",),
                private_endpoints=("pe-kv1",),
            ),
        ),
        clients=(
            Client("vm-app", ips=("10.2.1.4",), subnet="spoke2/snet-vm"),
            Client("app-web", subnet="spoke2/snet-asp", kind="app_service"),
            # on-premises DNS forwards vault.azure.net to Azure
            Client("onprem-office", ips=("172.20.0.0/16",), kind="onprem", gateway="vgw-hub",
                   uses_private_dns=True),
        ),
        private_dns_zones=(
            PrivateDnsZone("privatelink.vaultcore.azure.net",
                           ("hub", "spoke1", "spoke2", "spoke3"), (("kv1", "10.1.2.4"),)),
        ),
        service_prefixes=(("Microsoft.KeyVault", ("198.51.100.0/24",)),),
        design_rules=(DesignRule("kv1", "fw-hub"),),
        source="topology-T",
    )


def set_subnet(topo: Topology, ref: str, **changes: object) -> Topology:
    vnet_name, _, subnet_name = ref.partition("/")
    vnets = []
    for vnet in topo.vnets:
        subnets = tuple(
            replace(s, **changes) if s.name == subnet_name else s  # type: ignore[arg-type]
            for s in vnet.subnets
        )
        vnets.append(replace(vnet, subnets=subnets) if vnet.name == vnet_name else vnet)
    return replace(topo, vnets=tuple(vnets))


def attach(
    topo: Topology,
    ref: str,
    routes: list[tuple[str, str, str | None]],
    disable_bgp: bool = False,
    name: str | None = None,
) -> Topology:
    """Add a route table with these (prefix, next hop type, next hop ip) routes to a subnet."""
    rt_name = name or "rt-" + ref.replace("/", "-")
    table = RouteTable(
        rt_name,
        tuple(Route(f"r{i}", p, t, ip) for i, (p, t, ip) in enumerate(routes)),
        disable_bgp_route_propagation=disable_bgp,
    )
    topo = replace(topo, route_tables=(*topo.route_tables, table))
    return set_subnet(topo, ref, route_table=rt_name)


def policies(topo: Topology, value: str) -> Topology:
    return set_subnet(topo, "spoke1/snet-pe", private_endpoint_network_policies=value)


def to_fw(prefix: str) -> tuple[str, str, str | None]:
    return (prefix, "VirtualAppliance", "10.0.0.68")


# -- expected tables (sets of (source, state, prefix, next_hop_type, next_hop_ips)) ----------

Row = tuple[str, str, str, str, tuple[str, ...]]


def d(prefix: str, hop: str, state: str = "Active") -> Row:
    return ("Default", state, prefix, hop, ())


def u(prefix: str, hop: str = "VirtualAppliance", ip: str | None = "10.0.0.68") -> Row:
    return ("User", "Active", prefix, hop, (ip,) if ip else ())


def gw2(prefix: str) -> set[Row]:
    return {
        ("VirtualNetworkGateway", "Active", prefix, "VirtualNetworkGateway", (ip,))
        for ip in ("10.0.0.4", "10.0.0.5")
    }


NONE4: set[Row] = {
    d(p, "None") for p in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
}

HUB_BASE: set[Row] = {
    d("10.0.0.0/16", "VnetLocal"),
    d("10.1.0.0/16", "VNetPeering"),
    d("10.2.0.0/16", "VNetPeering"),
    d("10.3.0.0/16", "VNetGlobalPeering"),
}
