"""`routes` / `path` for the part-2 constructs: unevaluated constructs in the JSON, service
tags, IPv6 destinations, Azure-rejected configurations (one error line, exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netlogs.cli import main

TOPOLOGY = Path(__file__).resolve().parents[1] / "fixtures" / "topology" / "hub_spoke.yaml"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return int(exit_info.value.code or 0), out, err


def variant(tmp_path: Path, old: str, new: str) -> str:
    text = TOPOLOGY.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "t.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return str(path)


def test_an_unevaluated_construct_is_named_in_path_and_routes_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spoke2 = "  - name: spoke2\n    location: westeurope\n    addressPrefixes: [10.2.0.0/16]"
    topo = variant(tmp_path, spoke2, spoke2.replace("[10.2.0.0/16]", "[10.2.0.0/16, fd00:2::/48]"))
    code, out, err = run(capsys, "routes", "spoke2/snet-vm", "--topology", topo, "--format",
                         "json")
    assert (code, err) == (0, "")
    assert json.loads(out)["unevaluated"] == ["ipv6_prefix spoke2"]
    code, out, _ = run(capsys, "routes", "spoke2/snet-vm", "--topology", topo)
    assert "Not evaluated (this table may lack or misstate routes): ipv6_prefix spoke2" in out
    nsg = ("\nnetworkSecurityGroups:\n  - name: nsg-x\n    subnets: [spoke1/snet-pe]\n"
           "    securityRules:\n      - {name: no-storage, priority: 100, access: Deny, "
           "sourceAddressPrefixes: [Storage]}\n")
    topo = variant(tmp_path, "\nservicePrefixes:", nsg + "\nservicePrefixes:")
    topo_text = Path(topo).read_text(encoding="utf-8").replace(
        "privateEndpointNetworkPolicies: Disabled", "privateEndpointNetworkPolicies: Enabled")
    Path(topo).write_text(topo_text, encoding="utf-8")
    code, out, _ = run(capsys, "path", "--from", "10.0.1.4", "--to", "kv1:443", "--topology",
                       topo, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["confidence"] == "low"
    assert doc["unevaluated"] == ["network_security_group_rule nsg-x"]


def test_service_tags_option_fills_key_vault_prefixes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    topo = variant(tmp_path, "servicePrefixes:\n  Microsoft.KeyVault: [198.51.100.0/24]\n", "")
    text = Path(topo).read_text(encoding="utf-8").replace(
        "      - {name: snet-vm, addressPrefix: 10.2.1.0/24}",
        "      - {name: snet-vm, addressPrefix: 10.2.1.0/24, "
        "serviceEndpoints: [Microsoft.KeyVault]}")
    Path(topo).write_text(text, encoding="utf-8")
    tags = tmp_path / "tags.json"
    tags.write_text(json.dumps({"values": [{"name": "AzureKeyVault", "properties": {
        "addressPrefixes": ["198.51.100.0/24"]}}]}), encoding="utf-8")
    _, without, _ = run(capsys, "routes", "spoke2/snet-vm", "--topology", topo, "--format",
                        "json")
    assumed = [r for r in json.loads(without)["routes"]
               if r["next_hop_type"] == "VirtualNetworkServiceEndpoint"]
    assert {r["prefix"] for r in assumed} == {"198.51.100.10/32", "203.0.113.1/32"}
    assert {r["confidence"] for r in assumed} == {"medium"}
    _, with_tags, _ = run(capsys, "routes", "spoke2/snet-vm", "--topology", topo,
                          "--service-tags", str(tags), "--format", "json")
    filled = [r for r in json.loads(with_tags)["routes"]
              if r["next_hop_type"] == "VirtualNetworkServiceEndpoint"]
    assert [(r["prefix"], r["confidence"]) for r in filled] == [("198.51.100.0/24", "high")]


def test_ipv6_destination_forms(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "path", "--from", "vm-app", "--to", "[fd00::10]:443",
                       "--topology", str(TOPOLOGY))
    assert code == 2 and "IPv6 paths are not modelled" in err
    code, _, err = run(capsys, "path", "--from", "vm-app", "--to", "fd00:0:0:1::10",
                       "--topology", str(TOPOLOGY))
    assert code == 2 and "ambiguous" in err and "[fd00:0:0:1::10]" in err


def test_a_configuration_azure_refuses_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    topo = variant(tmp_path, "{name: hub-to-spoke1, remoteVirtualNetwork: spoke1, "
                             "allowGatewayTransit: true}",
                   "{name: hub-to-spoke1, remoteVirtualNetwork: spoke1}")
    code, out, err = run(capsys, "routes", "spoke1/snet-app1", "--topology", topo)
    assert (code, out) == (2, "")
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert "allowGatewayTransit false" in lines[0]
