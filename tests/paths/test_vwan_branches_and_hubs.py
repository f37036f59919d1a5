"""Virtual WAN: branch traffic under a Private routing-intent policy, routes between the hubs
of one Virtual WAN, hub ExpressRoute gateways (worked examples E25, D1)."""

from __future__ import annotations

from dataclasses import replace

from netlogs.model import BypassKind, Confidence, HopKind
from netlogs.paths import expected_path
from netlogs.routing import effective_routes, index_for
from netlogs.topology.model import (
    KeyVault,
    PrivateEndpoint,
    Subnet,
    Topology,
    VirtualHub,
    VirtualNetwork,
)

INTENT = ("PrivateTraffic",)


def vnet(name: str, prefix: str, subnets: dict[str, str],
         policies: str = "Disabled") -> VirtualNetwork:
    return VirtualNetwork(name, (prefix,), "northeurope", tuple(
        Subnet(s, name, (p,), private_endpoint_network_policies=policies if s == "snet-pe"
               else "Disabled") for s, p in subnets.items()))


def estate(intent: tuple[str, ...] = INTENT, policies: str = "Disabled",
           west: tuple[str, ...] | None = None, **hub: object) -> Topology:
    """Hub vhub-ne (branch site 172.22.0.0/16) with vnet-app (PE 10.61.2.5) and vnet-data; with
    ``west``, a second hub vhub-we (routing intent ``west``, branch 172.23.0.0/16) with
    vnet-west."""
    vnets = [vnet("vnet-app", "10.61.0.0/16", {"snet-app": "10.61.1.0/24",
                                               "snet-pe": "10.61.2.0/24"}, policies),
             vnet("vnet-data", "10.62.0.0/16", {"snet-data": "10.62.1.0/24"})]
    hubs = [VirtualHub("vhub-ne", "10.60.0.0/23", ("vnet-app", "vnet-data"), "10.60.0.132",
                       intent, ("172.22.0.0/16",), router_ips=("10.60.0.68",),
                       vpn_gateway_ips=("10.60.0.12", "10.60.0.13"), **hub)]  # type: ignore[arg-type]
    if west is not None:
        vnets.append(vnet("vnet-west", "10.66.0.0/16", {"snet": "10.66.1.0/24"}))
        hubs.append(VirtualHub("vhub-we", "10.64.0.0/23", ("vnet-west",), "10.64.0.132", west,
                               ("172.23.0.0/16",), router_ips=("10.64.0.68",),
                               vpn_gateway_ips=("10.64.0.12",)))
    return Topology(
        vnets=tuple(vnets), virtual_hubs=tuple(hubs),
        private_endpoints=(PrivateEndpoint("pe-ledger", "vnet-app/snet-pe", "10.61.2.5",
                                           "kv-ledger"),),
        key_vaults=(KeyVault("kv-ledger", private_endpoints=("pe-ledger",)),),
        source="estate-W")


# ------------------------------------------------------------------ branches, Private policy


def test_e25_branch_to_pe_bypasses_the_firewall_and_the_reply_goes_to_it() -> None:
    """https://learn.microsoft.com/azure/virtual-wan/how-to-routing-policies (branch to a
    private endpoint in a spoke, Private policy): the hub gateways reach the PE by its /32 in the
    hub VNet, past the firewall; the PE's reply follows the spoke's 172.16.0.0/12 route to the
    firewall, which saw no request: asymmetric, the connection fails. Documented outcome,
    inferred mechanism: medium, and the route says why."""
    path = expected_path(estate(), "172.22.5.10", "10.61.2.5")
    assert path.delivered and path.firewalls == ()
    assert path.bypass is BypassKind.PRIVATE_ENDPOINT_ROUTE
    bypass_hop = next(h for h in path.hops if "bypass:" in h.detail)
    assert "back to vhub-ne-firewall, which saw no request: asymmetric" in bypass_hop.detail
    assert path.confidence is Confidence.MEDIUM
    pe_route = next(r for r in effective_routes(estate(), "vhub-ne/GatewaySubnet")
                    if r.name == "pe-ledger")
    assert "documented outcome, by an inferred mechanism" in pe_route.reason


