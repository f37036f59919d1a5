"""Path verdicts of the routing worked examples E01-E20 on topology T."""

from __future__ import annotations

from dataclasses import replace

import pytest

from netlogs.model import BypassKind, ExpectedPath, HopKind
from netlogs.paths import expected_path, firewall_snat
from netlogs.routing import RoutingOptions
from netlogs.topology.model import Firewall, KeyVault, NetworkAcls, Topology
from tests.routing import topology_t as t


def kinds(path: ExpectedPath) -> list[str]:
    return [h.hop.value for h in path.hops]


def e02(topo: Topology | None = None, ref: str = "spoke2/snet-vm", **kw: bool) -> Topology:
    return t.attach(topo or t.build_t(), ref, [t.to_fw("0.0.0.0/0")], name="rt-spoke2", **kw)


def no_private_dns(topo: Topology, client: str = "vm-app", **changes: object) -> Topology:
    clients = tuple(
        replace(c, uses_private_dns=False, **changes) if c.name == client else c  # type: ignore[arg-type]
        for c in topo.clients
    )
    return replace(topo, clients=clients)


def vault(topo: Topology, **changes: object) -> Topology:
    return replace(topo, key_vaults=(replace(topo.key_vaults[0], **changes),))  # type: ignore[arg-type]


def test_e01_unpeered_spoke_drops_at_the_reserved_none_route() -> None:
    path = expected_path(t.build_t(), "vm-app", "kv1")
    assert not path.delivered and kinds(path) == ["client", "drop"]
    assert "10.0.0.0/8 None" in (path.drop_reason or "")
    assert path.firewalls == () and path.bypass is None


def test_e02_default_udr_sends_pe_traffic_through_the_firewall() -> None:
    path = expected_path(e02(), "vm-app", "kv1", port=443)
    assert path.delivered and path.firewalls == ("fw-hub",) and path.port == 443
    assert kinds(path) == ["client", "udr", "firewall", "private_endpoint", "vault"]
    assert path.hops[1].detail == "udr 0.0.0.0/0 -> 10.0.0.68 (rt-spoke2)"
    assert "InterfaceEndpoint 10.1.2.4/32 active in hub/AzureFirewallSubnet" in path.hops[3].detail
    # default private ranges: network rules do not SNAT -> the reply is asymmetric
    assert path.bypass is BypassKind.ASYMMETRIC_RETURN
    assert "asymmetric" in path.hops[2].detail


def test_e02_gateway_and_peering_routes_beat_the_default_udr() -> None:
    onprem = expected_path(e02(), "10.2.1.4", "172.20.5.5")
    assert onprem.delivered and onprem.firewalls == ()
    assert onprem.bypass is BypassKind.GATEWAY_ROUTE
    assert kinds(onprem) == ["client", "gateway", "destination"]
    assert "beats udr 0.0.0.0/0 -> 10.0.0.68" in onprem.hops[1].detail
    hub_vm = expected_path(e02(), "10.2.1.4", "10.0.1.10")
    assert hub_vm.bypass is BypassKind.PEERING_ROUTE and hub_vm.firewalls == ()
    assert kinds(hub_vm) == ["client", "peering", "destination"]
    assert "directly peered VNet route 10.0.0.0/16" in hub_vm.hops[1].detail


def test_e03_propagation_disabled_sends_onprem_traffic_to_the_firewall() -> None:
    path = expected_path(e02(disable_bgp=True), "10.2.1.4", "172.20.5.5")
    assert path.firewalls == ("fw-hub",) and path.delivered and path.bypass is None
    assert kinds(path) == ["client", "udr", "firewall", "gateway", "destination"]


def test_e03b_no_udr_and_no_propagation_drops_onprem_traffic() -> None:
    topo = t.attach(t.build_t(), "spoke2/snet-vm", [], disable_bgp=True)
    path = expected_path(topo, "10.2.1.4", "172.20.5.5")
    assert not path.delivered and "172.16.0.0/12 None" in (path.drop_reason or "")


def test_e04_onprem_reaches_the_pe_directly() -> None:
    path = expected_path(t.build_t(), "onprem-office", "kv1.vault.azure.net")
    assert path.delivered and path.firewalls == ()
    assert kinds(path) == ["client", "gateway", "private_endpoint", "vault"]
    assert path.bypass is BypassKind.PRIVATE_ENDPOINT_ROUTE
    assert "active in hub/GatewaySubnet" in path.hops[2].detail
    assert "bypass" in path.hops[2].detail


