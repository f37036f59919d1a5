"""Worked examples E21-E40 (Virtual WAN, Route Server, AVNM, NSGs,
DNS, return path, validation, IPv6).

Where the construct is modelled the test asserts Azure's answer. Where it is not modelled yet
(Virtual WAN, Route Server, AVNM, NSGs), the test asserts the HONEST answer instead: the path is
``low`` confidence and names the unevaluated construct, so nobody reads the model's guess as a
proof. Each such test says so in a comment; when the construct is modelled, the assertion
becomes Azure's answer given in the docstring.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from netlogs.errors import NoPathError, TopologyError
from netlogs.model import BypassKind, Confidence, ExpectedPath, HopKind
from netlogs.paths import expected_path
from netlogs.routing import effective_routes, index_for
from netlogs.topology.azure_rules import check_azure_rejects
from netlogs.topology.model import (
    BgpRoute,
    Client,
    ConnectivityConfiguration,
    DesignRule,
    DnsResolver,
    KeyVault,
    NetworkSecurityGroup,
    NetworkVirtualAppliance,
    Peering,
    PrivateDnsZone,
    PrivateEndpoint,
    Route,
    RouteServer,
    RouteTable,
    SecurityRule,
    Subnet,
    Topology,
    VirtualHub,
    VirtualNetwork,
    VirtualNetworkGateway,
)

HV = "/subscriptions/msft/resourceGroups/RG_vhub-ne_1/providers/Microsoft.Network/virtualNetworks/"


def vnet(name: str, prefix: str, subnets: dict[str, str], peerings: tuple[Peering, ...] = (),
         **subnet_changes: dict[str, object]) -> VirtualNetwork:
    built = tuple(
        Subnet(s, name, (p,), **subnet_changes.get(s, {}))  # type: ignore[arg-type]
        for s, p in subnets.items())
    return VirtualNetwork(name, (prefix,), "northeurope", built, peerings)


def unevaluated(path: ExpectedPath, construct: str) -> bool:
    return path.confidence is Confidence.LOW and any(u.startswith(construct)
                                                     for u in path.unevaluated)


# ------------------------------------------------------------------ estate W: Virtual WAN


def estate_w(intent: tuple[str, ...] = ("PrivateTraffic", "Internet")) -> Topology:
    def hub_peering(n: int) -> Peering:
        return Peering(f"RemoteVnetToHubPeering_{n}", f"{HV}HV_vhub-ne_{n}",
                       use_remote_gateways=True, allow_forwarded_traffic=False)

    app = vnet("vnet-app", "10.61.0.0/16", {"snet-app": "10.61.1.0/24", "snet-pe": "10.61.2.0/24"},
               (hub_peering(1),))
    data = vnet("vnet-data", "10.62.0.0/16", {"snet-data": "10.62.1.0/24"}, (hub_peering(2),))
    legacy = vnet("vnet-legacy", "100.70.0.0/16", {"snet": "100.70.1.0/24"}, (hub_peering(3),))
    return Topology(
        vnets=(app, data, legacy),
        private_endpoints=(PrivateEndpoint("pe-ledger", "vnet-app/snet-pe", "10.61.2.5",
                                           "kv-ledger"),),
        key_vaults=(KeyVault("kv-ledger", public_ips=("203.0.113.25",),
                             private_endpoints=("pe-ledger",)),),
        virtual_hubs=(VirtualHub("vhub-ne", "10.60.0.0/23",
                                 ("vnet-app", "vnet-data", "vnet-legacy"), "10.60.0.132", intent,
                                 ("172.22.0.0/16",)),),
        private_dns_zones=(PrivateDnsZone("privatelink.vaultcore.azure.net",
                                          ("vnet-app", "vnet-data"),
                                          (("kv-ledger", "10.61.2.5"),)),),
        source="estate-W",
    )


def test_e21_spoke_to_spoke_without_intent_goes_through_the_hub_router() -> None:
    """Azure (about-virtual-hub-routing, effective-routes-virtual-hub): without routing intent
    vnet-app gets 10.62.0.0/16 as a VirtualNetworkGateway route to the hub router; the flow
    crosses no firewall. The HV_ peering stands for the hub connection."""
    topo = estate_w(())
    table = effective_routes(topo, "vnet-app/snet-app")
    rows = {(r.source, r.prefix, r.next_hop_type) for r in table if r.active}
    assert ("Default", "10.60.0.0/23", "VNetPeering") in rows  # the hub range
    assert ("VirtualNetworkGateway", "10.62.0.0/16", "VirtualNetworkGateway") in rows
    assert ("VirtualNetworkGateway", "172.22.0.0/16", "VirtualNetworkGateway") in rows  # branch
    path = expected_path(topo, "10.61.1.4", "10.62.1.4")
    assert path.delivered and path.firewalls == () and path.hops[1].name == "vhub-ne router"
    assert (path.confidence, path.unevaluated) == (Confidence.HIGH, ())


def test_e22_routing_intent_sends_spoke_to_pe_through_the_hub_firewall() -> None:
    """Azure (how-to-routing-policies, howto-private-link): with a Private policy vnet-data
    gets only the RFC 1918 aggregates (10/8 -> 10.60.0.132), not the other spokes' ranges; the
    flow to PE 10.61.2.5 crosses the hub firewall, which reaches the PE through the hub's
    connection. The reply follows vnet-app's 10/8 route back to the firewall: symmetric. (The
    issue measured this as a high DROPPED.)"""
    topo = estate_w()
    rows = {(r.prefix, r.next_hop_ips) for r in effective_routes(topo, "vnet-data/snet-data")
            if r.active and r.source == "VirtualNetworkGateway"}
    assert rows == {(p, ("10.60.0.132",)) for p in
                    ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "0.0.0.0/0")}
    path = expected_path(topo, "10.62.1.4", "kv-ledger")
    assert path.delivered and path.firewalls == ("vhub-ne-firewall",)
    assert [h.hop.value for h in path.hops] == [
        "client", "gateway", "firewall", "private_endpoint", "vault"]
    assert path.bypass is None and path.confidence is Confidence.HIGH


def test_e23_non_rfc1918_spoke_is_lost_without_additional_prefixes() -> None:
    """Azure: vnet-app -> 100.70.1.4 is covered only by 100.64.0.0/10 None (or the hub 0/0,
    whose firewall table has no route for it): no_route. [M] in the source, medium here."""
    path = expected_path(estate_w(), "10.61.1.4", "100.70.1.4")
    assert not path.delivered and "100.64.0.0/10 None" in (path.drop_reason or "")
    assert path.confidence is Confidence.MEDIUM


def test_e23_additional_private_prefix_sends_it_through_the_firewall() -> None:
    """After adding 100.70.0.0/16 as additional private prefix in this hub: vnet-app gets
    100.70.0.0/16 -> 10.60.0.132 and reaches vnet-legacy through the hub firewall."""
    topo = estate_w()
    hub = replace(topo.virtual_hubs[0], private_traffic_prefixes=("100.70.0.0/16",))
    path = expected_path(replace(topo, virtual_hubs=(hub,)), "10.61.1.4", "100.70.1.4")
    assert path.delivered and path.firewalls == ("vhub-ne-firewall",)


def test_e24_same_vnet_client_bypasses_the_hub_firewall() -> None:
    """Azure (private-link-inspection-secure-virtual-hub): vm 10.61.1.4 -> 10.61.2.5 hits the
    PE /32 and bypasses the hub firewall; vWAN cannot inject a route that specific."""
    topo = replace(estate_w(), design_rules=(DesignRule("kv-ledger", "vhub-ne-firewall"),))
    path = expected_path(topo, "10.61.1.4", "kv-ledger")
    assert path.delivered and path.firewalls == ()
    assert path.bypass is BypassKind.PRIVATE_ENDPOINT_ROUTE
    assert path.confidence is Confidence.HIGH


def test_e24_fix_udr_to_the_hub_firewall_with_route_table_policies() -> None:
    """The documented fix: snet-pe RouteTableEnabled + snet-app UDR 10.61.2.0/24 -> hub
    firewall 10.60.0.132: the /32 turns Invalid and the flow crosses the hub firewall."""
    base = estate_w()
    app = next(v for v in base.vnets if v.name == "vnet-app")
    subnets = tuple(
        replace(s, route_table="rt-app") if s.name == "snet-app" else
        replace(s, private_endpoint_network_policies="RouteTableEnabled") for s in app.subnets)
    vnets = tuple(replace(v, subnets=subnets) if v.name == "vnet-app" else v for v in base.vnets)
    rt = RouteTable("rt-app", (Route("pe-to-hubfw", "10.61.2.0/24", "VirtualAppliance",
                                     "10.60.0.132"),))
    topo = replace(base, vnets=vnets, route_tables=(rt,),
                   design_rules=(DesignRule("kv-ledger", "vhub-ne-firewall"),))
    path = expected_path(topo, "10.61.1.4", "kv-ledger")
    assert path.delivered and path.firewalls == ("vhub-ne-firewall",)
    assert path.forward_bypass is None


def test_e25_branch_to_pe_under_private_intent_bypasses_the_firewall() -> None:
    """Azure (how-to-routing-policies): branch 172.22.5.10 -> PE bypasses the hub firewall by
    default (the gateways sit in the hub VNet, which holds the PE /32) and the reply goes to the
    firewall: asymmetric. The outcome is documented, the mechanism inferred: medium. (The
    RouteTableEnabled fix is in tests/paths/test_vwan_branches_and_hubs.py.)"""
    topo = estate_w()
    path = expected_path(topo, "172.22.5.10", "10.61.2.5")
    assert path.delivered and path.bypass is BypassKind.PRIVATE_ENDPOINT_ROUTE
    assert path.confidence is Confidence.MEDIUM and path.unevaluated == ()


def test_e26_internet_policy_sends_public_traffic_through_the_hub_firewall() -> None:
    """Azure: with an Internet policy (enableInternetSecurity true) 0/0 goes to the hub
    firewall, and Key Vault sees the firewall's public address (198.51.100.40)."""
    topo = estate_w(("Internet",))
    hub = replace(topo.virtual_hubs[0], firewall_public_ips=("198.51.100.40",))
    path = expected_path(replace(topo, virtual_hubs=(hub,)), "10.62.1.4", "203.0.113.25")
    assert path.firewalls == ("vhub-ne-firewall",)
    assert "SNATed to 198.51.100.40" in path.hops[2].detail
    # enableInternetSecurity false on conn-data: no hub 0/0, `Default 0/0 Internet` stays
    off = replace(hub, without_internet_security=("vnet-data",))
    direct = expected_path(replace(topo, virtual_hubs=(off,)), "10.62.1.4", "203.0.113.25")
    assert direct.firewalls == () and direct.hops[1].hop is HopKind.PUBLIC_ENDPOINT
    assert path.bypass is BypassKind.PUBLIC_ENDPOINT