def test_e25_route_table_policies_on_the_pe_subnet_send_branch_traffic_through_the_firewall(
) -> None:
    """Same article: with RouteTableEnabled on the PE's subnet the hub gateways' routing-intent
    routes (static, like UDRs) invalidate the /32: branch -> firewall -> PE, and the reply comes
    back through the firewall (symmetric)."""
    path = expected_path(estate(policies="RouteTableEnabled"), "172.22.5.10", "10.61.2.5")
    assert path.delivered and path.firewalls == ("vhub-ne-firewall",)
    assert [h.hop for h in path.hops] == [HopKind.CLIENT, HopKind.GATEWAY, HopKind.GATEWAY,
                                          HopKind.FIREWALL, HopKind.PRIVATE_ENDPOINT,
                                          HopKind.VAULT]
    assert path.confidence is Confidence.HIGH
    assert "(vhub-ne routing intent: Azure Firewall)" in path.hops[2].detail
    assert path.bypass is None


def test_d1_pe_32_as_an_additional_private_prefix_is_low() -> None:
    """https://learn.microsoft.com/azure/firewall-manager/private-link-inspection-secure-virtual-hub
    says to add the PE /32 to the private traffic prefixes; how-to-routing-policies says that
    does not restore symmetry (D1). Default: the /32 route stays, the path is low and says so."""
    path = expected_path(estate(private_traffic_prefixes=("10.61.2.5/32",)), "172.22.5.10",
                         "10.61.2.5")
    assert path.firewalls == () and path.confidence is Confidence.LOW
    pe_route = next(r for r in effective_routes(
        estate(private_traffic_prefixes=("10.61.2.5/32",)), "vhub-ne/GatewaySubnet")
        if r.name == "pe-ledger")
    assert "says this does not restore symmetry" in pe_route.reason


def test_branch_to_a_spoke_vm_crosses_the_firewall_only_under_a_private_policy() -> None:
    """https://learn.microsoft.com/azure/virtual-wan/how-to-routing-policies: with a Private
    policy the connections propagate to noneRouteTable, so the hub gateways reach spokes only
    through the aggregates to the firewall; without it they reach them directly."""
    secured = expected_path(estate(), "172.22.5.10", "10.62.1.4")
    assert secured.delivered and secured.firewalls == ("vhub-ne-firewall",)
    assert secured.confidence is Confidence.HIGH
    plain = expected_path(estate(()), "172.22.5.10", "10.62.1.4")
    assert plain.delivered and plain.firewalls == ()


# ------------------------------------------------------------------ between hubs


def test_inter_hub_without_intent_goes_router_to_router() -> None:
    """https://learn.microsoft.com/azure/virtual-wan/about-virtual-hub-routing: hubs of one
    Virtual WAN exchange their connections' and branches' routes; a spoke reaches a spoke or a
    branch of the other hub through both hub routers."""
    topo = estate((), west=())
    rows = {(r.prefix, r.next_hop_ips) for r in effective_routes(topo, "vnet-data/snet-data")
            if r.source == "VirtualNetworkGateway"}
    assert {("10.66.0.0/16", ("10.60.0.68",)), ("172.23.0.0/16", ("10.60.0.68",))} <= rows
    path = expected_path(topo, "10.62.1.4", "10.66.1.4")
    assert path.delivered and path.firewalls == ()
    assert [h.name for h in path.hops[1:3]] == ["vhub-ne router", "vhub-we router"]
    branch = expected_path(topo, "10.62.1.4", "172.23.9.9")
    assert branch.delivered and branch.hops[-2].name == "vhub-we-vpngw"
    assert path.confidence is Confidence.HIGH and branch.confidence is Confidence.HIGH