def test_e05_exact_32_on_gateway_subnet_is_firewall_with_low_confidence() -> None:
    topo = t.attach(t.build_t(), "hub/GatewaySubnet", [t.to_fw("10.1.2.4/32")])
    path = expected_path(topo, "172.20.1.1", "kv1")
    assert path.firewalls == ("fw-hub",) and path.delivered
    assert path.bypass is BypassKind.GATEWAY_SUBNET_EXACT_32
    assert path.confidence.value == "low"
    assert any("gateway_subnet_exact_32" in h.detail for h in path.hops)


@pytest.mark.parametrize("policy", ["Enabled", "RouteTableEnabled"])
def test_e06_onprem_via_firewall_with_policies(policy: str) -> None:
    topo = t.policies(t.attach(t.build_t(), "hub/GatewaySubnet", [t.to_fw("10.1.2.0/24")]), policy)
    path = expected_path(topo, "onprem-office", "kv1")
    assert path.firewalls == ("fw-hub",) and path.delivered
    assert path.bypass is not BypassKind.GATEWAY_SUBNET_EXACT_32
    # the request passes the firewall; the PE's reply (no SNAT to a private range) follows
    # spoke1's gateway route to on-premises, outside it: asymmetric, at medium confidence since
    # Microsoft's documents disagree on PE replies without SNAT
    assert path.bypass is BypassKind.ASYMMETRIC_RETURN
    assert "follows VirtualNetworkGateway 172.20.0.0/16" in path.hops[3].detail
    assert path.confidence.value == "medium"


def test_e07_policies_disabled_bypass_but_neighbour_goes_through_firewall() -> None:
    topo = t.attach(t.build_t(), "hub/GatewaySubnet", [t.to_fw("10.1.2.0/24")])
    path = expected_path(topo, "onprem-office", "kv1")
    assert path.firewalls == () and path.bypass is BypassKind.PRIVATE_ENDPOINT_ROUTE
    assert "beats udr 10.1.2.0/24 -> 10.0.0.68" in path.hops[2].detail
    other = expected_path(topo, "onprem-office", "10.1.2.5")
    assert other.firewalls == ("fw-hub",)
    assert kinds(other) == ["client", "gateway", "udr", "firewall", "peering", "destination"]


def test_e08_slash8_udr_leaves_the_pe_route_active() -> None:
    topo = t.policies(
        t.attach(t.build_t(), "hub/GatewaySubnet", [t.to_fw("10.0.0.0/8")]), "Enabled"
    )
    assert expected_path(topo, "onprem-office", "kv1").bypass is BypassKind.PRIVATE_ENDPOINT_ROUTE
    assert expected_path(topo, "onprem-office", "10.9.9.9").firewalls == ("fw-hub",)


@pytest.mark.parametrize(("policy", "firewalls"), [("Enabled", ("fw-hub",)), ("Disabled", ())])
def test_e09_udr_equal_to_vnet_range(policy: str, firewalls: tuple[str, ...]) -> None:
    topo = t.policies(t.attach(t.build_t(), "hub/GatewaySubnet", [t.to_fw("10.1.0.0/16")]), policy)
    assert expected_path(topo, "onprem-office", "kv1").firewalls == firewalls


def test_e10_hub_vm_bypasses_despite_default_udr() -> None:
    topo = t.policies(e02(ref="hub/snet-hubvm"), "Enabled")
    path = expected_path(topo, "10.0.1.4", "kv1")
    assert path.bypass is BypassKind.PRIVATE_ENDPOINT_ROUTE and path.firewalls == ()
    assert "InterfaceEndpoint 10.1.2.4/32 active in hub/snet-hubvm (pe-kv1, policies Enabled)" in (
        path.hops[1].detail
    )
    assert "beats udr 0.0.0.0/0 -> 10.0.0.68" in path.hops[1].detail


@pytest.mark.parametrize(
    ("policy", "firewalls", "bypass"),
    [
        ("RouteTableEnabled", ("fw-hub",), BypassKind.ASYMMETRIC_RETURN),
        ("NetworkSecurityGroupEnabled", (), BypassKind.PRIVATE_ENDPOINT_ROUTE),
    ],
)
def test_e11_same_vnet_client(policy: str, firewalls: tuple[str, ...], bypass: BypassKind) -> None:
    topo = t.policies(t.attach(t.build_t(), "spoke1/snet-app1", [t.to_fw("10.1.2.0/24")]), policy)
    path = expected_path(topo, "spoke1/snet-app1", "kv1")
    assert path.firewalls == firewalls and path.bypass is bypass and path.delivered


