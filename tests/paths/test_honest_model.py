"""Constructs the model does not evaluate are gaps, and nothing they could change is high."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from netlogs.model import Confidence, HopKind
from netlogs.paths import expected_path
from netlogs.routing import effective_routes, index_for
from netlogs.topology.coverage import coverage_gaps
from netlogs.topology.model import (
    BgpRoute,
    ConnectivityConfiguration,
    NetworkSecurityGroup,
    Peering,
    Route,
    RouteServer,
    RoutingRuleCollection,
    SecurityAdminRule,
    SecurityAdminRuleCollection,
    SecurityRule,
    Topology,
    VirtualHub,
)
from tests.routing import topology_t as t

DENY_443 = SecurityRule("deny-443", 200, "Inbound", "Deny", "Tcp", ("10.2.0.0/16",), ("*",),
                        ("443",))


def test_a_clean_estate_has_no_gap_and_high_paths() -> None:
    topo = t.attach(t.build_t(), "spoke2/snet-vm", [t.to_fw("0.0.0.0/0")])
    always_snat = replace(topo.firewalls[0], snat_private_ranges=("255.255.255.255/32",))
    topo = replace(topo, firewalls=(always_snat,))  # SNAT: the reply comes back through it
    assert coverage_gaps(topo) == ()
    path = expected_path(topo, "vm-app", "kv1")
    assert (path.confidence, path.unevaluated) == (Confidence.HIGH, ())


def test_nsg_rule_the_model_cannot_decide_lowers_the_path() -> None:
    """A rule on an unevaluated service tag (Storage) makes the NSG's answer low, named."""
    tagged = SecurityRule("deny-storage", 150, "Inbound", "Deny", "Tcp", ("Storage",), ("*",),
                          ("443",))
    topo = t.policies(t.build_t(), "Enabled")
    from_hub = replace(DENY_443, source_prefixes=("10.0.0.0/16",))
    topo = replace(topo, network_security_groups=(
        NetworkSecurityGroup("nsg-pe", subnets=("spoke1/snet-pe",), rules=(tagged, from_hub)),))
    assert coverage_gaps(topo) == ()
    path = expected_path(topo, "10.0.1.4", "kv1")  # deny-443 from the hub decides, but ...
    assert not path.delivered and "nsg-pe rule deny-443" in (path.drop_reason or "")
    assert path.confidence is Confidence.LOW  # ... deny-storage, earlier, could not be decided
    assert path.unevaluated == ("network_security_group_rule nsg-pe",)


def test_hub_connection_peering_lowers_every_route_of_its_vnet() -> None:
    """A vHub-connected VNet lists a peering to a Microsoft-owned ``HV_`` VNet: the
    hub's routes are not in the input."""
    hv = ("/subscriptions/msft/resourceGroups/RG_vhub/providers/Microsoft.Network/"
          "virtualNetworks/HV_vhub-ne_1")
    base = t.build_t()
    vnets = tuple(
        replace(v, peerings=(*v.peerings, Peering("RemoteVnetToHubPeering_1", hv,
                                                  use_remote_gateways=True)))
        if v.name == "spoke3" else v for v in base.vnets)
    topo = replace(base, vnets=vnets)
    gap = coverage_gaps(topo)[0]
    assert (gap.construct, gap.scope) == ("virtual_hub_connection", ("spoke3",))
    routes = effective_routes(topo, "hub/snet-hubvm")
    assert all(r.confidence is Confidence.HIGH for r in routes)  # the hub is unaffected
    assert index_for(topo).unevaluated_in("spoke3") == (
        "virtual_hub_connection spoke3/RemoteVnetToHubPeering_1",)


def test_every_new_construct_is_a_gap_with_its_vnets() -> None:
    topo = replace(
        t.build_t(),
        virtual_hubs=(VirtualHub("vhub-ne", "10.60.0.0/23", ("spoke3",), "10.60.0.132",
                                 ("PrivateTraffic",)),),
        route_servers=(RouteServer("ars", "hub", (BgpRoute("172.30.0.0/16", "10.0.1.4"),)),),
        connectivity_configurations=(ConnectivityConfiguration("cc-mesh", "Mesh",
                                                               ("spoke1", "spoke3")),),
    )
    found = {(g.construct, g.resource): g.scope for g in coverage_gaps(topo)}
    # the hub, the route server's learned routes and the mesh are modelled: no gap for them
    assert found == {}
    branch = replace(topo, route_servers=(replace(topo.route_servers[0],
                                                  allow_branch_to_branch=True),))
    scopes = {g.construct: g.scope for g in coverage_gaps(branch)}
    assert scopes["route_server_branch_to_branch"] == ("hub", "spoke1", "spoke2")
    routes = effective_routes(branch, "spoke2/snet-vm")
    assert {r.confidence for r in routes} == {Confidence.LOW}
    assert "unevaluated: route_server_branch_to_branch ars" in routes[0].reason