def test_e27_two_hubs_exchange_routes_and_inter_hub_crosses_both_firewalls() -> None:
    """Azure (how-to-routing-policies): with both hubs secured, inter-hub flows cross both
    firewalls. A second secured hub with vnet-west: vnet-data -> vnet-west crosses
    vhub-ne-firewall then vhub-we-firewall. (More in test_vwan_branches_and_hubs.py.)"""
    topo = estate_w()
    west = vnet("vnet-west", "10.66.0.0/16", {"snet": "10.66.1.0/24"})
    second = VirtualHub("vhub-we", "10.64.0.0/23", ("vnet-west",), "10.64.0.132",
                        ("PrivateTraffic",))
    topo = replace(topo, vnets=(*topo.vnets, west),
                   virtual_hubs=(*topo.virtual_hubs, second))
    assert all(g.construct != "virtual_wan_inter_hub" for g in index_for(topo).unevaluated)
    path = expected_path(topo, "10.62.1.4", "10.66.1.4")
    assert path.delivered and path.firewalls == ("vhub-ne-firewall", "vhub-we-firewall")
    assert path.confidence is Confidence.HIGH


# ------------------------------------------------------------------ estate R: Route Server


def estate_r() -> Topology:
    transit = vnet("vnet-transit", "10.80.0.0/16", {"RouteServerSubnet": "10.80.0.0/27",
                                                    "snet-nva": "10.80.1.0/24"},
                   (Peering("transit-to-wk", "vnet-wk", allow_gateway_transit=True),))
    wk = vnet("vnet-wk", "10.81.0.0/16", {"snet-wk": "10.81.1.0/24", "snet-x": "10.81.5.0/24"},
              (Peering("wk-to-transit", "vnet-transit", use_remote_gateways=True),))
    learned = (BgpRoute("172.30.0.0/16", "10.80.1.4", "65030"),
               BgpRoute("172.30.0.0/16", "10.80.1.5", "65030"),
               BgpRoute("0.0.0.0/0", "10.80.1.4", "65030"))
    return Topology(vnets=(transit, wk),
                    route_servers=(RouteServer("ars-transit", "vnet-transit", learned),),
                    source="estate-R")


