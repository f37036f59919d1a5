"""Routing rules beyond the worked examples: multi-range VNets, peering state, BGP exception..."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from netlogs.errors import ConfigError
from netlogs.routing import EffectiveRoute, RoutingOptions, effective_routes, next_hop
from netlogs.topology.model import (
    Peering,
    PrivateEndpoint,
    Route,
    RouteTable,
    Subnet,
    VirtualNetwork,
)
from tests.routing import topology_t as t
from tests.routing.topology_t import d, u

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "topology" / "hub_spoke.yaml"


def rows(topo, ref: str, options: RoutingOptions | None = None) -> set[t.Row]:
    return {
        (r.source, r.state, r.prefix, r.next_hop_type, r.next_hop_ips)
        for r in effective_routes(topo, ref, options)
    }


def multi_range_spoke1():
    """spoke1 gets a second range 10.11.0.0/16 with a second PE there; policies Enabled."""
    topo = t.build_t()
    extra = Subnet(
        "snet-pe2", "spoke1", ("10.11.2.0/24",), private_endpoint_network_policies="Enabled"
    )
    vnets = [
        replace(
            vnet,
            address_prefixes=("10.1.0.0/16", "10.11.0.0/16"),
            subnets=(*vnet.subnets, extra),
        )
        if vnet.name == "spoke1"
        else vnet
        for vnet in topo.vnets
    ]
    topo = replace(
        topo,
        vnets=tuple(vnets),
        private_endpoints=(
            *topo.private_endpoints,
            PrivateEndpoint("pe-kv2", "spoke1/snet-pe2", "10.11.2.4", "kv1"),
        ),
    )
    return t.policies(topo, "Enabled")


def test_multi_range_udr_for_one_range_leaves_the_other_ranges_pe_active() -> None:
    topo = t.attach(multi_range_spoke1(), "hub/snet-hubvm", [t.to_fw("10.1.0.0/16")])
    table = rows(topo, "hub/snet-hubvm")
    assert d("10.1.2.4/32", "InterfaceEndpoint", "Invalid") in table
    assert d("10.11.2.4/32", "InterfaceEndpoint") in table
    assert d("10.11.0.0/16", "VNetPeering") in table  # one peering route per remote range
    invalid = next(r for r in effective_routes(topo, "hub/snet-hubvm") if r.name == "pe-kv1")
    assert invalid.confidence.value == "medium"  # multi-range VNets are [M]
    assert next_hop(effective_routes(topo, "hub/snet-hubvm"), "10.11.2.4").next_hop_type == (
        "InterfaceEndpoint"
    )


def test_multi_range_vnet_local_per_range() -> None:
    table = rows(multi_range_spoke1(), "spoke1/snet-app1")
    assert {d("10.1.0.0/16", "VnetLocal"), d("10.11.0.0/16", "VnetLocal")} <= table


def test_udr_not_containing_the_pe_ip_never_invalidates_it() -> None:
    topo = t.policies(t.attach(t.build_t(), "hub/snet-hubvm", [t.to_fw("10.1.3.0/24")]), "Enabled")
    assert d("10.1.2.4/32", "InterfaceEndpoint") in rows(topo, "hub/snet-hubvm")


def test_exact_32_udr_invalidates_the_pe_route_even_with_policies_disabled() -> None:
    topo = t.attach(t.build_t(), "hub/snet-hubvm", [t.to_fw("10.1.2.4/32")])
    route = next(r for r in effective_routes(topo, "hub/snet-hubvm") if r.name == "pe-kv1")
    assert route.state == "Invalid" and "User route r0" in route.reason


def test_udr_next_hop_none_with_policies_is_medium_confidence() -> None:
    topo = t.policies(
        t.attach(t.build_t(), "hub/snet-hubvm", [("10.1.2.0/24", "None", None)]), "Enabled"
    )
    route = next(r for r in effective_routes(topo, "hub/snet-hubvm") if r.name == "pe-kv1")
    assert route.state == "Invalid" and route.confidence.value == "medium"
    assert next_hop(effective_routes(topo, "hub/snet-hubvm"), "10.1.2.4").dropped


def test_pe_routes_are_not_transitive_and_reach_every_hub_subnet() -> None:
    topo = t.build_t()
    for ref in (
        "hub/GatewaySubnet",
        "hub/AzureFirewallSubnet",
        "hub/snet-hubvm",
        "spoke1/snet-app1",
        "spoke1/snet-pe",
    ):
        assert d("10.1.2.4/32", "InterfaceEndpoint") in rows(topo, ref), ref
    for ref in ("spoke2/snet-vm", "spoke2/snet-asp"):
        assert not any(r[3] == "InterfaceEndpoint" for r in rows(topo, ref))


def _with_peering_state(state: str):
    topo = t.build_t()
    vnets = tuple(
        replace(
            v,
            peerings=tuple(
                replace(p, state=state) if p.remote_vnet == "spoke3" else p for p in v.peerings
            ),
        )
        for v in topo.vnets
    )
    return replace(topo, vnets=vnets)


def test_disconnected_peering_gives_no_routes() -> None:
    table = rows(_with_peering_state("Disconnected"), "hub/snet-hubvm")
    assert not any(r[2] == "10.3.0.0/16" for r in table)
    assert d("10.3.0.0/16", "VNetGlobalPeering") in rows(
        _with_peering_state("Connected"), "hub/snet-hubvm"
    )


def test_global_peering_only_when_regions_differ() -> None:
    assert d("10.3.0.0/16", "VNetGlobalPeering") in rows(t.build_t(), "hub/snet-hubvm")
    assert d("10.1.0.0/16", "VNetPeering") in rows(t.build_t(), "hub/snet-hubvm")
    # spoke3 sees the hub as a global peer too
    topo = t.build_t()
    spoke3 = next(v for v in topo.vnets if v.name == "spoke3")
    spoke3 = replace(spoke3, subnets=(Subnet("snet", "spoke3", ("10.3.1.0/24",)),))
    topo = replace(topo, vnets=tuple(spoke3 if v.name == "spoke3" else v for v in topo.vnets))
    assert d("10.0.0.0/16", "VNetGlobalPeering") in rows(topo, "spoke3/snet")
    # no gateway transit for spoke3 (useRemoteGateways is off)
    assert not any(r[0] == "VirtualNetworkGateway" for r in rows(topo, "spoke3/snet"))


def test_gateway_transit_needs_allow_gateway_transit_on_the_hub_side() -> None:
    topo = t.build_t()
    vnets = tuple(
        replace(v, peerings=tuple(replace(p, allow_gateway_transit=False) for p in v.peerings))
        if v.name == "hub"
        else v
        for v in topo.vnets
    )
    assert not any(
        r[0] == "VirtualNetworkGateway" for r in rows(replace(topo, vnets=vnets), "spoke2/snet-vm")
    )


def test_gateway_subnet_does_not_list_its_gateways_routes_but_firewall_subnet_does() -> None:
    topo = t.build_t()
    assert not any(r[0] == "VirtualNetworkGateway" for r in rows(topo, "hub/GatewaySubnet"))
    assert t.gw2("172.20.0.0/16") <= rows(topo, "hub/AzureFirewallSubnet")


def test_gateway_without_next_hop_ips_and_expressroute() -> None:
    topo = t.build_t()
    broken = replace(topo, gateways=(replace(topo.gateways[0], instance_ips=()),))
    gw = [
        r for r in effective_routes(broken, "hub/snet-hubvm") if r.source == "VirtualNetworkGateway"
    ]
    assert [(r.next_hop_ips, r.confidence.value) for r in gw] == [((), "medium")]
    er = replace(
        topo,
        gateways=(
            replace(
                topo.gateways[0],
                gateway_type="ExpressRoute",
                active_active=False,
                local_network_prefixes=("172.21.0.0/16", "172.20.0.0/16"),
            ),
        ),
    )
    table = rows(er, "hub/snet-hubvm")
    assert t.gw2("172.20.0.0/16") | t.gw2("172.21.0.0/16") <= table
    assert len([r for r in table if r[0] == "VirtualNetworkGateway"]) == 4  # deduplicated


def test_system_routes_beat_more_specific_bgp_routes() -> None:
    topo = t.build_t()
    bgp = replace(
        topo,
        gateways=(replace(topo.gateways[0], learned_prefixes=("172.20.0.0/16", "10.2.1.0/24")),),
    )
    routes = effective_routes(bgp, "hub/snet-hubvm")
    decision = next_hop(routes, "10.2.1.4")
    assert decision.next_hop_type == "VNetPeering" and "beats" in decision.note
    off = RoutingOptions(system_routes_beat_more_specific_bgp=False)
    assert next_hop(
        effective_routes(bgp, "hub/snet-hubvm", off), "10.2.1.4", off
    ).next_hop_type == ("VirtualNetworkGateway")


def test_udr_gets_no_protection_from_more_specific_system_routes() -> None:
    topo = t.attach(t.build_t(), "hub/snet-hubvm", [t.to_fw("10.0.0.0/8")])
    assert next_hop(effective_routes(topo, "hub/snet-hubvm"), "10.2.1.4").next_hop_type == (
        "VNetPeering"
    )


def test_service_tag_udr_expands_and_loses_ties_to_explicit_prefixes() -> None:
    topo = t.attach(
        t.build_t(),
        "hub/snet-hubvm",
        [("Microsoft.KeyVault", "Internet", None), t.to_fw("198.51.100.0/24")],
    )
    table = rows(topo, "hub/snet-hubvm")
    assert u("198.51.100.0/24") in table
    assert ("User", "Invalid", "198.51.100.0/24", "Internet", ()) in table


def test_routes_are_sorted_deterministically_like_az() -> None:
    topo = t.attach(t.build_t(), "hub/snet-hubvm", [t.to_fw("0.0.0.0/0")])
    first = effective_routes(topo, "hub/snet-hubvm")
    again = effective_routes(replace(topo), "hub/snet-hubvm")  # a fresh index
    assert first == again
    assert first[0] == EffectiveRoute("Default", "Active", "10.0.0.0/16", "VnetLocal")
    assert first[-1].source == "User"
    assert all(isinstance(r, EffectiveRoute) for r in first)


def test_unknown_subnet_is_a_config_error_naming_it() -> None:
    with pytest.raises(ConfigError, match="spoke9/snet"):
        effective_routes(t.build_t(), "spoke9/snet")


def test_gateway_subnet_is_synthesised_when_the_topology_omits_it() -> None:
    topo = t.build_t()
    hub = replace(topo.vnets[0], subnets=topo.vnets[0].subnets[1:])
    topo = replace(topo, vnets=(hub, *topo.vnets[1:]))
    assert d("10.1.2.4/32", "InterfaceEndpoint") in rows(topo, "hub/GatewaySubnet")


def test_next_hop_without_any_route_is_a_drop() -> None:
    decision = next_hop([EffectiveRoute("Default", "Invalid", "0.0.0.0/0", "Internet")], "8.8.8.8")
    assert decision.dropped and decision.route is None and decision.note == "no route matches"
    with pytest.raises(ConfigError):
        next_hop([], "not-an-ip")


def test_ipv6_ranges_are_ignored() -> None:
    topo = t.build_t()
    hub = replace(topo.vnets[0], address_prefixes=("10.0.0.0/16", "fd00::/48"))
    table = rows(replace(topo, vnets=(hub, *topo.vnets[1:])), "hub/snet-hubvm")
    assert not any(":" in r[2] for r in table)


def test_route_table_with_vnet_local_udr() -> None:
    topo = replace(
        t.build_t(), route_tables=(RouteTable("rt", (Route("local", "10.1.0.0/16", "VnetLocal"),)),)
    )
    topo = t.set_subnet(topo, "hub/snet-hubvm", route_table="rt")
    assert u("10.1.0.0/16", "VnetLocal", None) in rows(topo, "hub/snet-hubvm")
    assert isinstance(Peering("p", "hub"), Peering) and VirtualNetwork("v", ()).name == "v"


def test_loaded_fixture_matches_the_python_builder() -> None:
    from netlogs.topology.loader import load_topology

    loaded = load_topology(FIXTURE)
    built = t.build_t()
    for ref in (
        "hub/GatewaySubnet",
        "hub/AzureFirewallSubnet",
        "hub/snet-hubvm",
        "spoke1/snet-pe",
        "spoke2/snet-vm",
        "spoke2/snet-asp",
    ):
        assert rows(loaded, ref) == rows(built, ref), ref