def test_ipv6_space_is_a_gap_that_leaves_ipv4_paths_alone() -> None:
    base = t.build_t()
    vnets = tuple(replace(v, address_prefixes=(*v.address_prefixes, "fd00:2::/48"))
                  if v.name == "spoke2" else v for v in base.vnets)
    topo = replace(base, vnets=vnets)
    assert [g.construct for g in coverage_gaps(topo)] == ["ipv6_prefix"]
    assert index_for(topo).unevaluated_in("spoke2") == ("ipv6_prefix spoke2",)
    path = expected_path(topo, "vm-app", "kv1")
    assert path.confidence is Confidence.HIGH  # IPv4 rows never match IPv6 and vice versa


def test_unknown_dns_is_assumed_private_at_low_confidence() -> None:
    topo = replace(t.build_t(), private_dns_zones=())
    assert [g.construct for g in coverage_gaps(topo)] == ["dns_not_described"]
    path = expected_path(topo, "vm-app", "kv1")
    assert path.confidence is Confidence.LOW and path.unevaluated == ("dns_not_described",)
    assert "assumed to resolve to the private endpoint" in path.hops[0].detail
    # an address needs no name resolution
    assert expected_path(topo, "vm-app", "10.1.2.4").confidence is Confidence.HIGH


def test_zone_not_linked_to_the_client_vnet_resolves_publicly() -> None:
    """Azure DNS answers from zones linked to the querying VNet; else the public answer
    (Azure docs: private-link/private-endpoint-dns)."""
    base = t.build_t()
    zone = replace(base.private_dns_zones[0], virtual_network_links=("hub", "spoke1"))
    path = expected_path(replace(base, private_dns_zones=(zone,)), "vm-app", "kv1")
    assert path.hops[-1].hop in (HopKind.VAULT, HopKind.DROP)
    assert "is not linked to spoke2" in path.hops[0].detail
    assert path.bypass is not None and path.bypass.value == "public_endpoint"
    assert path.confidence is Confidence.HIGH


# ------------------------------------------------------------------ property: never high


VNETS = ("hub", "spoke1", "spoke2", "spoke3")
PATH_DOUBTS = ("network_security_group_rule ", "security_admin_rule ",
               "security_admin_rule_private_endpoint ")


@st.composite
def estates(draw: st.DrawFn) -> Topology:
    """Topology T with a random UDR set and random unevaluated constructs placed on VNets."""
    topo = t.build_t()
    if draw(st.booleans()):
        topo = t.attach(topo, "spoke2/snet-vm", [t.to_fw(draw(st.sampled_from(
            ["0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24"])))])
    if draw(st.booleans()):
        topo = t.policies(topo, draw(st.sampled_from(["Enabled", "RouteTableEnabled"])))
    where = st.lists(st.sampled_from(VNETS), min_size=1, max_size=2, unique=True)
    if draw(st.booleans()):
        subnets = tuple(f"{v}/snet-x" for v in draw(where))
        topo = replace(topo, network_security_groups=(NetworkSecurityGroup("nsg", subnets),))
    if draw(st.booleans()):  # a hub, maybe secured with a Private policy, branches, ER
        intent = draw(st.sampled_from([(), ("PrivateTraffic",)]))
        topo = replace(topo, virtual_hubs=(VirtualHub(
            "vh", "10.60.0.0/23", tuple(draw(where)), "10.60.0.132" if intent else None, intent,
            ("172.30.0.0/16",),
            expressroute_gateway=draw(st.sampled_from([None, "er"]))),))
    if draw(st.booleans()):
        topo = replace(topo, connectivity_configurations=(
            ConnectivityConfiguration("cc", "Mesh", tuple(draw(where))),))
    if draw(st.booleans()):
        topo = replace(topo, private_dns_zones=())
    if draw(st.booleans()):  # AVNM admin rules (evaluated) on random member VNets
        rule = SecurityAdminRule("r", 10, draw(st.sampled_from(["Allow", "AlwaysAllow", "Deny"])),
                                 draw(st.sampled_from(["Inbound", "Outbound"])), "Tcp",
                                 destination_prefixes=(draw(st.sampled_from(
                                     ["10.1.0.0/16", "10.2.0.0/16", "*"])),))
        topo = replace(topo, security_admin_rules=(
            SecurityAdminRuleCollection("rc", members=tuple(draw(where)), rules=(rule,)),))
    if draw(st.booleans()):  # AVNM routing rules, sometimes conflicting with a UDR
        prefix = draw(st.sampled_from(["0.0.0.0/0", "10.1.0.0/16"]))
        hop = draw(st.sampled_from(["10.0.0.68", "10.0.1.10"]))
        topo = replace(topo, routing_rules=(RoutingRuleCollection(
            "rr", members=tuple(draw(where)),
            routes=(Route("r", prefix, "VirtualAppliance", hop),)),))
    return topo