def test_e28_route_server_routes_keep_their_next_hops() -> None:
    """Azure (route-server-faq): vnet-wk NICs get 172.30.0.0/16 -> 10.80.1.4 and 10.80.1.5
    (equal AS paths: ECMP) and 0/0 -> 10.80.1.4, which makes `0/0 Internet` Invalid; a BGP
    route whose next hop is inside Azure is an appliance hop, not on-premises."""
    topo = estate_r()
    rows = {(r.source, r.state, r.prefix, r.next_hop_ips)
            for r in effective_routes(topo, "vnet-wk/snet-wk") if r.next_hop_type != "None"}
    assert rows == {
        ("Default", "Active", "10.81.0.0/16", ()),
        ("Default", "Active", "10.80.0.0/16", ()),
        ("VirtualNetworkGateway", "Active", "172.30.0.0/16", ("10.80.1.4",)),
        ("VirtualNetworkGateway", "Active", "172.30.0.0/16", ("10.80.1.5",)),
        ("VirtualNetworkGateway", "Active", "0.0.0.0/0", ("10.80.1.4",)),
        ("Default", "Invalid", "0.0.0.0/0", ()),
    }
    path = expected_path(topo, "10.81.1.4", "172.30.1.1")
    assert [h.hop.value for h in path.hops] == ["client", "gateway", "firewall", "destination"]
    assert "BGP next hop 10.80.1.4 is inside Azure: an appliance" in path.hops[1].detail
    assert path.confidence is Confidence.LOW  # beyond the appliance is not modelled


