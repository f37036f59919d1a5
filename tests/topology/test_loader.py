"""The topology file format: values, documented defaults, JSON/YAML, round trip and hash."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from netlogs.topology.loader import (
    dump_topology,
    load_topology,
    topology_from_mapping,
    topology_sha256,
)
from netlogs.topology.model import (
    IANA_PRIVATE_RANGES,
    RESERVED_NONE_PREFIXES,
    KeyVault,
    NetworkAcls,
    Peering,
    PrivateEndpoint,
    Route,
    Subnet,
    Topology,
)

Writer = Callable[[str, str], Path]


def test_hub_spoke_is_topology_t(fixtures: Path) -> None:
    topo = load_topology(fixtures / "hub_spoke.yaml")
    assert topo.source == str(fixtures / "hub_spoke.yaml")
    assert [(v.name, v.address_prefixes, v.region) for v in topo.vnets] == [
        ("hub", ("10.0.0.0/16",), "westeurope"),
        ("spoke1", ("10.1.0.0/16",), "westeurope"),
        ("spoke2", ("10.2.0.0/16",), "westeurope"),
        ("spoke3", ("10.3.0.0/16",), "northeurope"),
    ]
    subnets = {s.ref: s for v in topo.vnets for s in v.subnets}
    assert subnets["hub/AzureFirewallSubnet"].address_prefixes == ("10.0.0.64/26",)
    assert subnets["spoke1/snet-pe"] == Subnet("snet-pe", "spoke1", ("10.1.2.0/24",))
    assert subnets["spoke2/snet-asp"].delegations == ("Microsoft.Web/serverFarms",)
    assert subnets["spoke2/snet-vm"].route_table is None
    hub, spoke1 = topo.vnets[0], topo.vnets[1]
    assert hub.peerings[0] == Peering("hub-to-spoke1", "spoke1", allow_gateway_transit=True)
    assert spoke1.peerings == (Peering("spoke1-to-hub", "hub", use_remote_gateways=True),)
    gateway = topo.gateways[0]
    assert (gateway.instance_ips, gateway.learned_prefixes) == (
        ("10.0.0.4", "10.0.0.5"), ("172.20.0.0/16",))
    assert (gateway.gateway_type, gateway.active_active) == ("Vpn", True)
    firewall = topo.firewalls[0]
    assert (firewall.private_ip, firewall.subnet) == ("10.0.0.68", "AzureFirewallSubnet")
    assert firewall.snat_private_ranges == IANA_PRIVATE_RANGES
    assert topo.private_endpoints == (
        PrivateEndpoint("pe-kv1", "spoke1/snet-pe", "10.1.2.4", "kv1"),)
    vault = topo.key_vaults[0]
    assert vault.private_endpoints == ("pe-kv1",)  # derived from privateEndpoints[].target
    assert vault.host == "kv1.vault.azure.net"
    assert topo.route_tables[0].routes == (
        Route("default-to-fw", "0.0.0.0/0", "VirtualAppliance", "10.0.0.68"),)
    assert topo.service_prefixes == (("Microsoft.KeyVault", ("198.51.100.0/24",)),)
    assert topo.reserved_none_prefixes == RESERVED_NONE_PREFIXES
    assert [(c.name, c.kind, c.subnet, c.gateway) for c in topo.clients] == [
        ("vm-app", "vm", "spoke2/snet-vm", None),
        ("app-web", "app_service", "spoke2/snet-asp", None),
        ("onprem-office", "onprem", None, "vgw-hub"),
    ]
    assert topo.design_rules[0].require_firewall == "fw-hub"
    assert topo.design_rules[0].forbid_public_endpoint is True


MINIMAL = """
virtualNetworks:
  - name: hub
    addressPrefixes: [10.0.0.0/16]
    subnets:
      - {name: AzureFirewallSubnet, addressPrefix: 10.0.0.64/26}
      - {name: snet-pe, addressPrefixes: [10.0.1.0/24]}
    virtualNetworkPeerings: [{remoteVirtualNetwork: spoke}]
  - name: spoke
    addressPrefixes: [10.1.0.0/16]
    virtualNetworkPeerings: [{remoteVirtualNetwork: hub}]
firewalls: [{name: fw, virtualNetwork: hub, privateIpAddress: 10.0.0.68}]
virtualNetworkGateways: [{name: gw, virtualNetwork: hub}]
privateEndpoints: [{name: pe, subnet: hub/snet-pe, privateIpAddress: 10.0.1.4, target: kv}]
keyVaults: [{name: kv}]
clients: [{name: c, subnet: hub/snet-pe}]
designRules: [{vault: kv}]
"""


def test_documented_defaults(write_file: Writer) -> None:
    topo = load_topology(write_file("min.yaml", MINIMAL))
    hub = topo.vnets[0]
    assert hub.region == ""
    assert hub.subnets[1].private_endpoint_network_policies == "Disabled"
    assert hub.peerings == (Peering("hub-to-spoke", "spoke", "Connected", True, False, False),)
    firewall = topo.firewalls[0]
    assert (firewall.subnet, firewall.snat_private_ranges, firewall.public_ips) == (
        "AzureFirewallSubnet", IANA_PRIVATE_RANGES, ())
    gateway = topo.gateways[0]
    assert (gateway.gateway_type, gateway.active_active, gateway.public_ip) == ("Vpn", True, None)
    assert topo.private_endpoints[0].group_id == "vault"
    assert topo.key_vaults[0] == KeyVault("kv", private_endpoints=("pe",))
    assert topo.key_vaults[0].network_acls == NetworkAcls("Allow", "AzureServices", (), ())
    client = topo.clients[0]
    # not stated: the private DNS zones decide (assumed private, low confidence, without them)
    assert (client.kind, client.uses_private_dns, client.route_all) == ("vm", None, False)
    assert topo.design_rules[0].require_firewall is None
    assert topo.design_rules[0].forbid_public_endpoint is True
    assert topo.reserved_none_prefixes == RESERVED_NONE_PREFIXES


def test_json_is_detected_by_content(fixtures: Path, write_file: Writer,
                                     hub_spoke: dict[str, Any]) -> None:
    from_yaml = load_topology(fixtures / "hub_spoke.yaml")
    from_json = load_topology(write_file("topology.txt", json.dumps(hub_spoke, indent=2)))
    assert replace(from_json, source=from_yaml.source) == from_yaml
    assert topology_sha256(from_json) == topology_sha256(from_yaml)


def test_dump_round_trips(fixtures: Path, write_file: Writer) -> None:
    original = load_topology(fixtures / "hub_spoke.yaml")
    text = dump_topology(original)
    reloaded = load_topology(write_file("dumped.yaml", text))
    assert replace(reloaded, source=original.source) == original
    assert dump_topology(reloaded) == text
    assert "addressPrefixes: [10.0.0.0/16]" in text  # plain lists stay on one line


def test_round_trip_keeps_non_default_values(write_file: Writer) -> None:
    text = MINIMAL + """