def e12(**vault_changes: object) -> Topology:
    topo = t.set_subnet(t.build_t(), "spoke2/snet-vm", service_endpoints=("Microsoft.KeyVault",))
    return vault(no_private_dns(e02(topo)), **vault_changes)


def test_e12_service_endpoint_beats_the_default_udr() -> None:
    path = expected_path(e12(), "vm-app", "kv1")
    assert path.delivered and path.firewalls == ()
    assert kinds(path) == ["client", "service_endpoint", "vault"]
    assert path.bypass is BypassKind.SERVICE_ENDPOINT_ROUTE
    assert "VirtualNetworkServiceEndpoint 198.51.100.0/24" in path.hops[1].detail
    assert "beats udr 0.0.0.0/0" in path.hops[1].detail


def test_e12_vault_network_rules_decide_the_service_endpoint_outcome() -> None:
    deny = NetworkAcls(default_action="Deny")
    refused = expected_path(e12(network_acls=deny), "vm-app", "kv1")
    assert not refused.delivered and "ForbiddenByFirewall" in (refused.drop_reason or "")
    allowed = expected_path(
        e12(network_acls=replace(deny, virtual_network_rules=("spoke2/snet-vm",))), "vm-app", "kv1"
    )
    assert allowed.delivered and "virtual network rule" in allowed.hops[-1].detail
    closed = expected_path(e12(public_network_access="Disabled"), "vm-app", "kv1")
    assert not closed.delivered and "ForbiddenByConnection" in (closed.drop_reason or "")


def test_e13_equal_prefix_udr_wins_by_default_and_service_endpoint_by_option() -> None:
    topo = t.set_subnet(t.build_t(), "spoke2/snet-vm", service_endpoints=("Microsoft.KeyVault",))
    topo = no_private_dns(
        t.attach(topo, "spoke2/snet-vm", [t.to_fw("0.0.0.0/0"), t.to_fw("198.51.100.0/24")])
    )
    path = expected_path(topo, "vm-app", "kv1")
    assert path.firewalls == ("fw-hub",) and path.confidence.value == "low"
    assert kinds(path) == ["client", "udr", "firewall", "public_endpoint", "vault"]
    assert path.bypass is BypassKind.PUBLIC_ENDPOINT
    option = RoutingOptions(service_endpoint_beats_equal_udr=True)
    path = expected_path(topo, "vm-app", "kv1", options=option)
    assert path.firewalls == () and path.bypass is BypassKind.SERVICE_ENDPOINT_ROUTE


def test_e14_service_endpoint_beats_forced_tunnelling() -> None:
    topo = t.set_subnet(t.build_t(), "spoke2/snet-vm", service_endpoints=("Microsoft.KeyVault",))
    topo = replace(
        topo, gateways=(replace(topo.gateways[0], learned_prefixes=("172.20.0.0/16", "0.0.0.0/0")),)
    )
    path = expected_path(no_private_dns(topo), "vm-app", "kv1")
    assert kinds(path) == ["client", "service_endpoint", "vault"]
    internet = expected_path(topo, "vm-app", "8.8.8.8")
    assert kinds(internet) == ["client", "gateway", "destination"]


def test_e15_udr_for_a_peered_range_goes_through_the_firewall() -> None:
    topo = t.attach(t.build_t(), "hub/snet-hubvm", [t.to_fw("10.2.0.0/16")])
    path = expected_path(topo, "10.0.1.4", "10.2.1.4")
    assert path.firewalls == ("fw-hub",) and path.delivered
    assert kinds(path) == ["client", "udr", "firewall", "peering", "destination"]


def test_e16_isolated_vnet_drops_private_traffic() -> None:
    from netlogs.topology.model import Subnet, VirtualNetwork

    lab = VirtualNetwork(
        "lab",
        ("192.168.0.0/16", "10.50.0.0/16"),
        "westeurope",
        (Subnet("snet", "lab", ("192.168.1.0/24",)),),
    )
    base = t.build_t()
    zone = base.private_dns_zones[0]  # linked to lab too: the name gives the private endpoint
    zone = replace(zone, virtual_network_links=(*zone.virtual_network_links, "lab"))
    topo = replace(base, vnets=(*base.vnets, lab), private_dns_zones=(zone,))
    path = expected_path(topo, "192.168.1.4", "kv1")
    assert not path.delivered and "10.0.0.0/8 None" in (path.drop_reason or "")
    assert expected_path(topo, "192.168.1.4", "192.168.2.9").delivered


