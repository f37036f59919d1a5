"""Virtual WAN hub effective routes (`az network vhub get-effective-routes`) used by the model in
preference to the routes it would compute, and named as the deciding route (worked
example E27)."""

from __future__ import annotations

from dataclasses import replace

from netlogs.model import Confidence, HopKind
from netlogs.paths import expected_path
from netlogs.routing import effective_routes
from netlogs.topology.model import (
    HubRoute,
    HubRouteView,
    KeyVault,
    Peering,
    PrivateEndpoint,
    Subnet,
    Topology,
    VirtualHub,
    VirtualNetwork,
)

FW_ID = "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/azureFirewalls/afw"
CONN = "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/virtualHubs/vhub-ne/" \
       "hubVirtualNetworkConnections/"
AGGREGATES = ("0.0.0.0/0", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
DEFAULT_TABLE = HubRouteView("RouteTable", "defaultRouteTable", tuple(
    HubRoute((p,), "Azure Firewall", (FW_ID,)) for p in AGGREGATES))
FIREWALL_VIEW = HubRouteView("AzureFirewalls", "afw", (
    HubRoute(("10.61.0.0/16",), "Virtual Network Connection", (CONN + "conn-app",)),
    HubRoute(("10.62.0.0/16",), "Virtual Network Connection", (CONN + "conn-data",)),
    HubRoute(("172.22.0.0/16",), "VPN_S2S_Gateway", ("10.60.0.12", "10.60.0.13"), "65020"),
    HubRoute(("0.0.0.0/0",), "Internet", ("Internet",)),
))


def estate(*views: HubRouteView, extra_prefixes: tuple[str, ...] = ()) -> Topology:
    """Estate W of the worked examples: a secured hub with both routing-intent policies."""
    def spoke(name: str, prefix: str, subnets: dict[str, str], n: int) -> VirtualNetwork:
        hv = Peering(f"RemoteVnetToHubPeering_{n}", f"/subscriptions/msft/x/HV_vhub-ne_{n}",
                     use_remote_gateways=True, allow_forwarded_traffic=False)
        return VirtualNetwork(name, (prefix,), "northeurope",
                              tuple(Subnet(s, name, (p,)) for s, p in subnets.items()), (hv,))

    return Topology(
        vnets=(spoke("vnet-app", "10.61.0.0/16", {"snet-app": "10.61.1.0/24",
                                                 "snet-pe": "10.61.2.0/24"}, 1),
               spoke("vnet-data", "10.62.0.0/16", {"snet-data": "10.62.1.0/24"}, 2),
               spoke("vnet-legacy", "100.70.0.0/16", {"snet": "100.70.1.0/24"}, 3)),
        private_endpoints=(PrivateEndpoint("pe-ledger", "vnet-app/snet-pe", "10.61.2.5",
                                           "kv-ledger"),),
        key_vaults=(KeyVault("kv-ledger", private_endpoints=("pe-ledger",)),),
        virtual_hubs=(VirtualHub(
            "vhub-ne", "10.60.0.0/23", ("vnet-app", "vnet-data", "vnet-legacy"), "10.60.0.132",
            ("PrivateTraffic", "Internet"), ("172.22.0.0/16",), firewall="afw",
            vpn_gateway_ips=("10.60.0.12", "10.60.0.13"),
            private_traffic_prefixes=extra_prefixes, effective_routes=views),),
        source="estate-W",
    )


def test_e27_route_table_view_is_what_a_connected_vnet_receives() -> None:
    """https://learn.microsoft.com/azure/virtual-wan/effective-routes-virtual-hub and
    https://learn.microsoft.com/azure/virtual-wan/how-to-routing-policies: with both policies the
    default route table holds exactly 0/0 and the RFC 1918 aggregates to the hub firewall; a
    connected VNet receives them (the firewall's private address as next hop). The path names
    the observed route that decided it, and stays high (the routes are observed)."""
    topo = estate(DEFAULT_TABLE)
    rows = {(r.prefix, r.next_hop_ips, r.name)
            for r in effective_routes(topo, "vnet-data/snet-data")
            if r.source == "VirtualNetworkGateway"}
    assert rows == {(p, ("10.60.0.132",), "vhub-ne route table defaultRouteTable: Azure Firewall")
                    for p in AGGREGATES}
    path = expected_path(topo, "10.62.1.4", "10.61.2.5")
    assert path.delivered and path.firewalls == ("afw",)
    assert "(vhub-ne route table defaultRouteTable: Azure Firewall)" in path.hops[1].detail
    assert path.confidence is Confidence.HIGH and path.unevaluated == ()


def test_e27_observed_routes_beat_the_computed_ones() -> None:
    """E23/E27: 100.70.0.0/16 is listed as an additional private prefix, but the table Azure
    reports does not hold it: the reported table decides, so vnet-app -> 100.70.1.4 meets
    `100.64.0.0/10 None` (no_route), where the computed routes would cross the firewall."""
    computed = expected_path(estate(extra_prefixes=("100.70.0.0/16",)), "10.61.1.4",
                             "100.70.1.4")
    assert computed.delivered and computed.firewalls == ("afw",)
    observed = expected_path(estate(DEFAULT_TABLE, extra_prefixes=("100.70.0.0/16",)),
                             "10.61.1.4", "100.70.1.4")
    assert not observed.delivered and "100.64.0.0/10 None" in (observed.drop_reason or "")


def test_e27_firewall_view_says_where_next() -> None:
    """E27: hop 1 = the hub firewall (route-table view), hop 2 = longest match in the firewall
    view: 172.22.0.0/16 `VPN_S2S_Gateway` (two instances, ECMP) -> on-premises."""
    topo = estate(DEFAULT_TABLE, FIREWALL_VIEW)
    path = expected_path(topo, "10.62.1.4", "172.22.5.10")
    assert [h.hop for h in path.hops] == [HopKind.CLIENT, HopKind.GATEWAY, HopKind.FIREWALL,
                                          HopKind.GATEWAY, HopKind.DESTINATION]
    assert "(vhub-ne firewall afw: VPN_S2S_Gateway) -> 10.60.0.12, 10.60.0.13 (ECMP)" in \
        path.hops[3].detail
    assert path.delivered and path.confidence is Confidence.HIGH


def test_a_connection_view_beats_the_default_table_for_its_vnet() -> None:
    """A connection's own effective routes are the routes of the table it is associated with,
    as Azure computed them: used for that VNet only."""
    own = HubRouteView("HubVirtualNetworkConnection", "vnet-legacy", (
        HubRoute(("10.0.0.0/8",), "Azure Firewall", ("10.60.0.132",)),))
    topo = estate(DEFAULT_TABLE, own)
    legacy = {r.prefix for r in effective_routes(topo, "vnet-legacy/snet")
              if r.source == "VirtualNetworkGateway"}
    assert legacy == {"10.0.0.0/8"}
    data = {r.prefix for r in effective_routes(topo, "vnet-data/snet-data")
            if r.source == "VirtualNetworkGateway"}
    assert data == set(AGGREGATES)


def test_no_route_at_or_below_the_vnet_range_and_no_default_without_internet_security() -> None:
    """https://learn.microsoft.com/azure/virtual-wan/about-virtual-hub-routing: the hub cannot
    program a route as specific as the spoke's own range; 0/0 reaches only connections with
    enableInternetSecurity."""
    table = replace(DEFAULT_TABLE, routes=(*DEFAULT_TABLE.routes, HubRoute(
        ("10.62.1.0/24",), "Virtual Network Connection", (CONN + "conn-data",))))
    topo = estate(table)
    hub = replace(topo.virtual_hubs[0], without_internet_security=("vnet-data",))
    topo = replace(topo, virtual_hubs=(hub,))
    prefixes = {r.prefix for r in effective_routes(topo, "vnet-data/snet-data")
                if r.source == "VirtualNetworkGateway"}
    assert prefixes == {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"}


def test_a_row_the_model_cannot_place_is_low_and_says_why() -> None:
    """A firewall row while the firewall's address is unknown, and a next hop type netlogs does
    not know, are low: nothing they decide is a proof."""
    topo = estate(HubRouteView("RouteTable", "defaultRouteTable", (
        HubRoute(("10.0.0.0/8",), "Azure Firewall", (FW_ID,)),
        HubRoute(("172.16.0.0/12",), "SomethingNew", ()))))
    hub = replace(topo.virtual_hubs[0], firewall_private_ip=None)
    routes = {r.prefix: r for r in effective_routes(replace(topo, virtual_hubs=(hub,)),
                                                    "vnet-data/snet-data")
              if r.source == "VirtualNetworkGateway"}
    assert routes["10.0.0.0/8"].confidence is Confidence.LOW
    assert "firewall's private address is not known" in routes["10.0.0.0/8"].reason
    assert routes["172.16.0.0/12"].confidence is Confidence.LOW
    assert "'SomethingNew' is not known" in routes["172.16.0.0/12"].reason


def test_a_hub_bgp_peer_row_leads_through_the_hub_to_the_appliance() -> None:
    """https://learn.microsoft.com/azure/virtual-wan/scenario-bgp-peering-hub: an NVA in a
    connected VNet peers with the hub router; its prefixes show as `HubBgpConnection` with the
    NVA's address. A spoke reaches the prefix through the hub router and the NVA (what lies
    beyond the NVA is not modelled); an NVA address in no modelled subnet is a low drop, never
    "on-premises"."""
    app = HubRoute(("192.168.50.0/24",), "HubBgpConnection", ("10.61.1.9",))
    topo = estate(replace(DEFAULT_TABLE, routes=(app,)))
    hub = replace(topo.virtual_hubs[0], routing_intent=())
    topo = replace(topo, virtual_hubs=(hub,))
    path = expected_path(topo, "10.62.1.4", "192.168.50.7")
    assert [h.hop for h in path.hops][:3] == [HopKind.CLIENT, HopKind.GATEWAY, HopKind.FIREWALL]
    assert "the hub routes it to appliance 10.61.1.9" in path.hops[1].detail
    assert path.hops[2].name == "10.61.1.9"
    assert "what lies beyond it is not in the model" in path.hops[3].detail
    assert path.delivered and path.confidence is Confidence.LOW
    lost = replace(topo, virtual_hubs=(replace(hub, effective_routes=(replace(
        DEFAULT_TABLE, routes=(replace(app, next_hops=("10.99.1.9",)),)),)),))
    dropped = expected_path(lost, "10.62.1.4", "192.168.50.7")
    assert not dropped.delivered and dropped.confidence is Confidence.LOW
    assert "in no modelled subnet" in (dropped.drop_reason or "")
