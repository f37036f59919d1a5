"""Routing worked examples E01-E17: route tables compared as sets, lookups asserted."""

from __future__ import annotations

import pytest

from netlogs.routing import RoutingOptions, effective_routes, next_hop
from tests.routing import topology_t as t
from tests.routing.topology_t import HUB_BASE, NONE4, d, gw2, u


def table(topo, ref: str, options: RoutingOptions | None = None) -> set[t.Row]:
    return {
        (r.source, r.state, r.prefix, r.next_hop_type, r.next_hop_ips)
        for r in effective_routes(topo, ref, options)
    }


def hop(topo, ref: str, ip: str) -> tuple[str, tuple[str, ...]]:
    decision = next_hop(effective_routes(topo, ref), ip)
    return decision.next_hop_type, decision.next_hop_ips


SPOKE2_BASE = {d("10.2.0.0/16", "VnetLocal"), d("10.0.0.0/16", "VNetPeering")}


def test_e01_baseline_spoke_has_no_pe_route_and_drops_pe_traffic() -> None:
    topo = t.build_t()
    expected = SPOKE2_BASE | gw2("172.20.0.0/16") | {d("0.0.0.0/0", "Internet")} | NONE4
    assert table(topo, "spoke2/snet-vm") == expected
    assert hop(topo, "spoke2/snet-vm", "10.1.2.4") == ("None", ())
    assert next_hop(effective_routes(topo, "spoke2/snet-vm"), "10.1.2.4").dropped
    decision = next_hop(effective_routes(topo, "spoke2/snet-vm"), "172.20.5.5")
    assert decision.ecmp and decision.next_hop_ips == ("10.0.0.4", "10.0.0.5")
    assert hop(topo, "spoke2/snet-vm", "10.0.0.68") == ("VNetPeering", ())
    assert hop(topo, "spoke2/snet-vm", "198.51.100.10") == ("Internet", ())


def e02(disable_bgp: bool = False):
    return t.attach(t.build_t(), "spoke2/snet-vm", [t.to_fw("0.0.0.0/0")], disable_bgp)


def test_e02_udr_default_route_removes_reserved_none_and_loses_to_specific_routes() -> None:
    topo = e02()
    expected = (
        SPOKE2_BASE | gw2("172.20.0.0/16") | {d("0.0.0.0/0", "Internet", "Invalid"), u("0.0.0.0/0")}
    )
    assert table(topo, "spoke2/snet-vm") == expected
    assert hop(topo, "spoke2/snet-vm", "10.1.2.4") == ("VirtualAppliance", ("10.0.0.68",))
    assert hop(topo, "spoke2/snet-vm", "172.20.5.5")[0] == "VirtualNetworkGateway"
    assert hop(topo, "spoke2/snet-vm", "10.0.1.10") == ("VNetPeering", ())


def test_e02_reserved_none_kept_when_option_off() -> None:
    options = RoutingOptions(drop_reserved_none_when_user_default_route=False)
    assert table(e02(), "spoke2/snet-vm", options) >= NONE4


def test_e03_propagation_disabled_removes_gateway_routes() -> None:
    topo = e02(disable_bgp=True)
    expected = SPOKE2_BASE | {d("0.0.0.0/0", "Internet", "Invalid"), u("0.0.0.0/0")}
    assert table(topo, "spoke2/snet-vm") == expected
    assert hop(topo, "spoke2/snet-vm", "172.20.5.5") == ("VirtualAppliance", ("10.0.0.68",))


def test_e03b_propagation_disabled_without_udrs_drops_onprem_traffic() -> None:
    topo = t.attach(t.build_t(), "spoke2/snet-vm", [], disable_bgp=True)
    assert table(topo, "spoke2/snet-vm") == SPOKE2_BASE | {d("0.0.0.0/0", "Internet")} | NONE4
    decision = next_hop(effective_routes(topo, "spoke2/snet-vm"), "172.20.5.5")
    assert decision.dropped and decision.route is not None
    assert decision.route.prefix == "172.16.0.0/12"


def test_e04_gateway_subnet_without_udr_sends_onprem_traffic_to_the_pe() -> None:
    topo = t.build_t()
    expected = (
        HUB_BASE | {d("10.1.2.4/32", "InterfaceEndpoint"), d("0.0.0.0/0", "Internet")} | NONE4
    )
    assert table(topo, "hub/GatewaySubnet") == expected
    assert hop(topo, "hub/GatewaySubnet", "10.1.2.4") == ("InterfaceEndpoint", ())