routeTables:
  - name: rt
    disableBgpRoutePropagation: true
    routes: [{name: kv, addressPrefix: AzureKeyVault, nextHopType: None}]
servicePrefixes: {AzureKeyVault: [203.0.113.0/24, "2001:db8::/32"]}
reservedNonePrefixes: []
"""
    text = text.replace("keyVaults: [{name: kv}]", (
        "keyVaults: [{name: kv, fqdn: kv.vault.azure.cn, publicNetworkAccess: Disabled, "
        "networkAcls: {defaultAction: Deny, bypass: None, ipRules: [{value: 203.0.113.7}, "
        "198.51.100.0/24], virtualNetworkRules: [hub/snet-pe]}}]"))
    text = text.replace("{name: gw, virtualNetwork: hub}", (
        "{name: gw, virtualNetwork: hub, gatewayType: ExpressRoute, activeActive: false, "
        "publicIpAddress: 203.0.113.9, localNetworkAddressPrefixes: [192.168.10.0/24]}"))
    text = text.replace("privateIpAddress: 10.0.0.68}", (
        "privateIpAddress: 10.0.0.68, snatPrivateRanges: [IANAPrivateRanges, 203.0.113.0/24]}"))
    topo = load_topology(write_file("full.yaml", text))
    assert topo.reserved_none_prefixes == ()
    assert topo.route_tables[0].routes[0].address_prefix == "AzureKeyVault"  # a service tag
    assert topo.service_prefixes == (("AzureKeyVault", ("203.0.113.0/24", "2001:db8::/32")),)
    assert topo.firewalls[0].snat_private_ranges == (*IANA_PRIVATE_RANGES, "203.0.113.0/24")
    acls = topo.key_vaults[0].network_acls
    assert acls == NetworkAcls("Deny", "None", ("203.0.113.7", "198.51.100.0/24"), ("hub/snet-pe",))
    assert topo.gateways[0].local_network_prefixes == ("192.168.10.0/24",)
    again = topology_from_mapping(yaml.safe_load(dump_topology(topo)), source=topo.source)
    assert again == topo


def test_sha256_is_stable_and_sensitive(fixtures: Path) -> None:
    topo = load_topology(fixtures / "hub_spoke.yaml")
    digest = topology_sha256(topo)
    assert len(digest) == 64 and digest == topology_sha256(replace(topo, source="elsewhere"))
    changed = replace(topo, reserved_none_prefixes=())
    assert topology_sha256(changed) != digest
    assert topology_sha256(Topology()) != digest


def test_ipv6_and_canonical_spelling(write_file: Writer) -> None:
    topo = load_topology(write_file("v6.yaml", """
virtualNetworks:
  - name: dual
    addressPrefixes: [10.0.0.0/16, "2001:DB8:0:0::/48"]
    subnets: [{name: s, addressPrefixes: [10.0.1.0/24, "2001:db8::/64"]}]
"""))
    assert topo.vnets[0].address_prefixes == ("10.0.0.0/16", "2001:db8::/48")
    assert topo.vnets[0].subnets[0].address_prefixes == ("10.0.1.0/24", "2001:db8::/64")


def test_validate_cli_prints_a_summary(
    fixtures: Path, run_netlogs: Callable[..., tuple[int, str, str]]
) -> None:
    code, out, err = run_netlogs("topology", "validate", str(fixtures / "hub_spoke.yaml"))
    assert (code, err) == (0, "")
    assert "valid (4 virtual networks, 7 subnets, 1 private endpoints, 1 key vaults" in out
    digest = topology_sha256(load_topology(fixtures / "hub_spoke.yaml"))
    assert f"sha256 {digest[:12]}" in out


def test_the_documented_example_loads(write_file: Writer) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "topology-format.md").read_text()
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    topo = load_topology(write_file("example.yaml", example))
    subnets = {s.ref: s for v in topo.vnets for s in v.subnets}
    assert subnets["spoke2/snet-vm"].route_table == "rt-spoke2"
    assert topo.key_vaults[0].network_acls.default_action == "Deny"


def test_topology_group_help(run_netlogs: Callable[..., tuple[int, str, str]]) -> None:
    code, out, _ = run_netlogs("topology", "--help")
    assert code == 0
    assert "import" in out and "validate" in out
