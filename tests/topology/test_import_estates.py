"""`topology import` of Virtual WAN, NSG, private DNS and AVNM exports (real az CLI shapes):
the imported estate gives the answers of the hand-written topology, not gaps."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from netlogs.model import Confidence
from netlogs.paths import expected_path
from netlogs.topology.azure_import import import_az_json, write_topology_file
from netlogs.topology.import_notes import ImportNotes
from netlogs.topology.loader import load_topology, topology_from_mapping
from netlogs.topology.model import Topology

# The Virtual WAN estate of the routing worked examples, written by hand.
HAND_WRITTEN = """\
virtualNetworks:
  - name: vnet-app
    location: northeurope
    addressPrefixes: [10.61.0.0/16]
    subnets:
      - {name: snet-app, addressPrefix: 10.61.1.0/24}
      - {name: snet-pe, addressPrefix: 10.61.2.0/24}
  - name: vnet-data
    location: northeurope
    addressPrefixes: [10.62.0.0/16]
    subnets:
      - {name: snet-data, addressPrefix: 10.62.1.0/24}
  - name: vnet-legacy
    location: northeurope
    addressPrefixes: [100.70.0.0/16]
    subnets:
      - {name: snet, addressPrefix: 100.70.1.0/24}
virtualHubs:
  - name: vhub-ne
    addressPrefix: 10.60.0.0/23
    virtualNetworkConnections: [vnet-app, vnet-data, vnet-legacy]
    firewall: afw-vhub-ne
    firewallPrivateIpAddress: 10.60.0.132
    firewallPublicIpAddresses: [198.51.100.40]
    virtualRouterIps: [10.60.0.68, 10.60.0.69]
    vpnGatewayIpAddresses: [10.60.0.12, 10.60.0.13]
    routingIntent: [PrivateTraffic, Internet]
    privateTrafficPrefixes: [100.70.0.0/16]
    branchAddressPrefixes: [172.22.0.0/16]
    virtualWan: vwan-core
privateEndpoints:
  - {name: pe-ledger, subnet: vnet-app/snet-pe, privateIpAddress: 10.61.2.5, target: kv-ledger}
keyVaults:
  - name: kv-ledger
    publicNetworkAccess: Disabled
    networkAcls: {defaultAction: Deny, bypass: AzureServices}
privateDnsZones:
  - name: privatelink.vaultcore.azure.net
    virtualNetworkLinks: [vnet-app, vnet-data]
    aRecords:
      - {name: kv-ledger, ipv4Address: 10.61.2.5}
networkSecurityGroups:
  - name: nsg-app
    subnets: [vnet-app/snet-app]
    securityRules:
      - {name: deny-rdp-in, priority: 300, access: Deny, protocol: Tcp,
         sourceAddressPrefixes: [Internet], destinationPortRanges: ['3389']}
  - name: nsg-data
    subnets: [vnet-data/snet-data]
    securityRules:
      - {name: allow-kv-out, priority: 200, direction: Outbound, protocol: Tcp,
         sourceAddressPrefixes: [10.62.1.0/24], destinationAddressPrefixes: [10.61.2.0/24],
         destinationPortRanges: ['443']}