def test_e05_exact_32_udr_on_gateway_subnet_wins_with_low_confidence() -> None:
    topo = t.attach(t.build_t(), "hub/GatewaySubnet", [t.to_fw("10.1.2.4/32")])
    expected = (
        HUB_BASE
        | {
            d("10.1.2.4/32", "InterfaceEndpoint", "Invalid"),
            u("10.1.2.4/32"),
            d("0.0.0.0/0", "Internet"),
        }
        | NONE4
    )
    assert table(topo, "hub/GatewaySubnet") == expected
    user = next(r for r in effective_routes(topo, "hub/GatewaySubnet") if r.source == "User")
    assert user.confidence.value == "low" and "gateway_subnet_exact_32" in user.reason
    assert hop(topo, "hub/GatewaySubnet", "10.1.2.4") == ("VirtualAppliance", ("10.0.0.68",))
    # the same UDR on a VM subnet is the final answer: high confidence
    vm = t.attach(t.build_t(), "hub/snet-hubvm", [t.to_fw("10.1.2.4/32")])
    user = next(r for r in effective_routes(vm, "hub/snet-hubvm") if r.source == "User")
    assert user.confidence.value == "high"


@pytest.mark.parametrize("policy", ["Enabled", "RouteTableEnabled"])
def test_e06_slash24_udr_with_policies_invalidates_the_pe_route(policy: str) -> None:
    topo = t.policies(t.attach(t.build_t(), "hub/GatewaySubnet", [t.to_fw("10.1.2.0/24")]), policy)
    expected = (
        HUB_BASE
        | {
            u("10.1.2.0/24"),
            d("10.1.2.4/32", "InterfaceEndpoint", "Invalid"),
            d("0.0.0.0/0", "Internet"),
        }
        | NONE4
    )
    assert table(topo, "hub/GatewaySubnet") == expected
    assert hop(topo, "hub/GatewaySubnet", "10.1.2.4") == ("VirtualAppliance", ("10.0.0.68",))
    pe = next(r for r in effective_routes(topo, "hub/GatewaySubnet") if r.name == "pe-kv1")
    assert "10.1.2.0/24" in pe.reason and policy in pe.reason


@pytest.mark.parametrize("policy", ["Disabled", "NetworkSecurityGroupEnabled"])
def test_e07_slash24_udr_without_policies_keeps_the_pe_route(policy: str) -> None:
    topo = t.policies(t.attach(t.build_t(), "hub/GatewaySubnet", [t.to_fw("10.1.2.0/24")]), policy)
    expected = (
        HUB_BASE
        | {u("10.1.2.0/24"), d("10.1.2.4/32", "InterfaceEndpoint"), d("0.0.0.0/0", "Internet")}
        | NONE4
    )
    assert table(topo, "hub/GatewaySubnet") == expected
    assert hop(topo, "hub/GatewaySubnet", "10.1.2.4") == ("InterfaceEndpoint", ())
    assert hop(topo, "hub/GatewaySubnet", "10.1.2.5") == ("VirtualAppliance", ("10.0.0.68",))


def test_e08_slash8_udr_never_invalidates_the_pe_route() -> None:
    topo = t.policies(
        t.attach(t.build_t(), "hub/GatewaySubnet", [t.to_fw("10.0.0.0/8")]), "Enabled"
    )
    expected = HUB_BASE | {
        d("10.1.2.4/32", "InterfaceEndpoint"),
        u("10.0.0.0/8"),
        d("10.0.0.0/8", "None", "Invalid"),
        d("0.0.0.0/0", "Internet"),
        d("172.16.0.0/12", "None"),
        d("192.168.0.0/16", "None"),
        d("100.64.0.0/10", "None"),
    }
    assert table(topo, "hub/GatewaySubnet") == expected
    assert hop(topo, "hub/GatewaySubnet", "10.1.2.4") == ("InterfaceEndpoint", ())
    assert hop(topo, "hub/GatewaySubnet", "10.1.9.9") == ("VNetPeering", ())
    assert hop(topo, "hub/GatewaySubnet", "10.9.9.9") == ("VirtualAppliance", ("10.0.0.68",))


def test_e09_udr_equal_to_the_pe_vnet_range() -> None:
    base = t.attach(t.build_t(), "hub/GatewaySubnet", [t.to_fw("10.1.0.0/16")])
    rows = table(t.policies(base, "Enabled"), "hub/GatewaySubnet")
    assert {
        d("10.1.0.0/16", "VNetPeering", "Invalid"),
        u("10.1.0.0/16"),
        d("10.1.2.4/32", "InterfaceEndpoint", "Invalid"),
    } <= rows
    assert (
        hop(t.policies(base, "Enabled"), "hub/GatewaySubnet", "10.1.2.4")[0] == "VirtualAppliance"
    )
    assert d("10.1.2.4/32", "InterfaceEndpoint") in table(base, "hub/GatewaySubnet")
    assert hop(base, "hub/GatewaySubnet", "10.1.2.4")[0] == "InterfaceEndpoint"