def test_e17_ecmp_gateway_hop_names_both_instances() -> None:
    path = expected_path(t.build_t(), "10.0.1.4", "172.20.1.1")
    assert "10.0.0.4, 10.0.0.5 (ECMP)" in path.hops[1].detail


def e18(**client_changes: object) -> Topology:
    topo = e02(ref="spoke2/snet-asp")
    clients = tuple(
        replace(c, **client_changes) if c.name == "app-web" else c  # type: ignore[arg-type]
        for c in topo.clients
    )
    return replace(topo, clients=clients)


def test_e18_app_service_paths() -> None:
    private = expected_path(e18(), "app-web", "kv1")
    assert private.firewalls == ("fw-hub",) and private.delivered
    public = expected_path(e18(uses_private_dns=False), "app-web", "kv1")
    assert public.firewalls == () and kinds(public) == ["client", "public_endpoint", "vault"]
    assert "outbound public IPs" in public.hops[1].detail
    assert public.bypass is BypassKind.PUBLIC_ENDPOINT
    route_all = expected_path(e18(uses_private_dns=False, route_all=True), "app-web", "kv1")
    assert route_all.firewalls == ("fw-hub",)
    assert kinds(route_all) == ["client", "udr", "firewall", "public_endpoint", "vault"]
    assert "203.0.113.50" in route_all.hops[2].detail  # SNAT to the firewall public IP


def test_e19_snat_expectations_follow_private_ranges() -> None:
    topo = t.build_t()
    default = firewall_snat(topo, "fw-hub", "10.1.2.4")
    assert not default.network_rule_snat and default.snat_sources == ("10.0.0.69", "10.0.0.70")
    always = replace(
        topo, firewalls=(replace(topo.firewalls[0], snat_private_ranges=("255.255.255.255/32",)),)
    )
    snat = firewall_snat(always, "fw-hub", "10.1.2.4")
    assert snat.network_rule_snat and "10.0.0.68" not in snat.snat_sources
    path = expected_path(e02(always), "vm-app", "kv1")
    assert (
        path.bypass is None and "network rules SNAT to 10.0.0.69, 10.0.0.70" in path.hops[2].detail
    )
    no_instances = replace(topo, firewalls=(Firewall("fw-hub", "hub", "10.0.0.68"),))
    assert firewall_snat(no_instances, "fw-hub", "10.1.2.4").snat_sources == ("10.0.0.64/26",)
    assert firewall_snat(topo, "fw-hub", "198.51.100.10").destination_is_public


def test_e20_client_without_private_dns_reaches_the_public_endpoint() -> None:
    topo = no_private_dns(e02())
    closed = expected_path(vault(topo, public_network_access="Disabled"), "vm-app", "kv1")
    assert not closed.delivered and closed.firewalls == ("fw-hub",)
    assert "ForbiddenByConnection" in (closed.drop_reason or "")
    assert closed.bypass is BypassKind.PUBLIC_ENDPOINT
    deny = vault(topo, network_acls=NetworkAcls(default_action="Deny"))
    refused = expected_path(deny, "vm-app", "kv1")
    assert "ForbiddenByFirewall" in (refused.drop_reason or "") and "203.0.113.50" in (
        refused.drop_reason or ""
    )
    admitted = vault(
        topo, network_acls=NetworkAcls(default_action="Deny", ip_rules=("203.0.113.50/32",))
    )
    path = expected_path(admitted, "vm-app", "kv1")
    assert path.delivered and path.hops[-1].hop is HopKind.VAULT
    assert path.bypass is BypassKind.PUBLIC_ENDPOINT  # PE silently bypassed


def test_vault_without_public_address_uses_a_stand_in_with_medium_confidence() -> None:
    topo = no_private_dns(vault(t.build_t(), public_ips=()))
    path = expected_path(topo, "vm-app", "kv1.vault.azure.net")
    assert path.confidence.value == "medium" and isinstance(path.hops[0].detail, str)
    assert isinstance(KeyVault, type)