@settings(max_examples=60, deadline=None)
@given(estates(), st.sampled_from(["vm-app", "onprem-office", "10.0.1.4", "10.1.1.9"]),
       st.sampled_from(["kv1", "10.1.2.4", "10.2.1.4"]))
def test_no_path_is_high_while_an_unevaluated_construct_could_change_it(
    topo: Topology, source: str, destination: str
) -> None:
    path = expected_path(topo, source, destination)
    index = index_for(topo)
    touched = {h.split("/")[0] for h in _vnets_of(path, index)}
    relevant = [g for g in coverage_gaps(topo)
                if g.construct != "dns_not_described" and (not g.scope or touched & set(g.scope))]
    dns_unknown = destination == "kv1" and not topo.private_dns_zones and source != "onprem-office"
    if relevant or dns_unknown:  # (onprem-office states usesPrivateDns)
        assert path.confidence is Confidence.LOW
        assert path.unevaluated
    for name in path.unevaluated:  # and every name listed is a real gap of the estate, or a
        # doubt met on the way (a rule the model could not decide, an admin rule at a PE)
        assert name.startswith(PATH_DOUBTS) or any(
            name.startswith(g.construct) for g in coverage_gaps(topo))
    if topo.security_admin_rules and "security_admin_rule_private_endpoint" in " ".join(
            path.unevaluated):
        assert path.confidence is Confidence.LOW


def _vnets_of(path: object, index: object) -> set[str]:
    """VNets the path's hops name (subnet references in their details)."""
    from netlogs.model import ExpectedPath

    assert isinstance(path, ExpectedPath)
    text = " ".join(f"{h.name} {h.detail}" for h in path.hops)
    return {v for v in VNETS if f"{v}/" in text or f"{v} " in text}


def test_no_asymmetric_return_on_a_dropped_request() -> None:
    """The return path is only judged for a request that is delivered (issue: asymmetric_return
    was asserted on dropped flows)."""
    topo = t.attach(t.build_t(), "spoke2/snet-vm", [t.to_fw("0.0.0.0/0")])
    hub = t.attach(topo, "hub/AzureFirewallSubnet", [("10.1.2.4/32", "None", None)])
    path = expected_path(hub, "vm-app", "kv1")
    assert not path.delivered and path.firewalls == ("fw-hub",)
    assert path.bypass is None


def test_the_reply_is_walked_from_the_pe_subnet_ignoring_its_udrs() -> None:
    """E02 without SNAT: the reply follows spoke1's peering route to spoke2? No: spoke1 and
    spoke2 are not peered, so the reply has no route and is dropped (asymmetric, medium)."""
    topo = t.attach(t.build_t(), "spoke2/snet-vm", [t.to_fw("0.0.0.0/0")])
    topo = t.attach(topo, "spoke1/snet-pe", [t.to_fw("10.2.0.0/16")])  # ignored by PE replies
    path = expected_path(topo, "vm-app", "kv1")
    assert path.bypass is not None and path.bypass.value == "asymmetric_return"
    fw = next(h for h in path.hops if h.hop is HopKind.FIREWALL)
    assert "has no route back to the client in spoke1/snet-pe (UDRs ignored)" in fw.detail
    assert fw.confidence is Confidence.MEDIUM