"""
FLOWS = [("10.62.1.4", "kv-ledger", None), ("10.61.1.4", "kv-ledger", None),
         ("10.61.1.4", "100.70.1.4", 443), ("10.62.1.4", "10.61.1.4", 443)]
# ARM / Resource Graph keep these at the top level and wrap the rest in `properties`
ARM_TOP_LEVEL = {"id", "name", "type", "location", "etag", "resourceGroup", "tags", "sku"}


@pytest.fixture
def vwan_dir(fixtures: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(fixtures / "az_vwan", tmp_path / "az_vwan"))


def _edit(path: Path, change: Any) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _as_arm(item: Any) -> Any:
    """An az CLI object in the ARM shape (Resource Graph also lower-cases the type)."""
    if not isinstance(item, dict) or "type" not in item or "properties" in item:
        return item
    arm = {k: v for k, v in item.items() if k in ARM_TOP_LEVEL}
    arm["type"] = str(item["type"]).lower()
    arm["properties"] = {k: v for k, v in item.items() if k not in ARM_TOP_LEVEL}
    return arm


def _same_model(imported: Topology, written: Topology) -> None:
    assert replace(imported, source="", gaps=()) == replace(written, source="", gaps=())


def test_a_secured_hub_estate_imports_to_the_hand_written_topology(
    fixtures: Path, tmp_path: Path
) -> None:
    notes = ImportNotes()
    imported = import_az_json(fixtures / "az_vwan", notes)
    (tmp_path / "w.yaml").write_text(HAND_WRITTEN)
    written = load_topology(tmp_path / "w.yaml")
    _same_model(imported, written)
    # the HV_ peerings stand for the hub connections: no virtual_hub_connection gap
    assert notes.gaps == []
    assert "virtual_hub_connection" not in {g.construct for g in imported.gaps}
    for source, destination, port in FLOWS:
        assert expected_path(imported, source, destination, port) == \
            expected_path(written, source, destination, port)
    path = expected_path(imported, "10.62.1.4", "kv-ledger")
    assert (path.delivered, path.firewalls, path.confidence, path.unevaluated) == (
        True, ("afw-vhub-ne",), Confidence.HIGH, ())


def test_cli_path_over_an_imported_secured_hub(
    fixtures: Path, tmp_path: Path, run_netlogs: Any
) -> None:
    out = tmp_path / "topology.yaml"
    code, _, err = run_netlogs("topology", "import", "--az-json", str(fixtures / "az_vwan"),
                               "--out", str(out))
    assert code == 0
    assert "ignored 3 peerings standing for Virtual WAN hub connections" in err
    assert "topology gap" not in err
    code, stdout, _ = run_netlogs("path", "--from", "10.62.1.4", "--to", "kv-ledger",
                                  "--topology", str(out), "-o", "json")
    answer = json.loads(stdout)
    assert (code, answer["delivered"], answer["firewalls"], answer["confidence"]) == (
        0, True, ["afw-vhub-ne"], "high")
    assert "routing intent to the hub firewall" in answer["hops"][1]["detail"]


def test_arm_shapes_import_to_the_same_topology(fixtures: Path, tmp_path: Path) -> None:
    for name in ("az_vwan", "az_avnm", "az_avnm_rules"):
        arm = tmp_path / name
        arm.mkdir()
        for source in (fixtures / name).glob("*.json"):
            data = json.loads(source.read_text())
            shaped = [_as_arm(x) for x in data] if isinstance(data, list) else _as_arm(data)
            (arm / source.name).write_text(json.dumps({"data": shaped}
                                                      if isinstance(shaped, list) else shaped))
        assert replace(import_az_json(arm), source="") == \
            replace(import_az_json(fixtures / name), source="")


def test_without_the_hub_exports_the_hub_peering_stays_a_gap(vwan_dir: Path) -> None:
    for name in ("vhub-list.json", "vhub-connection-list.json"):
        (vwan_dir / name).unlink()
    notes = ImportNotes()
    imported = import_az_json(vwan_dir, notes)
    assert imported.virtual_hubs == ()
    assert {g.construct for g in notes.gaps} == {"virtual_hub_connection"}
    path = expected_path(imported, "10.62.1.4", "kv-ledger")
    assert path.confidence is Confidence.LOW


def test_a_connection_to_a_vnet_outside_the_input_is_a_gap(vwan_dir: Path) -> None:
    def drop_legacy(vnets: list[dict[str, Any]]) -> None:
        vnets[:] = [v for v in vnets if v["name"] != "vnet-legacy"]
    _edit(vwan_dir / "vnet-list.json", drop_legacy)
    notes = ImportNotes()
    imported = import_az_json(vwan_dir, notes)
    assert imported.virtual_hubs[0].connections == ("vnet-app", "vnet-data")
    assert [(g.construct, g.resource, g.scope) for g in notes.gaps] == [
        ("virtual_hub_connection", "vhub-ne/conn-legacy -> vnet-legacy",
         ("vnet-app", "vnet-data"))]


def test_routing_intent_without_the_firewall_object_is_not_assumed(vwan_dir: Path) -> None:
    (vwan_dir / "firewall-list.json").unlink()
    notes = ImportNotes()
    imported = import_az_json(vwan_dir, notes)
    assert imported.virtual_hubs[0].routing_intent == ()
    assert [g.construct for g in notes.gaps] == ["routing_intent_next_hop"]
    assert expected_path(imported, "10.62.1.4", "kv-ledger").confidence is Confidence.LOW


def test_private_dns_zones_and_links_remove_the_dns_gap(vwan_dir: Path) -> None:
    with_zones = expected_path(import_az_json(vwan_dir), "10.62.1.4", "kv-ledger")
    assert with_zones.unevaluated == ()
    assert "A record kv-ledger in privatelink.vaultcore.azure.net" in with_zones.hops[0].detail
    for name in ("private-dns-zone-list.json", "private-dns-link-vnet-list.json",
                 "private-dns-record-set-a-list.json"):
        (vwan_dir / name).unlink()
    without = expected_path(import_az_json(vwan_dir), "10.62.1.4", "kv-ledger")
    assert "dns_not_described" in without.unevaluated
    assert without.confidence is Confidence.LOW


def test_a_zone_not_linked_to_the_client_vnet_answers_public(vwan_dir: Path) -> None:
    (vwan_dir / "private-dns-link-vnet-list.json").write_text("[]")
    imported = import_az_json(vwan_dir)
    assert imported.private_dns_zones[0].virtual_network_links == ()
    path = expected_path(imported, "10.62.1.4", "kv-ledger")
    assert "not linked to vnet-data" in path.hops[0].detail


def test_an_imported_nsg_deny_rule_drops_the_path_naming_it(vwan_dir: Path) -> None:
    def deny(nsgs: list[dict[str, Any]]) -> None:
        rule = nsgs[1]["securityRules"][0]
        rule.update(name="deny-kv-out", access="Deny")
    _edit(vwan_dir / "nsg-list.json", deny)
    imported = import_az_json(vwan_dir)
    assert [n.subnets for n in imported.network_security_groups] == [
        ("vnet-app/snet-app",), ("vnet-data/snet-data",)]
    path = expected_path(imported, "10.62.1.4", "kv-ledger", 443)
    assert not path.delivered
    assert "nsg-data rule deny-kv-out (outbound at vnet-data/snet-data)" in (path.drop_reason or "")
    allowed = expected_path(imported, "10.62.1.4", "kv-ledger", 8443)  # the rule says 443
    assert allowed.delivered


def test_nsg_rules_the_model_cannot_read_become_gaps(vwan_dir: Path) -> None:
    def add(nsgs: list[dict[str, Any]]) -> None:
        nsgs[1]["securityRules"].append({
            **nsgs[1]["securityRules"][0], "name": "deny-asg", "priority": 150,
            "access": "Deny", "destinationAddressPrefix": None,
            "destinationApplicationSecurityGroups": [{"id": "/subscriptions/x/asg-kv"}]})
        nsgs[0]["networkInterfaces"] = [{"id": "/subscriptions/x/networkInterfaces/vm-app-nic"}]
    _edit(vwan_dir / "nsg-list.json", add)
    notes = ImportNotes()
    imported = import_az_json(vwan_dir, notes)
    assert [(g.construct, g.resource, g.scope) for g in notes.gaps] == [
        ("network_security_group_on_nic", "nsg-app on vm-app-nic", ()),
        ("network_security_group_asg", "nsg-data/deny-asg", ("vnet-data",))]
    assert [r.name for r in imported.network_security_groups[1].rules] == ["allow-kv-out"]
    path = expected_path(imported, "10.62.1.4", "kv-ledger", 443)
    assert path.confidence is Confidence.LOW  # the rule it could not read is on this path


def test_firewall_dns_proxy_forwarding_to_a_private_resolver(vwan_dir: Path) -> None:
    """vnet-data points at the hub firewall's DNS proxy, which forwards to a Private Resolver
    inbound endpoint in vnet-app: the answer is vnet-app's view (its zone link)."""
    def point_at_proxy(vnets: list[dict[str, Any]]) -> None:
        vnets[1]["dhcpOptions"] = {"dnsServers": ["10.60.0.132"]}
    _edit(vwan_dir / "vnet-list.json", point_at_proxy)
    (vwan_dir / "dns-resolver-inbound-endpoint-list.json").write_text(json.dumps([{
        "id": "/subscriptions/5f0c1b2a-0000-4000-8000-000000000001/resourceGroups/rg-dns/"
              "providers/Microsoft.Network/dnsResolvers/dnspr-hub/inboundEndpoints/in-1",
        "ipConfigurations": [{"privateIpAddress": "10.61.1.10",
                              "privateIpAllocationMethod": "Dynamic",
                              "subnet": {"id": "/subscriptions/5f0c1b2a-0000-4000-8000-"
                                               "000000000001/resourceGroups/rg-app/providers/"
                                               "Microsoft.Network/virtualNetworks/vnet-app/"
                                               "subnets/snet-app"}}],
        "location": "northeurope", "name": "in-1", "provisioningState": "Succeeded",
        "type": "Microsoft.Network/dnsResolvers/inboundEndpoints"}]))
    _edit(vwan_dir / "firewall-policy-show-fp-core.json",
          lambda p: p["dnsSettings"].update(servers=["10.61.1.10"]))
    imported = import_az_json(vwan_dir)
    assert imported.vnets[1].dns_servers == ("10.60.0.132",)
    assert [(r.name, r.kind, r.forward_to, r.virtual_network) for r in imported.dns_resolvers] == [
        ("dnspr-hub/in-1", "privateResolverInbound", None, "vnet-app"),
        ("afw-vhub-ne-dns-proxy", "firewallDnsProxy", "10.61.1.10", None)]
    path = expected_path(imported, "10.62.1.4", "kv-ledger")
    assert path.delivered and path.unevaluated == ()
    assert "linked to vnet-app" in path.hops[0].detail


