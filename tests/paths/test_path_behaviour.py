"""Loops, appliances, endpoint resolution and the trace-pipeline entry point."""

from __future__ import annotations

from dataclasses import replace

import pytest

from netlogs.errors import ConfigError, NoPathError
from netlogs.model import BypassKind, HopKind
from netlogs.paths import expected_path, expected_paths_to_vault, locate_ip
from netlogs.topology.model import PrivateEndpoint, Subnet
from tests.routing import topology_t as t


def test_routing_loop_is_detected_and_named() -> None:
    topo = t.attach(t.build_t(), "spoke2/snet-vm", [t.to_fw("0.0.0.0/0")])
    topo = t.attach(topo, "hub/AzureFirewallSubnet", [t.to_fw("10.1.0.0/16")])
    assert expected_path(topo, "vm-app", "kv1").delivered  # the PE /32 beats the /16 UDR
    path = expected_path(topo, "vm-app", "10.1.9.9")
    assert not path.delivered and path.hops[-1].hop is HopKind.DROP
    assert "routing loop" in (path.drop_reason or "")
    assert "hub/AzureFirewallSubnet -> hub/AzureFirewallSubnet" in (path.drop_reason or "")


def test_ping_pong_between_two_appliances_is_a_loop() -> None:
    topo = t.build_t()
    hub = replace(
        topo.vnets[0], subnets=(*topo.vnets[0].subnets, Subnet("snet-nva", "hub", ("10.0.2.0/24",)))
    )
    topo = replace(topo, vnets=(hub, *topo.vnets[1:]))
    topo = t.attach(topo, "spoke2/snet-vm", [("0.0.0.0/0", "VirtualAppliance", "10.0.2.4")])
    topo = t.attach(topo, "hub/snet-nva", [("0.0.0.0/0", "VirtualAppliance", "10.0.0.68")])
    topo = t.attach(
        topo, "hub/AzureFirewallSubnet", [("8.8.0.0/16", "VirtualAppliance", "10.0.2.4")]
    )
    path = expected_path(topo, "vm-app", "8.8.8.8")
    assert "routing loop" in (path.drop_reason or "")
    assert path.firewalls == ("fw-hub",)
    nva_hop = next(h for h in path.hops if h.name == "10.0.2.4")
    assert nva_hop.hop is HopKind.FIREWALL and nva_hop.confidence.value == "medium"


def test_unreachable_appliance_is_a_drop() -> None:
    topo = t.attach(t.build_t(), "spoke2/snet-vm", [("0.0.0.0/0", "VirtualAppliance", "10.9.0.4")])
    path = expected_path(topo, "vm-app", "kv1")
    assert not path.delivered and "not reachable" in (path.drop_reason or "")


def test_sources_subnet_cidr_ip_and_unknowns() -> None:
    topo = t.attach(t.build_t(), "spoke2/snet-vm", [t.to_fw("0.0.0.0/0")])
    by_subnet = expected_path(topo, "spoke2/snet-vm", "kv1")
    by_cidr = expected_path(topo, "10.2.1.0/28", "kv1")
    assert by_subnet.firewalls == by_cidr.firewalls == ("fw-hub",)
    assert by_cidr.source == "10.2.1.0/28"
    onprem_ip = expected_path(topo, "172.20.9.9", "kv1")
    assert onprem_ip.hops[1].hop is HopKind.GATEWAY
    with pytest.raises(NoPathError, match=r"8\.8\.8\.8"):
        expected_path(topo, "8.8.8.8", "kv1")
    with pytest.raises(NoPathError, match="nobody"):
        expected_path(topo, "nobody", "kv1")
    with pytest.raises(NoPathError, match="kv-missing"):
        expected_path(topo, "vm-app", "kv-missing")


def test_destination_by_fqdn_and_by_pe_ip_name_the_vault() -> None:
    topo = t.attach(t.build_t(), "spoke2/snet-vm", [t.to_fw("0.0.0.0/0")])
    by_fqdn = expected_path(topo, "vm-app", "KV1.vault.azure.net")
    by_ip = expected_path(topo, "vm-app", "10.1.2.4")
    assert by_fqdn.hops[-1].hop is by_ip.hops[-1].hop is HopKind.VAULT
    assert by_ip.destination == "10.1.2.4" and by_fqdn.destination == "KV1.vault.azure.net"


def test_vault_with_two_pes_takes_the_one_that_delivers() -> None:
    topo = t.build_t()
    spoke2_pe = PrivateEndpoint("pe-kv1-spoke2", "spoke2/snet-vm", "10.2.1.50", "kv1")
    zone = topo.private_dns_zones[0]
    topo = replace(
        topo,
        private_dns_zones=(replace(zone, a_records=(*zone.a_records, ("kv1", "10.2.1.50"))),),
        private_endpoints=(*topo.private_endpoints, spoke2_pe),
        key_vaults=(replace(topo.key_vaults[0], private_endpoints=("pe-kv1", "pe-kv1-spoke2")),),
    )
    path = expected_path(topo, "vm-app", "kv1")  # pe-kv1 is unreachable (10/8 None) from spoke2
    assert path.delivered and path.hops[1].name == "pe-kv1-spoke2"
    assert path.bypass is BypassKind.PRIVATE_ENDPOINT_ROUTE