def test_e28_prepended_as_path_loses_and_propagation_off_removes_them() -> None:
    """If nva-b prepends (65030 65030) only the 10.80.1.4 row for 172.30/16 remains; with
    disableBgpRoutePropagation on vnet-wk's table the gateway rows vanish."""
    topo = estate_r()
    server = topo.route_servers[0]
    learned = tuple(replace(r, as_path="65030 65030") if r.next_hop_ip == "10.80.1.5" else r
                    for r in server.learned_routes)
    prepended = replace(topo, route_servers=(replace(server, learned_routes=learned),))
    hops = [r.next_hop_ips for r in effective_routes(prepended, "vnet-wk/snet-wk")
            if r.prefix == "172.30.0.0/16"]
    assert hops == [("10.80.1.4",)]
    wk = next(v for v in topo.vnets if v.name == "vnet-wk")
    subnets = tuple(replace(s, route_table="rt-wk") for s in wk.subnets)
    off = replace(topo, vnets=tuple(replace(v, subnets=subnets) if v.name == "vnet-wk" else v
                                    for v in topo.vnets),
                  route_tables=(RouteTable("rt-wk", (), disable_bgp_route_propagation=True),))
    assert all(r.source != "VirtualNetworkGateway"
               for r in effective_routes(off, "vnet-wk/snet-wk"))


def test_e29_route_server_cannot_steer_intra_vnet_or_peered_traffic() -> None:
    """Azure (route-server-faq): system routes for the VNet and peerings beat BGP routes even
    when these are more specific: 10.81.1.4 -> 10.81.5.4 stays local, -> 10.80.9.9 goes over
    the peering, although the NVA advertises 10.81.5.0/24 and 10.80.0.0/16."""
    topo = estate_r()
    server = topo.route_servers[0]
    extra = (BgpRoute("10.81.5.0/24", "10.80.1.4", "65030"),
             BgpRoute("10.80.0.0/16", "10.80.1.4", "65030"))
    topo = replace(topo, route_servers=(replace(server,
                                                learned_routes=server.learned_routes + extra),))
    local = expected_path(topo, "10.81.1.4", "10.81.5.4")
    assert local.delivered and local.firewalls == () and "VnetLocal" in local.hops[-1].detail
    assert local.confidence is Confidence.HIGH
    peered = expected_path(topo, "10.81.1.4", "10.80.9.9")
    assert peered.hops[1].hop is HopKind.PEERING


# ------------------------------------------------------------------ estate M: AVNM


def estate_m(config: ConnectivityConfiguration) -> Topology:
    vnets = tuple(vnet(n, p, {"snet": p.replace("0.0/16", "1.0/24")}) for n, p in (
        ("vnet-m1", "10.90.0.0/16"), ("vnet-m2", "10.91.0.0/16"), ("vnet-m3", "10.92.0.0/16"),
        ("vnet-mh", "10.95.0.0/16"), ("vnet-t1", "10.96.0.0/16")))
    return Topology(vnets=vnets, connectivity_configurations=(config,), source="estate-M")


def test_e30_mesh_gives_connected_group_routes() -> None:
    """Azure (concept-connectivity-configuration): a mesh gives vnet-m1 `ConnectedGroup` rows for
    10.91/16 and 10.92/16, no peering objects; 10.90.1.4 -> 10.91.1.4 is delivered. (The issue
    measured a high DROPPED.)"""
    mesh = ConnectivityConfiguration("cc-mesh", "Mesh", ("vnet-m1", "vnet-m2", "vnet-m3"))
    topo = estate_m(mesh)
    rows = {(r.prefix, r.next_hop_type) for r in effective_routes(topo, "vnet-m1/snet")}
    assert {("10.91.0.0/16", "ConnectedGroup"), ("10.92.0.0/16", "ConnectedGroup")} <= rows
    path = expected_path(topo, "10.90.1.4", "10.91.1.4")
    assert path.delivered and path.confidence is Confidence.HIGH


def test_e30_overlap_leaves_the_mesh_and_other_regions_need_global() -> None:
    """Adding vnet-x with 10.91.0.0/16 (overlap Allowed): that space leaves the mesh, so
    vnet-m1 -> 10.91.1.4 hits 10.0.0.0/8 None. A member in another region without global mesh
    gets no row."""
    vx = vnet("vnet-x", "10.91.0.0/16", {"snet": "10.91.128.0/24"})
    mesh = ConnectivityConfiguration("cc-mesh", "Mesh",
                                     ("vnet-m1", "vnet-m2", "vnet-m3", "vnet-x"))
    base = estate_m(mesh)
    topo = replace(base, vnets=(*base.vnets, vx))
    path = expected_path(topo, "10.90.1.4", "10.91.1.4")
    assert not path.delivered and "10.0.0.0/8 None" in (path.drop_reason or "")
    far = tuple(replace(v, region="westus") if v.name == "vnet-m3" else v for v in base.vnets)
    regional = replace(base, vnets=far)
    assert not expected_path(regional, "10.90.1.4", "10.92.1.4").delivered
    global_mesh = replace(regional, connectivity_configurations=(replace(mesh, is_global=True),))
    assert expected_path(global_mesh, "10.90.1.4", "10.92.1.4").delivered