def test_avnm_mesh_from_static_members(fixtures: Path, tmp_path: Path) -> None:
    imported = import_az_json(fixtures / "az_avnm")
    (config,) = imported.connectivity_configurations
    assert (config.name, config.topology, config.members, config.is_global) == (
        "cc-mesh", "Mesh", ("vnet-m1", "vnet-m2"), False)
    path = expected_path(imported, "10.81.1.4", "10.82.2.4", 443)
    assert path.delivered and "ConnectedGroup 10.82.0.0/16" in path.hops[1].detail
    members = tmp_path / "az_avnm"
    shutil.copytree(fixtures / "az_avnm", members)
    (members / "manager-group-static-member-list.json").unlink()  # dynamic (Policy) members
    notes = ImportNotes()
    without = import_az_json(members, notes)
    assert without.connectivity_configurations == ()
    assert [g.construct for g in notes.gaps] == ["network_group_members_unknown"]
    assert not expected_path(without, "10.81.1.4", "10.82.2.4", 443).delivered


@pytest.mark.parametrize("name", ["az_vwan", "az_avnm"])
def test_import_yaml_load_round_trip(fixtures: Path, tmp_path: Path, name: str) -> None:
    imported = import_az_json(fixtures / name)
    write_topology_file(imported, tmp_path / "t.yaml")
    assert replace(load_topology(tmp_path / "t.yaml"), source="") == replace(imported, source="")


