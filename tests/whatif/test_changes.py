"""The change language: parsing, applying to a frozen topology, and the az commands."""

from __future__ import annotations

import dataclasses

import pytest

from netlogs.errors import ConfigError
from netlogs.paths import expected_path
from netlogs.routing import effective_routes
from netlogs.testing import reference_topology
from netlogs.whatif import apply_change, az_commands, describe, parse_change
from tests.routing import topology_t as t


def test_a_udr_change_reads_back_in_its_canonical_spelling() -> None:
    change = parse_change(" udr:vnet-hub/snet-hub:10.1.2.4/32 -> fw-hub ")
    assert change.text == "udr:vnet-hub/snet-hub:10.1.2.4/32->fw-hub"
    assert change.udr == ("10.1.2.4/32", "fw-hub")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("udr:vnet-hub/snet-hub:10.1.2.4/33->fw-hub", "not an IPv4 prefix"),
        ("udr:vnet-hub/snet-hub:10.1.2.4/24->fw-hub", "not an IPv4 prefix"),  # host bits set
        ("udr:vnet-hub/snet-hub:10.1.2.4/32", "PREFIX->FIREWALL_OR_IP"),
        ("udr:vnet-hub:10.1.2.4/32->fw-hub", "expected udr:VNET/SUBNET"),
        ("route:vnet-hub/snet-hub:10.1.2.4/32->fw-hub", "unknown kind 'route'"),
        ("pe-policies:vnet-kv/snet-pe:On", "'On' is not one of"),
        ("remove-service-endpoint:vnet-kv/snet-pe", "expected udr:VNET/SUBNET"),
        ("dns-link:vnet-kv/snet-pe", "expected dns-link:VNET"),
        ("private-dns:vm-a:privatelink.example", "expected private-dns:CLIENT"),
    ],
)
def test_malformed_changes_are_one_config_error_naming_the_change(text: str, words: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_change(text)
    message = str(error.value)
    assert message.startswith(f"--what-if {text!r}") and words in message
    assert "\n" not in message


def test_a_udr_on_a_subnet_without_route_table_creates_one_and_leaves_the_original_alone() -> None:
    topology = reference_topology()
    change = parse_change("udr:vnet-hub/snet-hub:10.1.2.4/32->fw-hub")
    changed = apply_change(topology, change)
    assert topology.vnets[0].subnets[1].route_table is None  # frozen original untouched
    assert [r.name for r in topology.route_tables] == ["rt-app"]
    table = next(r for r in changed.route_tables if r.name == "rt-snet-hub-whatif")
    assert [(r.address_prefix, r.next_hop_ip) for r in table.routes] == [
        ("10.1.2.4/32", "10.0.0.68")
    ]
    rows = {
        (r.prefix, r.state, r.next_hop_type) for r in effective_routes(changed, "vnet-hub/snet-hub")
    }
    assert ("10.1.2.4/32", "Active", "VirtualAppliance") in rows
    assert ("10.1.2.4/32", "Invalid", "InterfaceEndpoint") in rows
    assert expected_path(changed, "vm-hub", "kv-test").firewalls == ("fw-hub",)
    assert expected_path(topology, "vm-hub", "kv-test").firewalls == ()


def test_a_udr_joins_an_existing_route_table_and_replaces_the_same_prefix() -> None:
    topology = reference_topology()
    change = parse_change("udr:vnet-app/snet-vm:0.0.0.0/0->10.0.0.69")
    table = next(r for r in apply_change(topology, change).route_tables if r.name == "rt-app")
    assert [(r.address_prefix, r.next_hop_ip) for r in table.routes] == [("0.0.0.0/0", "10.0.0.69")]
    commands = az_commands(topology, change)
    assert commands == (
        "az network route-table route create -g <resource-group> --route-table-name rt-app "
        "-n whatif-0.0.0.0_0-via-10.0.0.69 --address-prefix 0.0.0.0/0 "
        "--next-hop-type VirtualAppliance --next-hop-ip-address 10.0.0.69",
    )


def test_the_az_commands_create_attach_and_fill_a_new_route_table() -> None:
    topology = reference_topology()
    change = parse_change("udr:vnet-hub/snet-hub:10.1.2.4/32->fw-hub")
    create, route, attach = az_commands(topology, change)
    assert create == "az network route-table create -g <resource-group> -n rt-snet-hub-whatif"
    assert "--route-table-name rt-snet-hub-whatif" in route
    assert "--address-prefix 10.1.2.4/32" in route and "--next-hop-ip-address 10.0.0.68" in route
    assert attach == (
        "az network vnet subnet update -g <resource-group> --vnet-name vnet-hub -n snet-hub "
        "--route-table rt-snet-hub-whatif"
    )
    assert describe(topology, change) == (
        "add a UDR 10.1.2.4/32 -> fw-hub (10.0.0.68) for vnet-hub/snet-hub "
        "(new route table rt-snet-hub-whatif)"
    )


def test_policies_and_service_endpoint_changes_and_their_commands() -> None:
    topo = t.set_subnet(
        t.build_t(), "spoke2/snet-vm", service_endpoints=("Microsoft.Storage", "Microsoft.KeyVault")
    )
    policy = parse_change("pe-policies:spoke1/snet-pe:RouteTableEnabled")
    changed = apply_change(topo, policy)
    pe_subnet = next(s for v in changed.vnets for s in v.subnets if s.ref == "spoke1/snet-pe")
    assert pe_subnet.private_endpoint_network_policies == "RouteTableEnabled"
    assert az_commands(topo, policy) == (
        "az network vnet subnet update -g <resource-group> --vnet-name spoke1 -n snet-pe "
        "--private-endpoint-network-policies RouteTableEnabled",
    )
    removal = parse_change("remove-service-endpoint:spoke2/snet-vm:Microsoft.KeyVault")
    vm = next(
        s for v in apply_change(topo, removal).vnets for s in v.subnets if s.name == "snet-vm"
    )
    assert vm.service_endpoints == ("Microsoft.Storage",)
    assert az_commands(topo, removal)[0].endswith("--service-endpoints Microsoft.Storage")
    only = t.set_subnet(t.build_t(), "spoke2/snet-vm", service_endpoints=("Microsoft.KeyVault",))
    assert az_commands(only, removal)[0].endswith("-n snet-vm --remove serviceEndpoints")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("udr:nowhere/snet:10.0.0.0/8->fw-hub", "unknown VNet 'nowhere'"),
        ("udr:hub/snet-x:10.0.0.0/8->fw-hub", "VNet hub has no subnet 'snet-x'"),
        ("udr:hub/snet-hubvm:10.0.0.0/8->fw-other", "neither an IPv4 address nor a firewall"),
        ("remove-service-endpoint:hub/snet-hubvm:Microsoft.KeyVault", "has no Microsoft.KeyVault"),
        ("private-dns:vm-nobody", "unknown client 'vm-nobody'"),
        ("dns-link:nowhere", "unknown VNet 'nowhere'"),
    ],
)
def test_changes_naming_what_the_model_lacks_are_config_errors(text: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        apply_change(t.build_t(), parse_change(text))


def test_a_hostile_name_is_quoted_in_the_az_command() -> None:
    topo = t.set_subnet(
        t.build_t(), "spoke2/snet-vm", service_endpoints=("Microsoft.KeyVault", "x;rm -rf ~")
    )
    removal = parse_change("remove-service-endpoint:spoke2/snet-vm:Microsoft.KeyVault")
    assert az_commands(topo, removal)[0].endswith("--service-endpoints 'x;rm -rf ~'")


def test_a_dns_link_needs_a_described_zone() -> None:
    topo = dataclasses.replace(t.build_t(), private_dns_zones=())
    with pytest.raises(ConfigError, match=r"describes no privatelink\.vaultcore\.azure\.net zone"):
        apply_change(topo, parse_change("dns-link:spoke2"))
    zone = dataclasses.replace(t.build_t().private_dns_zones[0], virtual_network_links=("hub",))
    topo = dataclasses.replace(t.build_t(), private_dns_zones=(zone,))
    for text in ("dns-link:spoke3", "dns-link:hub"):  # linking twice keeps one link
        topo = apply_change(topo, parse_change(text))
    assert topo.private_dns_zones[0].virtual_network_links == ("hub", "spoke3")