def test_e31_hub_and_spoke_with_direct_connectivity_for_one_group() -> None:
    """Azure: vnet-m1 NIC: 10.95.0.0/16 VNetPeering, 10.91.0.0/16 ConnectedGroup, no 10.96/16
    row; vnet-m1 -> 10.96.1.4 (another group) is dropped by 10.0.0.0/8 None."""
    config = ConnectivityConfiguration("cc-hs", "HubAndSpoke", ("vnet-m1", "vnet-m2"),
                                       "vnet-mh", direct_connectivity=True)
    topo = estate_m(config)
    rows = {(r.prefix, r.next_hop_type) for r in effective_routes(topo, "vnet-m1/snet")}
    assert {("10.95.0.0/16", "VNetPeering"), ("10.91.0.0/16", "ConnectedGroup")} <= rows
    assert not any(prefix == "10.96.0.0/16" for prefix, _ in rows)
    path = expected_path(topo, "10.90.1.4", "10.96.1.4")
    assert not path.delivered and path.confidence is Confidence.HIGH


# ------------------------------------------------------------------ NSGs (E32-E35)


def estate_nsg(policies: str, rules: tuple[SecurityRule, ...]) -> Topology:
    app = vnet("vnet-app", "10.61.0.0/16", {"snet-app": "10.61.1.0/24", "snet-pe": "10.61.2.0/24"},
               (Peering("app-to-data", "vnet-data"),),
               **{"snet-pe": {"private_endpoint_network_policies": policies}})
    data = vnet("vnet-data", "10.62.0.0/16", {"snet-data": "10.62.1.0/24"},
                (Peering("data-to-app", "vnet-app"),))
    return Topology(
        vnets=(app, data),
        private_endpoints=(PrivateEndpoint("pe-ledger", "vnet-app/snet-pe", "10.61.2.5",
                                           "kv-ledger"),),
        key_vaults=(KeyVault("kv-ledger", private_endpoints=("pe-ledger",)),),
        network_security_groups=(NetworkSecurityGroup("nsg-pe", ("vnet-app/snet-pe",), (),
                                                      rules),),
        source="estate-NSG",
    )


DENY_DATA_443 = SecurityRule("deny-data-443", 200, "Inbound", "Deny", "Tcp", ("10.62.0.0/16",),
                             ("*",), ("443",))


@pytest.mark.parametrize(("policies", "denied"), [
    ("NetworkSecurityGroupEnabled", True), ("Enabled", True),
    ("Disabled", False), ("RouteTableEnabled", False)])
def test_e34_nsg_on_the_pe_subnet_applies_only_with_nsg_policies(policies: str,
                                                                 denied: bool) -> None:
    """Azure (private-endpoint-overview, disable-private-endpoint-network-policy): with
    NetworkSecurityGroupEnabled or Enabled, nsg-pe's deny drops 10.62.1.4 -> 10.61.2.5:443
    (nsg_denied_at_pe); with Disabled or RouteTableEnabled the NSG is ignored."""
    path = expected_path(estate_nsg(policies, (DENY_DATA_443,)), "10.62.1.4", "10.61.2.5", 443)
    assert path.delivered is not denied
    if denied:
        assert path.drop_reason == ("denied by network security group nsg-pe rule "
                                    "deny-data-443 (inbound at vnet-app/snet-pe)")
    assert path.confidence is Confidence.HIGH


def estate_vm(nic: tuple[SecurityRule, ...], subnet: tuple[SecurityRule, ...]) -> Topology:
    base = estate_nsg("Disabled", ())
    vm = Client("vm-app", ("10.61.1.4",), "vnet-app/snet-app")
    return replace(base, clients=(vm,), network_security_groups=(
        NetworkSecurityGroup("nsg-nic", clients=("vm-app",), rules=nic),
        NetworkSecurityGroup("nsg-snet", subnets=("vnet-app/snet-app",), rules=subnet)))


ALLOW_443_IN = SecurityRule("allow-443", 100, "Inbound", "Allow", "Tcp", destination_ports=("443",))
DENY_443_IN = SecurityRule("deny-443", 100, "Inbound", "Deny", "Tcp", destination_ports=("443",))
DENY_443_OUT = SecurityRule("deny-443-out", 100, "Outbound", "Deny", "Tcp",
                            destination_ports=("443",))