def test_e10_hub_vm_with_only_a_default_route_bypasses() -> None:
    topo = t.policies(t.attach(t.build_t(), "hub/snet-hubvm", [t.to_fw("0.0.0.0/0")]), "Enabled")
    expected = (
        HUB_BASE
        | gw2("172.20.0.0/16")
        | {
            d("10.1.2.4/32", "InterfaceEndpoint"),
            d("0.0.0.0/0", "Internet", "Invalid"),
            u("0.0.0.0/0"),
        }
    )
    assert table(topo, "hub/snet-hubvm") == expected
    assert hop(topo, "hub/snet-hubvm", "10.1.2.4") == ("InterfaceEndpoint", ())


@pytest.mark.parametrize(
    ("policy", "pe_state", "first_hop"),
    [
        ("RouteTableEnabled", "Invalid", "VirtualAppliance"),
        ("NetworkSecurityGroupEnabled", "Active", "InterfaceEndpoint"),
    ],
)
def test_e11_same_vnet_client_with_summary_udr(policy: str, pe_state: str, first_hop: str) -> None:
    topo = t.policies(t.attach(t.build_t(), "spoke1/snet-app1", [t.to_fw("10.1.2.0/24")]), policy)
    expected = (
        {
            d("10.1.0.0/16", "VnetLocal"),
            u("10.1.2.0/24"),
            d("10.1.2.4/32", "InterfaceEndpoint", pe_state),
            d("10.0.0.0/16", "VNetPeering"),
            d("0.0.0.0/0", "Internet"),
        }
        | gw2("172.20.0.0/16")
        | NONE4
    )
    assert table(topo, "spoke1/snet-app1") == expected
    assert hop(topo, "spoke1/snet-app1", "10.1.2.4")[0] == first_hop


def e12(extra: list[tuple[str, str, str | None]] | None = None):
    topo = t.set_subnet(t.build_t(), "spoke2/snet-vm", service_endpoints=("Microsoft.KeyVault",))
    return t.attach(topo, "spoke2/snet-vm", [t.to_fw("0.0.0.0/0"), *(extra or [])])


def test_e12_service_endpoint_beats_the_default_udr() -> None:
    expected = (
        SPOKE2_BASE
        | gw2("172.20.0.0/16")
        | {
            d("198.51.100.0/24", "VirtualNetworkServiceEndpoint"),
            d("0.0.0.0/0", "Internet", "Invalid"),
            u("0.0.0.0/0"),
        }
    )
    assert table(e12(), "spoke2/snet-vm") == expected
    assert hop(e12(), "spoke2/snet-vm", "198.51.100.10")[0] == "VirtualNetworkServiceEndpoint"
    # subnet-scoped: the other subnet of spoke2 has no service endpoint route
    assert not any(
        r.next_hop_type == "VirtualNetworkServiceEndpoint"
        for r in effective_routes(e12(), "spoke2/snet-asp")
    )


def test_e13_equal_prefix_udr_beats_service_endpoint_by_default_with_low_confidence() -> None:
    topo = e12([t.to_fw("198.51.100.0/24")])
    rows = table(topo, "spoke2/snet-vm")
    assert {
        d("198.51.100.0/24", "VirtualNetworkServiceEndpoint", "Invalid"),
        u("198.51.100.0/24"),
    } <= rows
    assert hop(topo, "spoke2/snet-vm", "198.51.100.10")[0] == "VirtualAppliance"
    contested = [
        r for r in effective_routes(topo, "spoke2/snet-vm") if r.prefix == "198.51.100.0/24"
    ]
    assert {r.confidence.value for r in contested} == {"low"}
    options = RoutingOptions(service_endpoint_beats_equal_udr=True)
    rows = table(topo, "spoke2/snet-vm", options)
    assert d("198.51.100.0/24", "VirtualNetworkServiceEndpoint") in rows
    assert ("User", "Invalid", "198.51.100.0/24", "VirtualAppliance", ("10.0.0.68",)) in rows


def e14(disable_bgp: bool = False):
    topo = t.set_subnet(t.build_t(), "spoke2/snet-vm", service_endpoints=("Microsoft.KeyVault",))
    gateway = topo.gateways[0]
    from dataclasses import replace

    topo = replace(
        topo, gateways=(replace(gateway, learned_prefixes=("172.20.0.0/16", "0.0.0.0/0")),)
    )
    return t.attach(topo, "spoke2/snet-vm", [], disable_bgp) if disable_bgp else topo