def test_the_mapping_loads_like_the_file(fixtures: Path) -> None:
    """The importer's mapping is the documented format: the loader accepts it unchanged."""
    from netlogs.topology.arm_shapes import read_resources
    from netlogs.topology.azure_import import mapping_from_resources

    mapping = mapping_from_resources(read_resources(fixtures / "az_vwan"))
    assert set(mapping) >= {"virtualHubs", "networkSecurityGroups", "privateDnsZones"}
    assert topology_from_mapping(mapping, source="m").virtual_hubs[0].firewall == "afw-vhub-ne"


def test_custom_hub_routing_is_a_gap_on_the_connected_vnets(vwan_dir: Path) -> None:
    def static_route(connections: list[dict[str, Any]]) -> None:
        connections[1]["routingConfiguration"]["vnetRoutes"]["staticRoutes"] = [
            {"addressPrefixes": ["10.99.0.0/16"], "name": "to-nva",
             "nextHopIpAddress": "10.62.1.9"}]

    def nva_route(tables: list[dict[str, Any]]) -> None:
        tables[0]["routes"].append({"destinationType": "CIDR", "destinations": ["10.99.0.0/16"],
                                    "name": "to-nva", "nextHop": "conn-data",
                                    "nextHopType": "ResourceId"})
    _edit(vwan_dir / "vhub-connection-list.json", static_route)
    _edit(vwan_dir / "vhub-route-table-list.json", nva_route)
    notes = ImportNotes()
    imported = import_az_json(vwan_dir, notes)
    assert sorted(g.resource for g in notes.gaps if g.construct == "virtual_hub_custom_routing") \
        == ["vhub-ne/conn-data static routes", "vhub-ne/defaultRouteTable route to-nva"]
    assert notes.gaps[0].scope == ("vnet-app", "vnet-data", "vnet-legacy")
    assert expected_path(imported, "10.62.1.4", "kv-ledger").confidence is Confidence.LOW


def test_a_subnet_whose_nsg_is_not_exported_is_a_gap(vwan_dir: Path) -> None:
    (vwan_dir / "nsg-list.json").unlink()
    notes = ImportNotes()
    imported = import_az_json(vwan_dir, notes)
    assert [(g.construct, g.resource, g.scope) for g in notes.gaps] == [
        ("network_security_group_outside_input", "vnet-app/snet-app -> nsg-app", ("vnet-app",)),
        ("network_security_group_outside_input", "vnet-data/snet-data -> nsg-data",
         ("vnet-data",))]
    assert expected_path(imported, "10.62.1.4", "kv-ledger").confidence is Confidence.LOW