def test_e33_nic_and_subnet_nsg_order() -> None:
    """Azure (network-security-group-how-it-works): inbound = subnet NSG then NIC NSG; outbound
    = NIC NSG then subnet NSG; the denying NSG is the one named."""
    inbound = expected_path(estate_vm((DENY_443_IN,), (ALLOW_443_IN,)), "10.62.1.4",
                            "10.61.1.4", 443)
    assert "nsg-nic rule deny-443 (inbound at vnet-app/snet-app)" in (inbound.drop_reason or "")
    out_nic = expected_path(estate_vm((DENY_443_OUT,), ()), "vm-app", "10.62.1.4", 443)
    assert "nsg-nic rule deny-443-out (outbound" in (out_nic.drop_reason or "")
    out_subnet = expected_path(estate_vm((), (DENY_443_OUT,)), "vm-app", "10.62.1.4", 443)
    assert "nsg-snet rule deny-443-out (outbound" in (out_subnet.drop_reason or "")
    allowed = expected_path(estate_vm((), (ALLOW_443_IN,)), "10.62.1.4", "10.61.1.4", 443)
    assert allowed.delivered and allowed.confidence is Confidence.HIGH


def test_e32_without_admin_rules_the_nsg_decides() -> None:
    """Azure (concept-security-admins): without admin rules (or with an `Allow` one) the NSGs
    decide (NSG prio 100 Deny 22 -> denied by the NSG). The admin rule rows of E32 are in
    tests/paths/test_avnm_rules.py."""
    deny_22 = SecurityRule("deny-22", 100, "Inbound", "Deny", "Tcp", destination_ports=("22",))
    path = expected_path(estate_vm((deny_22,), ()), "10.62.1.4", "10.61.1.4", 22)
    assert not path.delivered and "nsg-nic rule deny-22" in (path.drop_reason or "")


def test_e35_a_default_route_udr_widens_the_virtual_network_tag() -> None:
    """Azure (service-tags-overview, azure-docs #22178): with a 0/0 UDR on the subnet,
    `VirtualNetwork` contains 0.0.0.0/0, so AllowVnetInBound admits 198.51.100.77."""
    from netlogs.paths.nsg import DEFAULT_RULES, Flow, evaluate
    from netlogs.routing.prefixes import parse_prefix

    base = estate_vm((), ())
    app = next(v for v in base.vnets if v.name == "vnet-app")
    subnets = tuple(replace(s, route_table="rt-app") if s.name == "snet-app" else s
                    for s in app.subnets)
    udr = RouteTable("rt-app", (Route("all", "0.0.0.0/0", "VirtualAppliance", "10.62.1.10"),))
    widened = replace(base, route_tables=(udr,), vnets=tuple(
        replace(v, subnets=subnets) if v.name == "vnet-app" else v for v in base.vnets))
    group = [NetworkSecurityGroup("nsg-default", subnets=("vnet-app/snet-app",))]
    source, target = parse_prefix("198.51.100.77"), parse_prefix("10.61.1.4")
    assert source is not None and target is not None
    flow = Flow(source, target, 443, "vnet-app/snet-app")
    assert evaluate(index_for(widened), group, "Inbound", flow).rule == "AllowVnetInBound"
    assert evaluate(index_for(base), group, "Inbound", flow).rule == "DenyAllInBound"
    assert DEFAULT_RULES[0].name == "AllowVnetInBound"


# ------------------------------------------------------------------ estate D: DNS (E36, E37)


def estate_d(spk_dns: tuple[str, ...] = (), links: tuple[str, ...] = ("vnet-dnshub",),
             onprem: bool = False) -> Topology:
    hub = vnet("vnet-dnshub", "10.70.0.0/16", {"snet-dns-in": "10.70.4.0/28"},
               (Peering("hub-to-spk", "vnet-spk", allow_gateway_transit=True),))
    spk = replace(vnet("vnet-spk", "10.71.0.0/16", {"snet-vm": "10.71.1.0/24",
                                                    "snet-pe": "10.71.2.0/24"},
                       (Peering("spk-to-hub", "vnet-dnshub", use_remote_gateways=onprem),)),
                  dns_servers=spk_dns)
    gateways = (VirtualNetworkGateway("vgw", "vnet-dnshub", instance_ips=("10.70.0.4",),
                                      learned_prefixes=("172.22.0.0/16",)),) if onprem else ()
    return Topology(
        vnets=(hub, spk),
        gateways=gateways,
        private_endpoints=(PrivateEndpoint("pe-orders", "vnet-spk/snet-pe", "10.71.2.5",
                                           "kv-orders"),),
        key_vaults=(KeyVault("kv-orders", public_ips=("203.0.113.26",),
                             public_network_access="Disabled",
                             private_endpoints=("pe-orders",)),),
        clients=(Client("vm-spk", ("10.71.1.4",), "vnet-spk/snet-vm"),),
        private_dns_zones=(PrivateDnsZone("privatelink.vaultcore.azure.net", links,
                                          (("kv-orders", "10.71.2.5"),)),),
        source="estate-D",
    )


