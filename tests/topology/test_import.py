"""`netlogs topology import`: az CLI and ARM/Resource Graph JSON become the same topology."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from netlogs.errors import ConfigError, TopologyError
from netlogs.topology.azure_import import import_az_json, write_topology_file
from netlogs.topology.coverage import recorded_gaps
from netlogs.topology.loader import load_topology
from netlogs.topology.model import IANA_PRIVATE_RANGES, Topology, TopologyGap

Run = Callable[..., tuple[int, str, str]]
SUB = "/subscriptions/6a1f3c2e-4b5d-4e8f-9a0b-1c2d3e4f5a6b/resourceGroups"


def _read(path: Path) -> Any:
    return json.loads(path.read_text())


def _write(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2))


@pytest.fixture
def az_dir(fixtures: Path, tmp_path: Path) -> Path:
    """A writable copy of the az CLI fixtures."""
    return Path(shutil.copytree(fixtures / "az", tmp_path / "az"))


def _importable_part(topo: Topology) -> Topology:
    """What Azure's resource JSON cannot tell: clients, rules, service prefixes, vault public
    IPs (DNS), firewall instance IPs (not exposed)."""
    return replace(
        topo, source="", clients=(), design_rules=(), service_prefixes=(),
        private_dns_zones=(), gaps=(),  # zones are not imported yet; their absence is a gap
        firewalls=tuple(replace(f, instance_ips=()) for f in topo.firewalls),
        key_vaults=tuple(replace(k, public_ips=()) for k in topo.key_vaults),
    )


def test_az_and_arm_shapes_import_to_the_same_topology(fixtures: Path) -> None:
    from_az = import_az_json(fixtures / "az")
    from_arm = import_az_json(fixtures / "arm")
    assert replace(from_arm, source="") == replace(from_az, source="")


def test_import_matches_the_hand_written_hub_spoke(fixtures: Path) -> None:
    imported = import_az_json(fixtures / "az")
    written = load_topology(fixtures / "hub_spoke.yaml")
    assert _importable_part(imported) == _importable_part(written)
    # the parts the comparison cannot see were still read from the JSON
    assert imported.firewalls[0].public_ips == ("203.0.113.50",)
    assert imported.firewalls[0].snat_private_ranges == IANA_PRIVATE_RANGES  # policy keyword
    assert imported.gateways[0].learned_prefixes == ("172.20.0.0/16",)  # Network origin skipped
    assert imported.gateways[0].public_ip is None  # active-active: next hops are instance IPs
    assert [pe.name for pe in imported.private_endpoints] == ["pe-kv1"]  # storage PE left out


def test_cli_import_writes_a_loadable_file(
    fixtures: Path, tmp_path: Path, run_netlogs: Run
) -> None:
    out = tmp_path / "topology.yaml"
    code, stdout, err = run_netlogs("topology", "import", "--az-json", str(fixtures / "az"),
                                    "--out", str(out))
    assert (code, err) == (0, "Warning: ignored 1 private endpoints of other services (blob 1)\n")
    assert stdout.startswith(f"Wrote {out}: 4 virtual networks, 7 subnets, 1 route tables")
    text = out.read_text()
    assert text.startswith("# Written by `netlogs topology import` from ")
    loaded = load_topology(out)
    assert replace(loaded, source="") == replace(import_az_json(fixtures / "az"), source="")
    assert [p.name for p in tmp_path.iterdir()] == ["topology.yaml"]  # no temp file left
    code, stdout, _ = run_netlogs("topology", "validate", str(out))
    assert code == 0 and "valid" in stdout


def test_failed_import_leaves_no_partial_file(az_dir: Path, tmp_path: Path,
                                              run_netlogs: Run) -> None:
    out = tmp_path / "out" / "topology.yaml"
    out.parent.mkdir()
    out.write_text("previous content\n")
    vnets = _read(az_dir / "vnet-list.json")
    del vnets[1]["addressSpace"]
    _write(az_dir / "vnet-list.json", vnets)
    code, stdout, err = run_netlogs("topology", "import", "--az-json", str(az_dir),
                                    "--out", str(out))
    assert code == 2 and stdout == ""
    assert err == (f"Error: {az_dir / 'vnet-list.json'}: {SUB}/rg-spokes-weu/providers/"
                   "Microsoft.Network/virtualNetworks/spoke1: addressSpace.addressPrefixes: "
                   "required field is missing\n")
    assert "Traceback" not in err
    assert out.read_text() == "previous content\n"
    assert [p.name for p in out.parent.iterdir()] == ["topology.yaml"]


def test_write_failure_is_a_topology_error(fixtures: Path, tmp_path: Path) -> None:
    topo = import_az_json(fixtures / "az")
    with pytest.raises(ConfigError, match=r"t\.yaml: cannot write: No such file"):
        write_topology_file(topo, tmp_path / "missing-dir" / "t.yaml")


@pytest.mark.parametrize(("file", "mutate", "expected"), [
    ("firewall-list.json", lambda d: d[0]["ipConfigurations"][0].pop("privateIPAddress"),
     "azureFirewalls/fw-hub: ipConfigurations[0].privateIPAddress: required field is missing"),
    ("firewall-list.json", lambda d: d[0]["ipConfigurations"][0].pop("subnet"),
     "azureFirewalls/fw-hub: ipConfigurations[0].subnet.id: required field is missing"),
    ("vnet-gateway-list.json", lambda d: d[0].pop("gatewayType"),
     "virtualNetworkGateways/vgw-hub: gatewayType: required field is missing"),
    ("private-endpoint-list.json", lambda d: d[0].pop("subnet"),
     "privateEndpoints/pe-kv1: subnet.id: required field is missing"),
    ("route-table-list.json", lambda d: d[0]["routes"][0].pop("nextHopType"),
     "routeTables/rt-spoke2: routes[default-to-fw].nextHopType: required field is missing"),
    ("vnet-list.json", lambda d: d[0]["subnets"][0].pop("addressPrefix"),
     "virtualNetworks/hub: subnets[GatewaySubnet].addressPrefix: required field is missing"),
    ("vnet-list.json", lambda d: d[0]["virtualNetworkPeerings"][0].pop("remoteVirtualNetwork"),
     "virtualNetworks/hub: virtualNetworkPeerings[hub-to-spoke1].remoteVirtualNetwork.id: "
     "required field is missing"),
])
def test_missing_required_fields_name_file_and_resource_id(
    az_dir: Path, file: str, mutate: Callable[[Any], Any], expected: str
) -> None:
    data = _read(az_dir / file)
    mutate(data)
    _write(az_dir / file, data)
    with pytest.raises(TopologyError) as caught:
        import_az_json(az_dir)
    assert caught.value.file == str(az_dir / file)
    assert caught.value.resource.startswith(SUB)
    assert str(caught.value).endswith(expected)


def test_resources_are_found_by_type_in_any_file_shape(az_dir: Path) -> None:
    baseline = replace(import_az_json(az_dir), source="")
    vnets = _read(az_dir / "vnet-list.json")
    (az_dir / "vnet-list.json").unlink()
    nested = az_dir / "sub" / "deeper"
    nested.mkdir(parents=True)
    for index, vnet in enumerate(vnets):  # one object per file, odd names, some in a graph result
        if index % 2:
            vnet["type"] = vnet["type"].upper()
            _write(nested / f"x{index}.json", {"count": 1, "data": [vnet], "skip_token": None})
        else:
            _write(az_dir / f"thing-{index}.json", vnet)
    _write(az_dir / "unrelated.json", [{"type": "Microsoft.Compute/virtualMachines", "id": "x"},
                                       {"no": "type"}])
    (az_dir / "notes.txt").write_text("not json at all")
    assert replace(import_az_json(az_dir), source="") == baseline


def test_keyvault_show_wins_over_list_and_bom_is_accepted(az_dir: Path) -> None:
    show = _read(az_dir / "keyvault-show-kv1.json")
    show["properties"]["publicNetworkAccess"] = "Disabled"
    (az_dir / "keyvault-show-kv1.json").write_text(json.dumps(show), encoding="utf-8-sig")
    vault = import_az_json(az_dir).key_vaults[0]
    assert vault.public_network_access == "Disabled"


def test_keyvault_network_rules_resolve_lowercased_subnet_ids(az_dir: Path) -> None:
    show = _read(az_dir / "keyvault-show-kv1.json")
    show["properties"]["networkAcls"] = {
        "bypass": "None", "defaultAction": "Deny",
        "ipRules": [{"value": "203.0.113.7/32"}, {"value": "198.51.100.0/24"}],
        "virtualNetworkRules": [
            {"id": f"{SUB}/rg-spokes-weu/providers/microsoft.network/virtualnetworks/spoke2/"
                   "subnets/snet-asp".lower(), "ignoreMissingVnetServiceEndpoint": False},
            {"id": f"{SUB}/rg-other/providers/microsoft.network/virtualnetworks/elsewhere/"
                   "subnets/default", "ignoreMissingVnetServiceEndpoint": False},
        ],
    }
    _write(az_dir / "keyvault-show-kv1.json", show)
    acls = import_az_json(az_dir).key_vaults[0].network_acls
    assert (acls.default_action, acls.bypass) == ("Deny", "None")
    assert acls.ip_rules == ("203.0.113.7/32", "198.51.100.0/24")
    assert acls.virtual_network_rules == ("spoke2/snet-asp",)  # unknown subnet dropped


def test_private_endpoint_ip_falls_back_to_its_nic(az_dir: Path) -> None:
    endpoints = _read(az_dir / "private-endpoint-list.json")
    endpoints[0]["customDnsConfigs"] = []
    _write(az_dir / "private-endpoint-list.json", endpoints)
    assert import_az_json(az_dir).private_endpoints[0].ip == "10.1.2.4"
    (az_dir / "nic-list.json").unlink()
    with pytest.raises(TopologyError, match=r"pe-kv1: customDnsConfigs\[\]\.ipAddresses: no "
                                            r"private IP address found"):
        import_az_json(az_dir)


def test_private_endpoint_to_a_vault_not_in_the_input(az_dir: Path) -> None:
    (az_dir / "keyvault-show-kv1.json").unlink()
    (az_dir / "keyvault-list.json").unlink()
    topo = import_az_json(az_dir)
    assert topo.private_endpoints == () and topo.key_vaults == ()
    assert recorded_gaps(topo) == (TopologyGap(
        "private_endpoint_to_unknown_vault", "pe-kv1 -> kv1",
        "private endpoint of a key vault that is not in the input: traffic to its address is "
        "not attributed to a vault", ("spoke1",)),)  # its /32 route is in spoke1's tables


def test_gateway_prefixes_from_local_gateways_and_connections(az_dir: Path) -> None:
    local = _read(az_dir / "local-gateway-list.json")
    local[0]["localNetworkAddressSpace"]["addressPrefixes"] = ["192.168.10.0/24"]
    _write(az_dir / "local-gateway-list.json", local)
    assert import_az_json(az_dir).gateways[0].local_network_prefixes == ("192.168.10.0/24",)
    # a second VPN gateway: without connections the importer cannot tell which one
    gateways = _read(az_dir / "vnet-gateway-list.json")
    second = json.loads(json.dumps(gateways[0]).replace("vgw-hub", "vgw-hub2"))
    second["bgpSettings"]["bgpPeeringAddresses"] = []
    second["bgpSettings"]["bgpPeeringAddress"] = "10.0.0.6"
    _write(az_dir / "vnet-gateway-list.json", [*gateways, second])
    with pytest.raises(TopologyError, match="lgw-office: cannot tell which virtual network "
                                            "gateway it connects to"):
        import_az_json(az_dir)
    hub = f"{SUB}/rg-hub-weu/providers/Microsoft.Network"
    _write(az_dir / "connections.json", [{
        "type": "Microsoft.Network/connections", "name": "cn-office",
        "id": f"{hub}/connections/cn-office", "connectionType": "IPsec",
        "virtualNetworkGateway1": {"id": f"{hub}/virtualNetworkGateways/vgw-hub2"},
        "localNetworkGateway2": {"id": f"{hub}/localNetworkGateways/lgw-office"},
    }])
    by_name = {g.name: g for g in import_az_json(az_dir).gateways}
    assert by_name["vgw-hub2"].local_network_prefixes == ("192.168.10.0/24",)
    assert by_name["vgw-hub2"].instance_ips == ("10.0.0.6",)  # from bgpPeeringAddress
    assert by_name["vgw-hub"].local_network_prefixes == ()


def test_active_standby_gateway_keeps_its_public_ip(az_dir: Path) -> None:
    gateways = _read(az_dir / "vnet-gateway-list.json")
    gateways[0]["activeActive"] = False
    _write(az_dir / "vnet-gateway-list.json", gateways)
    gateway = import_az_json(az_dir).gateways[0]
    assert (gateway.active_active, gateway.public_ip) == (False, "203.0.113.21")


def test_firewall_snat_ranges_from_classic_property(az_dir: Path) -> None:
    firewalls = _read(az_dir / "firewall-list.json")
    del firewalls[0]["firewallPolicy"]
    firewalls[0]["additionalProperties"] = {"Network.SNAT.PrivateRanges": "IANAPrivateRanges, "
                                                                          "203.0.113.0/24"}
    hub_firewall = json.loads(json.dumps(firewalls[0]))
    vwan = {"type": "Microsoft.Network/azureFirewalls", "name": "fw-vwan",
            "id": f"{SUB}/rg-vwan/providers/Microsoft.Network/azureFirewalls/fw-vwan",
            "ipConfigurations": [], "virtualHub": {"id": "/subscriptions/x/virtualHubs/h"}}
    _write(az_dir / "firewall-list.json", [hub_firewall, vwan])
    firewalls_out = import_az_json(az_dir).firewalls
    assert [f.name for f in firewalls_out] == ["fw-hub"]  # Virtual WAN hub firewall skipped
    assert firewalls_out[0].snat_private_ranges == (*IANA_PRIVATE_RANGES, "203.0.113.0/24")


def test_route_to_a_service_tag_becomes_a_service_prefix_to_fill(az_dir: Path) -> None:
    tables = _read(az_dir / "route-table-list.json")
    tables[0]["routes"].append({"addressPrefix": "AzureKeyVault.WestEurope", "name": "kv-direct",
                                "nextHopType": "Internet",
                                "type": "Microsoft.Network/routeTables/routes"})
    _write(az_dir / "route-table-list.json", tables)
    topo = import_az_json(az_dir)
    assert topo.route_tables[0].routes[1].address_prefix == "AzureKeyVault.WestEurope"
    assert topo.service_prefixes == (("AzureKeyVault.WestEurope", ()),)


def test_subnet_service_endpoints_and_policies_are_read(az_dir: Path) -> None:
    vnets = _read(az_dir / "vnet-list.json")
    subnet = vnets[1]["subnets"][1]
    subnet["privateEndpointNetworkPolicies"] = "RouteTableEnabled"
    subnet["serviceEndpoints"] = [{"locations": ["westeurope"], "provisioningState": "Succeeded",
                                   "service": "Microsoft.KeyVault"}]
    subnet["routeTable"] = {"id": f"{SUB}/rg-spokes-weu/providers/Microsoft.Network/routeTables/"
                                  "rt-spoke2", "resourceGroup": "rg-spokes-weu"}
    _write(az_dir / "vnet-list.json", vnets)
    imported = import_az_json(az_dir).vnets[1].subnets[1]
    assert imported.ref == "spoke1/snet-pe"
    assert imported.private_endpoint_network_policies == "RouteTableEnabled"
    assert imported.service_endpoints == ("Microsoft.KeyVault",)
    assert imported.route_table == "rt-spoke2"


def test_peering_to_a_vnet_outside_the_input(az_dir: Path, run_netlogs: Run,
                                             tmp_path: Path) -> None:
    vnets = _read(az_dir / "vnet-list.json")
    _write(az_dir / "vnet-list.json", [v for v in vnets if v["name"] != "spoke3"])
    out = tmp_path / "t.yaml"
    code, _, err = run_netlogs("topology", "import", "--az-json", str(az_dir), "--out", str(out))
    assert code == 0
    assert err.splitlines()[-1] == (
        "Warning: topology gap: peering to a VNet outside the input: routes learned through it "
        "are not modelled [1: hub/hub-to-spoke3 -> spoke3]")
    hub = load_topology(out).vnets[0]
    assert [p.remote_vnet for p in hub.peerings] == ["spoke1", "spoke2"]


def test_bad_json_and_empty_input(az_dir: Path, tmp_path: Path) -> None:
    (az_dir / "broken.json").write_text('[\n  {"type": "x",\n]\n')
    with pytest.raises(TopologyError) as caught:
        import_az_json(az_dir)
    assert str(caught.value) == (f"{az_dir / 'broken.json'}: line 3, column 1: JSON syntax "
                                 "error: Expecting property name enclosed in double quotes")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(TopologyError, match=r"no Microsoft\.Network/virtualNetworks resource"):
        import_az_json(empty)


def test_duplicate_keys_and_absurd_nesting_in_az_json_are_refused(az_dir: Path) -> None:
    (az_dir / "twice.json").write_text('[{"type": "Microsoft.Network/virtualNetworks",\n'
                                       ' "name": "a", "name": "b"}]\n')
    with pytest.raises(TopologyError) as caught:
        import_az_json(az_dir)
    assert str(caught.value) == (f"{az_dir / 'twice.json'}: document: JSON error: key 'name' "
                                 "appears twice in one object")
    (az_dir / "twice.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(TopologyError, match=r"twice\.json: document: nested too deeply"):
        import_az_json(az_dir)


@pytest.mark.parametrize(("file", "mutate", "expected"), [
    ("private-endpoint-list.json",
     lambda d: d[0]["privateLinkServiceConnections"][0].__setitem__("groupIds", 5),
     "pe-kv1: privateLinkServiceConnections[].groupIds: expected a list of strings"),
    ("private-endpoint-list.json", lambda d: d[0].__setitem__("subnet", {"id": 7}),
     "pe-kv1: subnet.id: '7' is not a subnet id"),
    ("vnet-list.json", lambda d: d[0]["addressSpace"].__setitem__("addressPrefixes", "10.0.0.0/16"),
     "virtualNetworks/hub: addressSpace.addressPrefixes: expected a list of strings"),
    ("vnet-list.json", lambda d: d[0]["subnets"][0].__setitem__("addressPrefixes", "10.0.0.0/27"),
     "virtualNetworks/hub: subnets[GatewaySubnet].addressPrefixes: expected a list of strings"),
    ("vnet-gateway-list.json", lambda d: d[0]["bgpSettings"].__setitem__(
        "bgpPeeringAddresses", [{"defaultBgpIpAddresses": 5}]),
     "vgw-hub: bgpSettings.bgpPeeringAddresses[].defaultBgpIpAddresses: expected a list of "
     "strings"),
    ("local-gateway-list.json",
     lambda d: d[0]["localNetworkAddressSpace"].__setitem__("addressPrefixes", 5),
     "lgw-office: localNetworkAddressSpace.addressPrefixes: expected a list of strings"),
    ("private-endpoint-list.json",
     lambda d: d[0].__setitem__("customDnsConfigs", [{"ipAddresses": [5]}]),
     "pe-kv1: customDnsConfigs[].ipAddresses: expected a list of strings"),
])
def test_wrongly_typed_lists_are_one_error_not_a_crash(
    az_dir: Path, file: str, mutate: Callable[[Any], Any], expected: str
) -> None:
    data = _read(az_dir / file)
    mutate(data)
    _write(az_dir / file, data)
    with pytest.raises(TopologyError) as caught:
        import_az_json(az_dir)
    assert str(caught.value).endswith(expected)


def test_references_are_matched_by_resource_id_not_by_name(az_dir: Path) -> None:
    """A route table of another subscription that happens to share a name is not this one."""
    vnets = _read(az_dir / "vnet-list.json")
    snet_vm = next(s for s in vnets[2]["subnets"] if s["name"] == "snet-vm")
    other = ("/subscriptions/9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b/resourceGroups/rg-spokes-weu/"
             "providers/Microsoft.Network/routeTables/rt-spoke2")
    snet_vm["routeTable"] = {"id": other, "resourceGroup": "rg-spokes-weu"}
    _write(az_dir / "vnet-list.json", vnets)
    topo = import_az_json(az_dir)
    assert next(s for s in topo.vnets[2].subnets if s.name == "snet-vm").route_table is None
    assert [(g.construct, g.resource, g.scope) for g in recorded_gaps(topo)] == [
        ("route_table_outside_input", "spoke2/snet-vm -> rt-spoke2", ("spoke2",))]
    snet_vm["routeTable"]["id"] = other.replace("9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
                                                "6A1F3C2E-4B5D-4E8F-9A0B-1C2D3E4F5A6B").lower()
    _write(az_dir / "vnet-list.json", vnets)
    topo = import_az_json(az_dir)  # the same id in other casing is the same table
    assert next(s for s in topo.vnets[2].subnets if s.name == "snet-vm").route_table == "rt-spoke2"
    assert recorded_gaps(topo) == ()
