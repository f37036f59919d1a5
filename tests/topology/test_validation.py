"""Every kind of bad topology input: one line naming file, resource and field — via the loader
and via `netlogs topology validate` (stderr `Error: ...`, exit 2, no traceback)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from netlogs.errors import TopologyError
from netlogs.topology.loader import load_topology

Data = dict[str, Any]


def _vnet(data: Data, name: str) -> Data:
    return next(v for v in data["virtualNetworks"] if v["name"] == name)


def _subnet(data: Data, vnet: str, name: str) -> Data:
    return next(s for s in _vnet(data, vnet)["subnets"] if s["name"] == name)


def _set(path: Callable[[Data], Data], **changes: Any) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        target = path(data)
        for key, value in changes.items():
            if value is _DELETE:
                del target[key]
            else:
                target[key] = value

    return mutate


_DELETE = object()
snet_pe = lambda d: _subnet(d, "spoke1", "snet-pe")  # noqa: E731
snet_vm = lambda d: _subnet(d, "spoke2", "snet-vm")  # noqa: E731
pe = lambda d: d["privateEndpoints"][0]  # noqa: E731
route = lambda d: d["routeTables"][0]["routes"][0]  # noqa: E731
client_vm = lambda d: d["clients"][0]  # noqa: E731
client_onprem = lambda d: d["clients"][2]  # noqa: E731
hub_peering = lambda d: _vnet(d, "hub")["virtualNetworkPeerings"][0]  # noqa: E731

CASES: list[tuple[str, Callable[[Data], None], str]] = [
    ("unknown subnet", _set(pe, subnet="spoke1/snet-nope"),
     "privateEndpoints[pe-kv1]: subnet: unknown subnet 'spoke1/snet-nope'"),
    ("subnet ref without vnet", _set(client_vm, subnet="snet-vm"),
     "clients[vm-app]: subnet: 'snet-vm' is not of the form 'vnet/subnet'"),
    ("unknown route table", _set(snet_vm, routeTable="rt-missing"),
     "virtualNetworks[spoke2].subnets[snet-vm]: routeTable: unknown route table 'rt-missing'"),
    ("unknown peered vnet", _set(hub_peering, remoteVirtualNetwork="spoke9"),
     "virtualNetworks[hub].virtualNetworkPeerings[hub-to-spoke1]: remoteVirtualNetwork: "
     "unknown virtual network 'spoke9'"),
    ("unknown firewall vnet", _set(lambda d: d["firewalls"][0], virtualNetwork="hub2"),
     "firewalls[fw-hub]: virtualNetwork: unknown virtual network 'hub2'"),
    ("unknown gateway vnet", _set(lambda d: d["virtualNetworkGateways"][0], virtualNetwork="x"),
     "virtualNetworkGateways[vgw-hub]: virtualNetwork: unknown virtual network 'x'"),
    ("unknown vault", _set(pe, target="kv9"),
     "privateEndpoints[pe-kv1]: target: unknown key vault 'kv9'"),
    ("unknown vault in rule", _set(lambda d: d["designRules"][0], vault="kv9"),
     "designRules[kv9]: vault: unknown key vault 'kv9'"),
    ("unknown firewall in rule", _set(lambda d: d["designRules"][0], requireFirewall="fw-x"),
     "designRules[kv1]: requireFirewall: unknown firewall 'fw-x'"),
    ("unknown gateway", _set(client_onprem, gateway="vgw-nope"),
     "clients[onprem-office]: gateway: unknown virtual network gateway 'vgw-nope'"),
    ("overlapping subnets", _set(lambda d: _subnet(d, "spoke1", "snet-app1"),
                                 addressPrefix="10.1.2.0/25"),
     "virtualNetworks[spoke1].subnets[snet-app1]: addressPrefixes: 10.1.2.0/25 overlaps subnet "
     "snet-pe (10.1.2.0/24)"),
    ("subnet outside vnet", _set(snet_pe, addressPrefix="10.9.2.0/24"),
     "virtualNetworks[spoke1].subnets[snet-pe]: addressPrefixes: 10.9.2.0/24 is outside the "
     "VNet's address space (10.1.0.0/16)"),
    ("vnet ranges overlap", _set(lambda d: _vnet(d, "spoke3"),
                                 addressPrefixes=["10.3.0.0/16", "10.3.4.0/24"]),
     "virtualNetworks[spoke3]: addressPrefixes: 10.3.0.0/16 overlaps 10.3.4.0/24"),
    ("peered vnets overlap", _set(lambda d: _vnet(d, "spoke3"), addressPrefixes=["10.0.128.0/17"]),
     "virtualNetworks[hub].virtualNetworkPeerings[hub-to-spoke3]: remoteVirtualNetwork: peered "
     "VNets overlap (hub 10.0.0.0/16, spoke3 10.0.128.0/17)"),
    ("one-sided peering", _set(lambda d: _vnet(d, "spoke3"), virtualNetworkPeerings=_DELETE),
     "virtualNetworks[hub].virtualNetworkPeerings[hub-to-spoke3]: remoteVirtualNetwork: spoke3 "
     "has no peering back to hub (a Connected peering has two sides; add it or set "
     "peeringState: Initiated)"),
    ("invalid CIDR", _set(snet_pe, addressPrefix=_DELETE, addressPrefixes=["10.1.2.0/33"]),
     "virtualNetworks[spoke1].subnets[snet-pe]: addressPrefixes: '10.1.2.0/33' is not a valid "
     "CIDR"),
    ("CIDR with host bits", _set(snet_pe, addressPrefix="10.1.2.4/24"),
     "virtualNetworks[spoke1].subnets[snet-pe]: addressPrefix: '10.1.2.4/24' has host bits set "
     "(did you mean '10.1.2.0/24'?)"),
    ("invalid IP", _set(pe, privateIpAddress="10.1.2.300"),
     "privateEndpoints[pe-kv1]: privateIpAddress: '10.1.2.300' is not a valid IP address"),
    ("PE IP outside its subnet", _set(pe, privateIpAddress="10.1.1.4"),
     "privateEndpoints[pe-kv1]: privateIpAddress: 10.1.1.4 is outside subnet spoke1/snet-pe "
     "(10.1.2.0/24)"),
    ("firewall IP outside its subnet",
     _set(lambda d: d["firewalls"][0], privateIpAddress="10.0.1.4"),
     "firewalls[fw-hub]: privateIpAddress: 10.0.1.4 is outside subnet hub/AzureFirewallSubnet "
     "(10.0.0.64/26)"),
    ("unknown next hop type", _set(route, nextHopType="VirtualApliance"),
     "routeTables[rt-spoke2].routes[default-to-fw]: nextHopType: unknown next hop type "
     "'VirtualApliance' (expected one of VirtualAppliance, VirtualNetworkGateway, VnetLocal, "
     "Internet, None)"),
    ("appliance without IP", _set(route, nextHopIpAddress=_DELETE),
     "routeTables[rt-spoke2].routes[default-to-fw]: nextHopIpAddress: required when nextHopType "
     "is VirtualAppliance"),
    ("IP on a non-appliance hop", _set(route, nextHopType="Internet"),
     "routeTables[rt-spoke2].routes[default-to-fw]: nextHopIpAddress: only allowed with "
     "VirtualAppliance, not Internet"),
    ("route prefix neither CIDR nor tag", _set(route, addressPrefix="AzureKeyVault"),
     "routeTables[rt-spoke2].routes[default-to-fw]: addressPrefix: 'AzureKeyVault' is neither a "
     "CIDR nor a service tag listed in servicePrefixes"),
    ("missing vnet prefixes", _set(lambda d: _vnet(d, "spoke3"), addressPrefixes=_DELETE),
     "virtualNetworks[spoke3]: addressPrefixes: required field is missing"),
    ("missing subnet prefix", _set(snet_pe, addressPrefix=_DELETE),
     "virtualNetworks[spoke1].subnets[snet-pe]: addressPrefixes: required field is missing"),
    ("missing next hop type", _set(route, nextHopType=_DELETE),
     "routeTables[rt-spoke2].routes[default-to-fw]: nextHopType: required field is missing"),
    ("missing PE target", _set(pe, target=_DELETE),
     "privateEndpoints[pe-kv1]: target: required field is missing"),
    ("missing name", _set(lambda d: d["keyVaults"][0], name=_DELETE),
     "keyVaults[0]: name: required field is missing"),
    ("list given a string", _set(lambda d: _vnet(d, "spoke3"), addressPrefixes="10.3.0.0/16"),
     "virtualNetworks[spoke3]: addressPrefixes: expected a list, got a string ('10.3.0.0/16')"),
    ("bool given 'yes'", _set(hub_peering, allowGatewayTransit="yes"),
     "virtualNetworks[hub].virtualNetworkPeerings[hub-to-spoke1]: allowGatewayTransit: expected "
     "true or false, got a string ('yes')"),
    ("string given a number", _set(pe, target=7),
     "privateEndpoints[pe-kv1]: target: expected a non-empty string, got a number (7)"),
    ("mapping expected", _set(lambda d: d, keyVaults=["kv1"]),
     "keyVaults[0]: expected a mapping, got a string ('kv1')"),
    ("unknown PE network policy", _set(snet_pe, privateEndpointNetworkPolicies="Disable"),
     "virtualNetworks[spoke1].subnets[snet-pe]: privateEndpointNetworkPolicies: 'Disable' is not "
     "one of Disabled, Enabled, NetworkSecurityGroupEnabled, RouteTableEnabled"),
    ("unknown key (typo)", _set(snet_vm, routetable="rt-spoke2"),
     "virtualNetworks[spoke2].subnets[snet-vm]: unknown field 'routetable' (did you mean "
     "'routeTable'?)"),
    ("unknown top-level key", _set(lambda d: d, keyvaults=[]),
     "topology: unknown field 'keyvaults' (did you mean 'keyVaults'?)"),
    ("both prefix spellings", _set(snet_pe, addressPrefixes=["10.1.2.0/24"]),
     "virtualNetworks[spoke1].subnets[snet-pe]: addressPrefix: give addressPrefix or "
     "addressPrefixes, not both"),
    ("duplicate vnet name", lambda d: d["virtualNetworks"].append(
        {"name": "spoke3", "addressPrefixes": ["10.30.0.0/16"]}),
     "virtualNetworks[spoke3]: name: used by more than one entry"),
    ("vm client without subnet", _set(client_vm, subnet=_DELETE),
     "clients[vm-app]: subnet: required for a client of kind vm"),
    ("onprem client without gateway", _set(client_onprem, gateway=_DELETE),
     "clients[onprem-office]: gateway: required for a client of kind onprem"),
    ("client IP outside its subnet", _set(client_vm, ipAddresses=["10.2.9.4"]),
     "clients[vm-app]: ipAddresses: 10.2.9.4 is outside subnet spoke2/snet-vm (10.2.1.0/24)"),
    # addresses Azure keeps in every subnet: network, .1-.3, broadcast
    *[(f"PE on reserved {ip}", _set(pe, privateIpAddress=ip),
       f"privateEndpoints[pe-kv1]: privateIpAddress: {ip} is reserved by Azure in subnet "
       "spoke1/snet-pe (10.1.2.0/24: its network address, first three host addresses and "
       "broadcast address cannot be assigned)")
      for ip in ("10.1.2.0", "10.1.2.1", "10.1.2.2", "10.1.2.3", "10.1.2.255")],
    ("client on the broadcast address", _set(client_vm, ipAddresses=["10.2.1.4", "10.2.1.255"]),
     "clients[vm-app]: ipAddresses: 10.2.1.255 is reserved by Azure in subnet spoke2/snet-vm "
     "(10.2.1.0/24: its network address, first three host addresses and broadcast address "
     "cannot be assigned)"),
    ("two PEs on one address", lambda d: d["privateEndpoints"].append(
        {"name": "pe-kv1-b", "subnet": "spoke1/snet-pe", "privateIpAddress": "10.1.2.4",
         "target": "kv1"}),
     "privateEndpoints[pe-kv1-b]: privateIpAddress: 10.1.2.4 is also the address of "
     "privateEndpoints[pe-kv1] (VNet spoke1): two endpoints cannot share an address"),
    ("two clients on one address", lambda d: d["clients"].append(
        {"name": "vm-app-2", "subnet": "spoke2/snet-vm", "ipAddresses": ["10.2.1.4"]}),
     "clients[vm-app-2]: ipAddresses: 10.2.1.4 is also the address of clients[vm-app] "
     "(VNet spoke2): two endpoints cannot share an address"),
    ("a client on the PE's address", lambda d: d["clients"].append(
        {"name": "vm-pe", "subnet": "spoke1/snet-pe", "ipAddresses": ["10.1.2.4"]}),
     "clients[vm-pe]: ipAddresses: 10.1.2.4 is also the address of privateEndpoints[pe-kv1] "
     "(VNet spoke1): two endpoints cannot share an address"),
    ("on-premises clients sharing a range", lambda d: d["clients"].append(
        {"name": "onprem-2", "kind": "onprem", "ipAddresses": ["172.20.0.0/16"],
         "gateway": "vgw-hub"}),
     "clients[onprem-2]: ipAddresses: 172.20.0.0/16 is also the address of "
     "clients[onprem-office] (via gateway vgw-hub): two endpoints cannot share an address"),
    ("a subnet overlapping an earlier one's second prefix",
     _set(lambda d: _subnet(d, "spoke2", "snet-asp"), addressPrefix=_DELETE,
          addressPrefixes=["10.2.3.0/26", "10.2.0.0/23"]),
     "virtualNetworks[spoke2].subnets[snet-vm]: addressPrefixes: 10.2.1.0/24 overlaps subnet "
     "snet-asp (10.2.0.0/23)"),
    ("one subnet's prefixes overlap", _set(lambda d: _subnet(d, "spoke2", "snet-asp"),
                                           addressPrefix=_DELETE,
                                           addressPrefixes=["10.2.3.0/26", "10.2.3.32/27"]),
     "virtualNetworks[spoke2].subnets[snet-asp]: addressPrefixes: 10.2.3.0/26 overlaps another "
     "prefix of the same subnet (10.2.3.32/27)"),
]


@pytest.fixture(params=CASES, ids=[case[0] for case in CASES])
def bad_file(request: pytest.FixtureRequest, hub_spoke: Data, tmp_path: Path) -> tuple[Path, str]:
    _, mutate, expected = request.param
    mutate(hub_spoke)
    path = tmp_path / "topo.yaml"
    path.write_text(yaml.safe_dump(hub_spoke, sort_keys=False))
    return path, f"{path}: {expected}"


def test_loader_names_file_resource_and_field(bad_file: tuple[Path, str]) -> None:
    path, expected = bad_file
    with pytest.raises(TopologyError) as caught:
        load_topology(path)
    assert str(caught.value) == expected
    assert caught.value.file == str(path)


def test_cli_validate_reports_one_error_line(
    bad_file: tuple[Path, str], run_netlogs: Callable[..., tuple[int, str, str]]
) -> None:
    path, expected = bad_file
    code, out, err = run_netlogs("topology", "validate", str(path))
    assert code == 2
    assert err == f"Error: {expected}\n"
    assert out == ""
    assert "Traceback" not in err


TEXT_CASES = [
    ("yaml syntax", "virtualNetworks:\n  - name: hub\n    addressPrefixes: [10.0.0.0/16\n",
     "line 4, column 1: YAML syntax error: expected ',' or ']', but got '<stream end>'"),
    ("bad indentation", "virtualNetworks:\n  - name: hub\n   addressPrefixes: [10.0.0.0/16]\n",
     "line 3, column 4: YAML syntax error: expected <block end>, but found "
     "'<block mapping start>'"),
    ("unquoted yes is not a boolean",
     "virtualNetworks:\n  - name: a\n    addressPrefixes: [10.0.0.0/16]\n"
     "    virtualNetworkPeerings:\n      - {remoteVirtualNetwork: b, useRemoteGateways: yes}\n"
     "  - {name: b, addressPrefixes: [10.1.0.0/16]}\n",
     "virtualNetworks[a].virtualNetworkPeerings[0]: useRemoteGateways: expected true or false, "
     "got a string ('yes')"),
    ("duplicate key", "virtualNetworks:\n  - name: hub\n    name: hub2\n",
     "line 3, column 5: YAML syntax error: key 'name' appears twice in one mapping"),
    ("json syntax", '{"virtualNetworks": [\n  {"name": "hub"\n]}\n',
     "line 3, column 1: JSON syntax error: Expecting ',' delimiter"),
    ("empty file", "# nothing here\n", "document: the file is empty"),
    ("top level is a list", "- name: hub\n", "topology: expected a mapping, got a list"),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in TEXT_CASES],
                         ids=[c[0] for c in TEXT_CASES])
def test_syntax_errors_carry_the_line(
    text: str, expected: str, tmp_path: Path, run_netlogs: Callable[..., tuple[int, str, str]]
) -> None:
    path = tmp_path / "topo.yaml"
    path.write_text(text)
    with pytest.raises(TopologyError) as caught:
        load_topology(path)
    assert str(caught.value) == f"{path}: {expected}"
    code, _, err = run_netlogs("topology", "validate", str(path))
    assert (code, err) == (2, f"Error: {path}: {expected}\n")


def test_missing_file_is_a_clean_error(
    tmp_path: Path, run_netlogs: Callable[..., tuple[int, str, str]]
) -> None:
    path = tmp_path / "nope.yaml"
    code, _, err = run_netlogs("topology", "validate", str(path))
    assert code == 2
    assert err.startswith(f"Error: {path}: file: cannot read")
    assert "Traceback" not in err


# --------------------------------------------------------------------------- hostile files

ALIAS_BOMB = (  # 422 bytes; expanded, the description would hold 9**9 strings
    "virtualNetworks:\n"
    + "".join(f"  - name: &{a} [{','.join([prev] * 9)}]\n"
              for a, prev in zip("abcdefgh", ['"lol"', *[f"*{x}" for x in "abcdefg"]],
                                 strict=True))
    + f"description: [{','.join(['*h'] * 9)}]\n"
)
HOSTILE_CASES = [
    ("alias bomb", ALIAS_BOMB, "document: YAML aliases repeat more than 100,000 values: write "
                               "the values out instead of nesting aliases"),
    ("alias inside its own anchor", "description: &a [1, *a]\n",
     "document: YAML aliases repeat more than 100,000 values: write the values out instead of "
     "nesting aliases"),
    ("deep YAML", "description: " + "[" * 50_000 + "]" * 50_000 + "\n",
     "document: nested too deeply to be a topology"),
    ("deep JSON", '{"description": ' + "[" * 50_000 + "]" * 50_000 + "}\n",
     "document: nested too deeply to be a topology"),
    ("huge number", "description: " + "9" * 5_000 + "\n",
     "document: a number too long to read (more than 4,300 digits)"),
    ("duplicate JSON key", '{"keyVaults": [],\n "clients": [],\n "keyVaults": []}\n',
     "line 3, column 2: JSON error: key 'keyVaults' appears twice in one object"),
    ("duplicate nested JSON key", '{"keyVaults": [{"name": "a",\n "name": "b"}]}\n',
     "line 2, column 2: JSON error: key 'name' appears twice in one object"),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in HOSTILE_CASES],
                         ids=[c[0] for c in HOSTILE_CASES])
def test_hostile_files_are_refused_quickly(
    text: str, expected: str, tmp_path: Path, run_netlogs: Callable[..., tuple[int, str, str]]
) -> None:
    import time

    path = tmp_path / "topo.yaml"
    path.write_text(text)
    started = time.perf_counter()
    with pytest.raises(TopologyError) as caught:
        load_topology(path)
    assert time.perf_counter() - started < 10
    assert str(caught.value) == f"{path}: {expected}"
    code, out, err = run_netlogs("topology", "validate", str(path))
    assert (code, out, err) == (2, "", f"Error: {path}: {expected}\n")


def test_alias_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    import tracemalloc

    path = tmp_path / "topo.yaml"
    path.write_text(ALIAS_BOMB)
    tracemalloc.start()
    try:
        with pytest.raises(TopologyError, match="YAML aliases repeat"):
            load_topology(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20  # expanding it took 2.5 GB


def test_a_few_aliases_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "topo.yaml"
    path.write_text("virtualNetworks:\n"
                    "  - {name: a, addressPrefixes: &space [10.0.0.0/16]}\n"
                    "keyVaults: [{name: kv, networkAcls: {ipRules: *space}}]\n")
    assert load_topology(path).key_vaults[0].network_acls.ip_rules == ("10.0.0.0/16",)


def test_error_messages_quoting_huge_values_are_bounded(tmp_path: Path) -> None:
    path = tmp_path / "topo.yaml"
    name = "vnet-" + "x" * 1_000_000
    path.write_text(f"virtualNetworks:\n  - name: {name}\n    addressPrefixes: [10.0.0.0/16]\n"
                    f"    virtualNetworkPeerings: [{{remoteVirtualNetwork: {name}2}}]\n")
    with pytest.raises(TopologyError) as caught:
        load_topology(path)
    message = str(caught.value)
    assert len(message) < 1_000
    assert message.startswith(f"{path}: virtualNetworks[vnet-xxx")
    assert "characters left out]" in message
    assert message.endswith("xx2'")  # the end of the problem is kept


def test_line_breaks_and_invisible_characters_in_names_stay_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "topo.yaml"
    path.write_text('privateEndpoints:\n  - {name: "pe\\nError: forged\\u00ad", '
                    "subnet: a/b, privateIpAddress: 10.0.0.4, target: kv}\n")
    with pytest.raises(TopologyError) as caught:
        load_topology(path)
    assert str(caught.value) == (f"{path}: privateEndpoints[pe\\nError: forged\\xad]: subnet: "
                                 "unknown subnet 'a/b'")