def test_inter_hub_with_intent_on_both_hubs_crosses_both_firewalls() -> None:
    """how-to-routing-policies: with both hubs secured, inter-hub flows cross both firewalls;
    a branch of the other hub too."""
    topo = estate(west=INTENT)
    path = expected_path(topo, "10.62.1.4", "10.66.1.4")
    assert path.firewalls == ("vhub-ne-firewall", "vhub-we-firewall")
    assert path.delivered and path.confidence is Confidence.HIGH
    branch = expected_path(topo, "172.23.9.9", "10.62.1.4")
    assert branch.firewalls == ("vhub-we-firewall", "vhub-ne-firewall") and branch.delivered


def test_inter_hub_with_intent_on_one_hub_only_is_medium() -> None:
    """The documents describe both hubs secured; one secured hub and one without intent is
    answered at medium confidence, saying why."""
    path = expected_path(estate(west=()), "10.62.1.4", "10.66.1.4")
    assert path.delivered and path.firewalls == ("vhub-ne-firewall",)
    assert path.confidence is Confidence.MEDIUM
    assert any("describe both hubs secured" in h.detail for h in path.hops)


def test_hubs_of_different_virtual_wans_exchange_nothing_and_default_routes_stay_home() -> None:
    """Hubs exchange routes only within a Virtual WAN; 0.0.0.0/0 never crosses hubs."""
    topo = estate((), west=())
    apart = replace(topo, virtual_hubs=(topo.virtual_hubs[0],
                                        replace(topo.virtual_hubs[1], virtual_wan="vwan-2")))
    assert not expected_path(apart, "10.62.1.4", "10.66.1.4").delivered
    rows = [r.prefix for r in effective_routes(topo, "vhub-ne/HubSubnet")
            if r.name == "vhub-ne hub-to-hub: Remote Hub"]
    assert "0.0.0.0/0" not in rows and "10.66.0.0/16" in rows


# ------------------------------------------------------------------ hub ExpressRoute gateway


def test_expressroute_branch_routes_are_medium_and_preferred_over_vpn() -> None:
    """https://learn.microsoft.com/azure/virtual-wan/about-virtual-hub-routing (hub routing
    preference, default ExpressRoute): a prefix learned over both is reached over ExpressRoute;
    the spoke's next hop is the ExpressRoute edge, whose address no export holds (medium)."""
    topo = estate((), expressroute_gateway="ergw-ne",
                  expressroute_prefixes=("172.22.0.0/16", "172.24.0.0/16"))
    rows = [(r.prefix, r.name, r.confidence) for r in effective_routes(topo, "vnet-data/snet-data")
            if r.prefix.startswith("172.2")]
    assert sorted(rows) == [("172.22.0.0/16", "ergw-ne", Confidence.MEDIUM),
                            ("172.24.0.0/16", "ergw-ne", Confidence.MEDIUM)]
    path = expected_path(topo, "10.62.1.4", "172.24.1.1")
    assert path.delivered and path.hops[1].name == "ergw-ne"
    assert path.confidence is Confidence.MEDIUM
    inbound = expected_path(replace(topo, virtual_hubs=(replace(
        topo.virtual_hubs[0], routing_intent=INTENT),)), "172.24.1.1", "10.62.1.4")
    assert "entering through ergw-ne" in inbound.hops[0].detail
    assert inbound.firewalls == ("vhub-ne-firewall",)


def test_an_expressroute_gateway_with_unknown_prefixes_is_a_gap() -> None:
    topo = estate(expressroute_gateway="ergw-ne")
    gaps = [g for g in index_for(topo).unevaluated if g.construct == "virtual_hub_expressroute"]
    assert [(g.resource, g.scope) for g in gaps] == [
        ("vhub-ne/ergw-ne", ("vnet-app", "vnet-data", "vhub-ne/GatewaySubnet"))]
    assert expected_path(topo, "10.62.1.4", "10.61.1.4").confidence is Confidence.LOW
