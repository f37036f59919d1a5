"""`topology import` of Virtual Network Manager security admin rules and routing configurations
(`az network manager security-admin-config rule-collection [rule] list`, `routing-config
rule-collection [rule] list`, `group static-member list`; real az CLI shapes)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from netlogs.model import Confidence
from netlogs.paths import expected_path
from netlogs.topology.arm_shapes import read_resources
from netlogs.topology.azure_import import (
    import_az_json,
    mapping_from_resources,
    write_topology_file,
)
from netlogs.topology.import_notes import ImportNotes
from netlogs.topology.loader import load_topology, topology_from_mapping
from netlogs.topology.yaml_text import parse_text

HAND_WRITTEN_SECTIONS = """\
securityAdminRuleCollections:
  - name: rc-guardrails
    configuration: sac-core
    members: [vnet-m1, vnet-m2]
    rules:
      - {name: deny-443-to-m2, priority: 100, access: Deny, direction: Outbound, protocol: Tcp,
         destinationAddressPrefixes: [10.82.0.0/16], destinationPortRanges: ['443']}
      - {name: deny-rdp-internet, priority: 10, access: Deny, protocol: Tcp,
         sourceAddressPrefixes: [Internet], destinationPortRanges: ['3389']}
routingRuleCollections:
  - name: rc-to-nva
    configuration: rc-udr
    members: [vnet-m1/snet-app]
    routes:
      - {name: m2-via-nva, addressPrefix: 10.82.0.0/16, nextHopType: VirtualAppliance,
         nextHopIpAddress: 10.81.9.4}
"""


@pytest.fixture
def estate(fixtures: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(fixtures / "az_avnm_rules", tmp_path / "az_avnm_rules"))


def _edit(path: Path, change: Any) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_rule_collections_import_to_the_documented_sections(estate: Path) -> None:
    imported = import_az_json(estate)
    mapping = mapping_from_resources(read_resources(estate))
    mapping.update(parse_text(HAND_WRITTEN_SECTIONS, "w.yaml"))  # the sections, by hand
    written = topology_from_mapping(mapping, "w.yaml")
    assert imported.security_admin_rules == written.security_admin_rules
    assert imported.routing_rules == written.routing_rules


def test_imported_rules_decide_the_paths(estate: Path, tmp_path: Path) -> None:
    """The outbound admin Deny for 443 to vnet-m2 drops vm 10.81.1.4 -> PE 10.82.2.4:443
    before any NSG (high); other ports take the UDR AVNM deployed to snet-app, through the
    NVA in snet-nva, whose own admin rules are not evaluated there (low, named)."""
    imported = import_az_json(estate)
    denied = expected_path(imported, "10.81.1.4", "10.82.2.4", 443)
    assert not denied.delivered and denied.confidence is Confidence.HIGH
    assert denied.drop_reason == ("denied by security admin rule sac-core/rc-guardrails rule "
                                  "deny-443-to-m2 (outbound at vnet-m1/snet-app)")
    other = expected_path(imported, "10.81.1.4", "10.82.2.4", 8443)
    assert other.delivered
    assert other.hops[1].name == "avnm-rc-udr-vnet-m1-snet-app/rc-to-nva.m2-via-nva"
    assert other.unevaluated == ("security_admin_rule_on_appliance rc-guardrails on vnet-m1",)
    write_topology_file(imported, tmp_path / "t.yaml")
    assert replace(load_topology(tmp_path / "t.yaml"), source="") == replace(imported, source="")


def test_a_group_without_static_members_is_a_gap_and_its_rules_are_left_out(estate: Path) -> None:
    _edit(estate / "manager-group-static-member-list.json",
          lambda members: members.__setitem__(slice(None), members[:2]))  # no subnet group
    notes = ImportNotes()
    imported = import_az_json(estate, notes)
    assert imported.routing_rules == ()
    assert [(g.construct, g.resource) for g in notes.gaps] == [
        ("network_group_members_unknown", "rc-udr/rc-to-nva -> ng-app-subnets")]
    assert expected_path(imported, "10.81.1.4", "10.82.2.4", 8443).confidence is Confidence.LOW


def test_rules_the_model_cannot_read_are_gaps_on_their_members(estate: Path) -> None:
    def service_tag(rules: list[dict[str, Any]]) -> None:
        rules[0]["destination"] = {"destinationAddress": "AzureKeyVault", "type": "ServiceTag"}

    def default_kind(rules: list[dict[str, Any]]) -> None:
        rules.append({**rules[0], "kind": "Default", "name": "default-rule",
                      "id": rules[0]["id"].replace("deny-rdp-internet", "default-rule")})
    _edit(estate / "manager-routing-config-rule-collection-rule-list.json", service_tag)
    _edit(estate / "manager-security-admin-config-rule-collection-rule-list.json", default_kind)
    notes = ImportNotes()
    imported = import_az_json(estate, notes)
    assert imported.routing_rules[0].routes == ()
    assert [(g.construct, g.resource, g.scope) for g in notes.gaps] == [
        ("avnm_rule_not_modelled", "m2-via-nva", ("vnet-m1",))]
    assert any("default admin rules" in line for line in notes.warnings())
    assert len(imported.security_admin_rules[0].rules) == 2


def test_a_rule_whose_collection_is_not_exported_is_a_gap(estate: Path) -> None:
    (estate / "manager-security-admin-config-rule-collection-list.json").unlink()
    notes = ImportNotes()
    imported = import_az_json(estate, notes)
    assert imported.security_admin_rules == ()
    assert sorted(g.resource for g in notes.gaps) == [
        "deny-443-to-m2 (its rule collection is not in the input)",
        "deny-rdp-internet (its rule collection is not in the input)"]
    assert expected_path(imported, "10.81.1.4", "10.82.2.4", 443).confidence is Confidence.LOW