def test_e36_zone_not_linked_answers_the_public_address() -> None:
    """Azure (private-endpoint-dns): vm 10.71.1.4 with Azure DNS, zone linked only to
    vnet-dnshub -> 203.0.113.26; publicNetworkAccess Disabled -> 403 ForbiddenByConnection.
    Modelled: high."""
    path = expected_path(estate_d(), "vm-spk", "kv-orders")
    assert "not linked to vnet-spk" in path.hops[0].detail
    assert path.drop_reason is not None and "ForbiddenByConnection" in path.drop_reason
    assert path.bypass is BypassKind.PUBLIC_ENDPOINT
    assert path.confidence is Confidence.HIGH and path.unevaluated == ()


def test_e36_zone_linked_to_the_client_vnet_gives_the_pe() -> None:
    path = expected_path(estate_d(links=("vnet-dnshub", "vnet-spk")), "vm-spk", "kv-orders")
    assert path.delivered and path.hops[1].name == "pe-orders"
    assert "resolves to 10.71.2.5 (A record kv-orders" in path.hops[0].detail
    assert path.confidence is Confidence.HIGH


def test_e36_resolver_inbound_endpoint_answers_with_its_vnets_view() -> None:
    """Azure (private-resolver-endpoints-rulesets): vnet-spk dnsServers=[10.70.4.4], the
    resolver's inbound endpoint in vnet-dnshub: queries are answered with vnet-dnshub's zone
    links -> 10.71.2.5."""
    inbound = DnsResolver("dnspr-hub-in", "10.70.4.4", "vnet-dnshub",
                          kind="privateResolverInbound")
    topo = replace(estate_d(spk_dns=("10.70.4.4",)), dns_resolvers=(inbound,))
    path = expected_path(topo, "vm-spk", "kv-orders")
    assert path.delivered and path.hops[1].name == "pe-orders"
    assert "via privateResolverInbound dnspr-hub-in (10.70.4.4)" in path.hops[0].detail
    assert (path.confidence, path.unevaluated) == (Confidence.HIGH, ())


def test_e36_undescribed_custom_dns_server_is_assumed_private_at_low() -> None:
    """A custom DNS server the file does not describe: the private endpoint is assumed, low,
    and the assumption is named."""
    path = expected_path(estate_d(spk_dns=("10.70.9.9",)), "vm-spk", "kv-orders")
    assert path.delivered and path.hops[1].name == "pe-orders"
    assert unevaluated(path, "custom_dns_servers vnet-spk")


def test_e37_firewall_dns_proxy_with_an_unlinked_view_answers_public() -> None:
    """Azure (firewall/dns-settings): vnet-spk dnsServers=[the firewall's private IP], DNS
    proxy on, the firewall's DNS = Azure DNS of its own VNet, which is not linked to the zone
    -> 203.0.113.26; public access disabled -> 403 ForbiddenByConnection. Pointing the
    firewall at the resolver (10.70.4.4) fixes it."""
    proxy = DnsResolver("afw-hub-dns", "10.70.0.68", "vnet-dnshub", kind="firewallDnsProxy")
    topo = replace(estate_d(spk_dns=("10.70.0.68",), links=("vnet-spk-other",)),
                   dns_resolvers=(proxy,))
    path = expected_path(topo, "vm-spk", "kv-orders")
    assert "is not linked to vnet-dnshub" in path.hops[0].detail
    assert "ForbiddenByConnection" in (path.drop_reason or "")
    inbound = DnsResolver("dnspr-hub-in", "10.70.4.4", "vnet-spk", kind="privateResolverInbound")
    fixed = replace(topo, dns_resolvers=(replace(proxy, virtual_network=None,
                                                 forward_to="10.70.4.4"), inbound),
                    private_dns_zones=(replace(topo.private_dns_zones[0],
                                               virtual_network_links=("vnet-spk",)),))
    assert expected_path(fixed, "vm-spk", "kv-orders").delivered


def test_e36_on_premises_resolver_is_an_assumption() -> None:
    """Azure: on-prem DNS forwarding vault.azure.net to the inbound endpoint answers the PE;
    without the forwarder, the public address. On-premises resolvers are not described: low."""
    path = expected_path(estate_d(onprem=True), "172.22.9.10", "kv-orders")
    assert unevaluated(path, "dns_on_premises")


# ------------------------------------------------------------------ E38 return path, E39, E40