def test_expected_paths_to_vault_for_the_trace_pipeline() -> None:
    topo = t.attach(t.build_t(), "spoke2/snet-vm", [t.to_fw("0.0.0.0/0")])
    paths = expected_paths_to_vault(topo, "kv1", ["10.2.1.4", "10.0.1.7", "172.20.1.1", "52.1.2.3"])
    assert set(paths) == {"10.2.1.4", "10.0.1.7", "172.20.1.1", "52.1.2.3"}
    assert paths["10.2.1.4"].firewalls == ("fw-hub",)
    assert paths["10.0.1.7"].bypass is BypassKind.PRIVATE_ENDPOINT_ROUTE
    assert paths["172.20.1.1"].hops[1].hop is HopKind.GATEWAY
    unknown = paths["52.1.2.3"]
    assert len(unknown.hops) == 1 and unknown.hops[0].hop is HopKind.CLIENT
    assert unknown.confidence.value == "low" and not unknown.delivered
    with pytest.raises(ConfigError, match="kv9"):
        expected_paths_to_vault(topo, "kv9", ["10.2.1.4"])


def test_locate_ip() -> None:
    topo = t.build_t()
    assert locate_ip(topo, "10.2.1.4") == "spoke2/snet-vm"
    assert locate_ip(topo, "10.0.0.69") == "hub/AzureFirewallSubnet"
    assert locate_ip(topo, "10.2.2.1") is None
    assert locate_ip(topo, "nonsense") is None


def test_hops_name_their_deciding_route_and_paths_are_deterministic() -> None:
    topo = t.attach(t.build_t(), "spoke2/snet-vm", [t.to_fw("0.0.0.0/0")])
    first = expected_path(topo, "vm-app", "kv1")
    assert first == expected_path(replace(topo), "vm-app", "kv1")
    assert all(h.detail for h in first.hops)


def test_app_service_without_route_all_keeps_public_traffic_out_of_the_vnet() -> None:
    topo = t.attach(t.build_t(), "spoke2/snet-asp", [t.to_fw("0.0.0.0/0")])
    path = expected_path(topo, "app-web", "8.8.8.8")
    assert [h.hop for h in path.hops] == [HopKind.CLIENT, HopKind.PUBLIC_ENDPOINT,
                                          HopKind.DESTINATION]
    assert path.firewalls == () and path.delivered
    # a service endpoint on the integration subnet pulls vault traffic into the VNet
    se = t.set_subnet(topo, "spoke2/snet-asp", service_endpoints=("Microsoft.KeyVault",))
    se_path = expected_path(se, "app-web", "198.51.100.10")
    assert se_path.hops[1].hop is HopKind.SERVICE_ENDPOINT


def test_udr_to_the_gateway_names_the_gateway() -> None:
    topo = t.attach(t.build_t(), "hub/snet-hubvm",
                    [("172.20.0.0/16", "VirtualNetworkGateway", None)])
    path = expected_path(topo, "10.0.1.4", "172.20.1.1")
    assert path.hops[1].hop is HopKind.GATEWAY and path.hops[1].name == "vgw-hub"
    assert path.hops[-1].hop is HopKind.DESTINATION and path.delivered


def test_paths_walked_once_per_place_equal_paths_walked_per_address() -> None:
    """Addresses of one subnet, named client or gateway share one walk: the result must be
    exactly what walking each address on its own gives, address text included."""
    from pathlib import Path

    from netlogs.topology.loader import load_topology

    sample = load_topology(Path(__file__).parents[2] / "sample_data" / "topology.yaml")
    ips = [
        "10.0.1.10",  # named client (jump host), PE /32 active: bypass
        "10.0.1.11",  # same subnet, not a named client
        "10.1.1.4",
        "10.1.1.5",
        "10.1.1.77",  # snet-app of the PE spoke
        "10.2.1.4",
        "10.2.1.9",
        "10.2.1.200",  # one subnet, several named and unnamed clients
        "10.2.2.4",  # private DNS off: the public endpoint through the service endpoint
        "10.2.2.5",
        "172.20.10.7",  # on-premises, through the gateway
        "172.20.99.1",
        "203.0.113.45",  # placed nowhere
    ]
    grouped = expected_paths_to_vault(sample, "kv-contoso-prod", ips)
    for ip in ips:
        try:
            alone = expected_path(sample, ip, "kv-contoso-prod")
        except NoPathError:
            assert not grouped[ip].delivered and grouped[ip].source == ip
            continue
        assert grouped[ip] == alone, ip
    assert "10.1.1.77" in grouped["10.1.1.77"].hops[0].detail  # each names its own address
    assert "10.1.1.5" not in grouped["10.1.1.77"].hops[0].detail
