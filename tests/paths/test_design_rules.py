"""``path`` checks the design's firewall by name; Azure-rejected configurations are refused;
service endpoints without prefixes and IPv6 are answered honestly."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
import pytest

from netlogs.cli.network_cmd import split_port
from netlogs.errors import NoPathError, TopologyError
from netlogs.model import BypassKind, Confidence, HopKind
from netlogs.paths import expected_path
from netlogs.topology.loader import topology_from_mapping
from netlogs.topology.model import DesignRule, Firewall, Subnet, Topology
from netlogs.topology.service_tags import load_service_tags, with_service_tags
from netlogs.topology.yaml_text import parse_text
from tests.routing import topology_t as t

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "topology" / "hub_spoke.yaml"


def with_rule(topo: Topology, firewall: str) -> Topology:
    second = Firewall("fw-two", "hub", "10.0.1.100", subnet="snet-hubvm")
    return replace(topo, firewalls=(*topo.firewalls, second),
                   design_rules=(DesignRule("kv1", firewall),))


def test_passing_another_firewall_than_the_required_one_is_a_bypass() -> None:
    """Design requires fw-two; the spoke's UDR sends everything to fw-hub."""
    topo = with_rule(t.attach(t.build_t(), "spoke2/snet-vm", [t.to_fw("0.0.0.0/0")]), "fw-two")
    path = expected_path(topo, "vm-app", "kv1")
    assert path.delivered and path.firewalls == ("fw-hub",)
    assert path.bypass is BypassKind.OTHER_FIREWALL
    fw_hop = next(h for h in path.hops if h.hop is HopKind.FIREWALL)
    assert "passes fw-hub, not fw-two which the design requires" in fw_hop.detail


def test_passing_the_required_firewall_by_name_is_no_bypass() -> None:
    topo = with_rule(t.attach(t.build_t(), "spoke2/snet-vm", [t.to_fw("0.0.0.0/0")]), "fw-hub")
    path = expected_path(topo, "vm-app", "kv1")
    assert path.firewalls == ("fw-hub",) and path.forward_bypass is None


def test_a_third_party_appliance_instead_of_the_firewall_is_a_bypass() -> None:
    """UDR to an internal load balancer frontend (10.0.1.50) of an NVA in the hub: not the
    Azure Firewall the design names (Azure docs: virtual-network/virtual-networks-udr-overview)."""
    udr = ("10.1.2.0/24", "VirtualAppliance", "10.0.1.50")
    topo = t.attach(t.build_t(), "spoke2/snet-vm", [udr])
    path = expected_path(topo, "vm-app", "kv1")
    assert path.delivered and path.firewalls == ()
    assert path.bypass is BypassKind.THIRD_PARTY_APPLIANCE
    assert any("network virtual appliance 10.0.1.50" in h.detail for h in path.hops)


def test_udr_vnet_range_to_vnetlocal_sends_it_straight_to_the_pe() -> None:
    """Client in the PE's VNet, PE subnet RouteTableEnabled: the UDR 10.1.0.0/16 -> VnetLocal
    invalidates the /32 and delivers directly (Azure docs:
    private-link/disable-private-endpoint-network-policy)."""
    topo = t.policies(t.build_t(), "RouteTableEnabled")
    topo = t.attach(topo, "spoke1/snet-app1", [t.to_fw("0.0.0.0/0"),
                                               ("10.1.0.0/16", "VnetLocal", None)])
    path = expected_path(topo, "10.1.1.4", "kv1")
    assert path.delivered and path.firewalls == ()
    assert path.bypass is BypassKind.UDR_VNET_LOCAL
    assert "udr 10.1.0.0/16 -> VnetLocal" in " ".join(h.detail for h in path.hops)


# ------------------------------------------------------------------ configurations Azure refuses


def fixture_mapping() -> dict[str, Any]:
    data = parse_text(FIXTURE.read_text(encoding="utf-8"), str(FIXTURE))
    assert isinstance(data, dict)
    return data