def test_e38_nva_without_known_snat_is_an_asymmetric_risk_at_low() -> None:
    """Azure (private-link-disable-snat, D2 default `docs`): an NVA forwarding to a PE without
    SNAT and without the disableSnatOnPL tag is `asymmetric_risk` (low)."""
    hub = vnet("vnet-hub", "10.75.0.0/16", {"snet-nva": "10.75.1.0/24"},
               (Peering("hub-to-spk", "vnet-spk"),))
    spk = vnet("vnet-spk", "10.71.0.0/16", {"snet-vm": "10.71.1.0/24", "snet-pe": "10.71.2.0/24"},
               (Peering("spk-to-hub", "vnet-hub"),),
               **{"snet-vm": {"route_table": "rt-vm"},
                  "snet-pe": {"private_endpoint_network_policies": "RouteTableEnabled"}})
    topo = Topology(
        vnets=(hub, spk),
        route_tables=(RouteTable("rt-vm", (Route("to-nva", "10.71.2.0/24", "VirtualAppliance",
                                                 "10.75.1.4"),)),),
        private_endpoints=(PrivateEndpoint("pe", "vnet-spk/snet-pe", "10.71.2.5", "kv"),),
        key_vaults=(KeyVault("kv", private_endpoints=("pe",)),),
        source="E38")
    path = expected_path(topo, "10.71.1.4", "10.71.2.5")
    assert path.delivered and path.bypass is BypassKind.ASYMMETRIC_RETURN
    assert path.confidence is Confidence.LOW
    assert "is not known to SNAT (or to carry the disableSnatOnPL tag)" in " ".join(
        h.detail for h in path.hops)
    rows = {  # E38's table, default pe_return_model=docs
        NetworkVirtualAppliance("nva", ("10.75.1.4",), snat=False): BypassKind.ASYMMETRIC_RETURN,
        NetworkVirtualAppliance("nva", ("10.75.1.4",), snat=False, disable_snat_on_pl=True): None,
        NetworkVirtualAppliance("nva", ("10.75.1.4",), snat=True): None,
    }
    for nva, expected in rows.items():
        described = expected_path(replace(topo, appliances=(nva,)), "10.71.1.4", "10.71.2.5")
        assert described.bypass is expected, nva


def test_e39_peering_validation() -> None:
    """Azure (virtual-network-manage-peering): useRemoteGateways toward a peering whose remote
    side has allowGatewayTransit false is refused; on a VNet with its own gateway it is refused
    (RemoteVnetHasNoGateways when the remote has none)."""
    a = vnet("vnet-a", "10.30.0.0/16", {"GatewaySubnet": "10.30.0.0/27"},
             (Peering("a-to-b", "vnet-b"),))
    b = vnet("vnet-b", "10.31.0.0/16", {"snet": "10.31.1.0/24"},
             (Peering("b-to-a", "vnet-a", use_remote_gateways=True),))
    gateway = VirtualNetworkGateway("vgw-a", "vnet-a", instance_ips=("10.30.0.4",))
    with pytest.raises(TopologyError, match="allowGatewayTransit false"):
        check_azure_rejects(Topology(vnets=(a, b), gateways=(gateway,)))
    a_ok = replace(a, peerings=(Peering("a-to-b", "vnet-b", allow_gateway_transit=True),))
    check_azure_rejects(Topology(vnets=(a_ok, b), gateways=(gateway,)))  # accepted
    a_uses = replace(a, peerings=(Peering("a-to-b", "vnet-b", use_remote_gateways=True),))
    with pytest.raises(TopologyError, match="vnet-a has its own gateway"):
        check_azure_rejects(Topology(vnets=(a_uses, b), gateways=(gateway,)))


def test_e40_dual_stack_keeps_ipv4_and_reports_ipv6() -> None:
    """Azure (ipv6-overview): IPv4 and IPv6 rows never match each other's destinations; the
    IPv4 0/0 -> 10.40.2.4 UDR still decides IPv4. IPv6 routes are not computed: a gap, and an
    IPv6 path is refused plainly."""
    ds = VirtualNetwork("vnet-ds", ("10.40.0.0/16", "fd00:40::/48"), "northeurope", (
        Subnet("snet-app", "vnet-ds", ("10.40.1.0/24", "fd00:40:0:1::/64"), "rt-ds"),
        Subnet("snet-nva", "vnet-ds", ("10.40.2.0/24", "fd00:40:0:2::/64"))))
    rt = RouteTable("rt-ds", (Route("v4", "0.0.0.0/0", "VirtualAppliance", "10.40.2.4"),
                              Route("v6", "::/0", "VirtualAppliance", "fd00:40:0:2::4")))
    topo = Topology(vnets=(ds,), route_tables=(rt,), source="E40")
    rows = {(r.source, r.state, r.prefix, r.next_hop_type)
            for r in effective_routes(topo, "vnet-ds/snet-app")}
    assert ("User", "Active", "0.0.0.0/0", "VirtualAppliance") in rows
    assert ("Default", "Invalid", "0.0.0.0/0", "Internet") in rows
    assert index_for(topo).unevaluated_in("vnet-ds") == ("ipv6_prefix rt-ds",
                                                          "ipv6_prefix vnet-ds")
    with pytest.raises(NoPathError, match="IPv6 paths are not modelled"):
        expected_path(topo, "10.40.1.4", "fd00:40:0:2::9")