def test_e14_forced_tunnelling_by_bgp_and_service_endpoint() -> None:
    expected = (
        SPOKE2_BASE
        | gw2("172.20.0.0/16")
        | gw2("0.0.0.0/0")
        | {
            d("0.0.0.0/0", "Internet", "Invalid"),
            d("198.51.100.0/24", "VirtualNetworkServiceEndpoint"),
        }
    )
    assert table(e14(), "spoke2/snet-vm") == expected | NONE4  # default: None routes kept
    options = RoutingOptions(drop_reserved_none_when_bgp_default_route=True)
    assert table(e14(), "spoke2/snet-vm", options) == expected
    kept = [r for r in effective_routes(e14(), "spoke2/snet-vm") if r.next_hop_type == "None"]
    assert {r.confidence.value for r in kept} == {"medium"}
    assert hop(e14(), "spoke2/snet-vm", "198.51.100.10")[0] == "VirtualNetworkServiceEndpoint"
    assert hop(e14(), "spoke2/snet-vm", "8.8.8.8")[0] == "VirtualNetworkGateway"
    no_bgp = table(e14(disable_bgp=True), "spoke2/snet-vm")
    assert d("0.0.0.0/0", "Internet") in no_bgp
    assert not any(r[0] == "VirtualNetworkGateway" for r in no_bgp)


def test_e15_udr_overrides_a_peering_route() -> None:
    topo = t.attach(t.build_t(), "hub/snet-hubvm", [t.to_fw("10.2.0.0/16")])
    expected = (
        (HUB_BASE - {d("10.2.0.0/16", "VNetPeering")})
        | gw2("172.20.0.0/16")
        | {
            d("10.2.0.0/16", "VNetPeering", "Invalid"),
            u("10.2.0.0/16"),
            d("10.1.2.4/32", "InterfaceEndpoint"),
            d("0.0.0.0/0", "Internet"),
        }
        | NONE4
    )
    assert table(topo, "hub/snet-hubvm") == expected
    assert hop(topo, "hub/snet-hubvm", "10.2.1.4") == ("VirtualAppliance", ("10.0.0.68",))


def _lab(*ranges: str):
    from dataclasses import replace

    from netlogs.topology.model import Subnet, VirtualNetwork

    lab = VirtualNetwork(
        "lab",
        ranges,
        "westeurope",
        (
            Subnet(
                "snet",
                "lab",
                (ranges[0].replace("/16", "/24").replace("/12", "/24").replace("/9", "/24"),),
            ),
        ),
    )
    return replace(t.build_t(), vnets=(*t.build_t().vnets, lab))


def test_e16_reserved_none_replacement() -> None:
    rows = table(_lab("192.168.0.0/16", "10.50.0.0/16"), "lab/snet")
    assert rows == {
        d("192.168.0.0/16", "VnetLocal"),
        d("10.50.0.0/16", "VnetLocal"),
        d("0.0.0.0/0", "Internet"),
        d("10.0.0.0/8", "None"),
        d("172.16.0.0/12", "None"),
        d("100.64.0.0/10", "None"),
    }
    rows = table(_lab("172.16.0.0/12"), "lab/snet")
    assert d("172.16.0.0/12", "VnetLocal") in rows and d("172.16.0.0/12", "None") not in rows
    rows = table(_lab("100.0.0.0/9"), "lab/snet")
    assert d("100.0.0.0/9", "VnetLocal") in rows
    assert not any(r[2] == "100.64.0.0/10" for r in rows)


def test_e17_global_peering_ecmp_and_active_standby() -> None:
    from dataclasses import replace

    topo = t.build_t()
    assert d("10.3.0.0/16", "VNetGlobalPeering") in table(topo, "hub/snet-hubvm")
    assert gw2("172.20.0.0/16") <= table(topo, "hub/snet-hubvm")
    decision = next_hop(effective_routes(topo, "hub/snet-hubvm"), "172.20.1.1")
    assert decision.ecmp and len(decision.routes) == 2
    standby = replace(topo, gateways=(replace(topo.gateways[0], active_active=False),))
    rows = [
        r
        for r in effective_routes(standby, "hub/snet-hubvm")
        if r.source == "VirtualNetworkGateway"
    ]
    assert [(r.prefix, r.next_hop_ips) for r in rows] == [("172.20.0.0/16", ("203.0.113.7",))]
    assert rows[0].confidence.value == "medium"
    assert not next_hop(rows, "172.20.1.1").ecmp