def vnet(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(v for v in data["virtualNetworks"] if v["name"] == name)


def test_own_gateway_plus_use_remote_gateways_is_refused() -> None:
    """E39: a VNet with its own gateway cannot use a remote one."""
    data = fixture_mapping()
    data["virtualNetworkGateways"].append({"name": "vgw-s1", "virtualNetwork": "spoke1"})
    with pytest.raises(TopologyError, match="spoke1 has its own gateway or Route Server"):
        topology_from_mapping(data, "t.yaml")


def test_use_remote_gateways_without_transit_or_gateway_is_refused() -> None:
    data = fixture_mapping()
    hub = vnet(data, "hub")
    hub["virtualNetworkPeerings"][0]["allowGatewayTransit"] = False
    with pytest.raises(TopologyError, match="allowGatewayTransit false"):
        topology_from_mapping(data, "t.yaml")
    data = fixture_mapping()
    data["virtualNetworkGateways"] = []
    data["clients"] = [c for c in data["clients"] if c.get("kind") != "onprem"]
    with pytest.raises(TopologyError, match="RemoteVnetHasNoGateways"):
        topology_from_mapping(data, "t.yaml")


def test_udr_to_virtual_network_gateway_with_only_expressroute_is_refused() -> None:
    data = fixture_mapping()
    data["virtualNetworkGateways"][0]["gatewayType"] = "ExpressRoute"
    data["routeTables"].append({"name": "rt-gw", "routes": [
        {"name": "to-gw", "addressPrefix": "172.20.0.0/16",
         "nextHopType": "VirtualNetworkGateway"}]})
    vnet(data, "spoke2")["subnets"][0]["routeTable"] = "rt-gw"
    with pytest.raises(TopologyError, match="only gateway is ExpressRoute"):
        topology_from_mapping(data, "t.yaml")


# ------------------------------------------------------------------ service endpoints


def se_topology() -> Topology:
    topo = t.set_subnet(t.build_t(), "spoke2/snet-vm", service_endpoints=("Microsoft.KeyVault",))
    clients = tuple(replace(c, uses_private_dns=False) if c.name == "vm-app" else c
                    for c in topo.clients)
    return replace(topo, service_prefixes=(), clients=clients)


def test_key_vault_service_endpoint_without_prefixes_is_assumed_at_medium() -> None:
    path = expected_path(se_topology(), "vm-app", "kv1")
    se = next(h for h in path.hops if h.hop is HopKind.SERVICE_ENDPOINT)
    assert se.confidence is Confidence.MEDIUM and path.confidence is Confidence.MEDIUM
    assert "198.51.100.10/32" in se.detail


def test_service_tags_file_fills_the_prefixes(tmp_path: Path) -> None:
    tags = {"values": [
        {"name": "AzureKeyVault", "id": "AzureKeyVault",
         "properties": {"addressPrefixes": ["198.51.100.0/24", "2603:1000::/40"]}},
        {"name": "Storage", "properties": {"addressPrefixes": ["192.0.2.0/24"]}}]}
    file = tmp_path / "tags.json"
    file.write_text(json.dumps(tags), encoding="utf-8")
    topo = with_service_tags(se_topology(), load_service_tags(file))
    assert topo.service_prefixes == (("Microsoft.KeyVault", ("198.51.100.0/24",)),)
    path = expected_path(topo, "vm-app", "kv1")
    se = next(h for h in path.hops if h.hop is HopKind.SERVICE_ENDPOINT)
    assert se.confidence is Confidence.HIGH and "198.51.100.0/24" in se.detail


def test_a_bad_service_tags_file_is_an_error_naming_it(tmp_path: Path) -> None:
    file = tmp_path / "tags.json"
    file.write_text('{"value": []}', encoding="utf-8")
    with pytest.raises(TopologyError, match="values"):
        load_service_tags(file)


# ------------------------------------------------------------------ IPv6


@pytest.mark.parametrize(("text", "expected"), [
    ("[fd00::10]:443", ("fd00::10", 443)),
    ("[fd00::10]", ("fd00::10", None)),
    ("kv1:443", ("kv1", 443)),
    ("10.1.2.4", ("10.1.2.4", None)),
    ("fd00::ab", ("fd00::ab", None)),
])
def test_split_port_accepts_bracketed_ipv6(text: str, expected: tuple[str, int | None]) -> None:
    assert split_port(text) == expected


def test_split_port_refuses_an_ambiguous_ipv6_form() -> None:
    with pytest.raises(click.BadParameter, match=r"ambiguous.*\[fd00:0:0:1::10\]"):
        split_port("fd00:0:0:1::10")


def test_an_ipv6_destination_is_refused_plainly() -> None:
    with pytest.raises(NoPathError, match="IPv6 paths are not modelled"):
        expected_path(t.build_t(), "vm-app", "fd00::10")


def test_onprem_to_a_spoke_without_use_remote_gateways_has_no_way_back() -> None:
    """A spoke peered to the hub without useRemoteGateways learns no on-premises routes and its
    range is not advertised: on-premises -> spoke3 is not a high DELIVERED (issue #12).
    (Azure docs: virtual-network/virtual-network-peering-overview, gateway transit.)"""
    base = t.build_t()
    vnets = tuple(replace(v, subnets=(Subnet("snet-a", "spoke3", ("10.3.1.0/24",)),))
                  if v.name == "spoke3" else v for v in base.vnets)
    topo = replace(base, vnets=vnets)
    path = expected_path(topo, "onprem-office", "10.3.1.4")
    assert not path.delivered
    assert "spoke3/snet-a has no route back to on-premises" in (path.drop_reason or "")
    assert [h.hop.value for h in path.hops][-1] == "drop"
    assert expected_path(topo, "onprem-office", "10.1.1.4").delivered  # spoke1 uses the gateway
