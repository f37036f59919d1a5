"""A real subscription's export never stops the import: what lies outside the input is counted
or becomes a topology gap, the gaps survive the YAML file, and a trace over it reports them.

``fixtures/topology/az_subscription`` adds, in the shapes `az network private-endpoint list` and
`az network vnet list` print, endpoints of another vault, of storage, SQL, Cosmos DB and a
partner's Private Link service (auto and manual connections), three endpoints of the modelled
vault whose connection is Pending / Rejected / Disconnected, and a VNet connected to a Virtual WAN
hub (peering to `HV_...` in a Microsoft subscription), peered to a VNet of an unexported
subscription and using a route table of another subscription.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from netlogs.topology.azure_import import import_az_json
from netlogs.topology.import_notes import ImportNotes
from netlogs.topology.loader import load_topology

Run = Callable[..., tuple[int, str, str]]
KV1 = ("/subscriptions/6a1f3c2e-4b5d-4e8f-9a0b-1c2d3e4f5a6b/resourcegroups/rg-sec-weu/providers/"
       "microsoft.keyvault/vaults/kv1")

WARNINGS = [
    "Warning: ignored 6 private endpoints of other services (Microsoft.Network/"
    "privateLinkServices 1, Sql 1, blob 2, file 1, sqlServer 1)",
    "Warning: topology gap: subnet uses a route table that is not in the input: its "
    "user-defined routes are not modelled [1: vnet-app-vwan/snet-egress -> rt-central-egress]",
    "Warning: topology gap: connection to a Virtual WAN hub (a peering to its hidden HV_ VNet): "
    "the hub's routing and any firewall in it are not modelled [1: vnet-app-vwan/"
    "RemoteVnetToHubPeering_5f0c1d2e-3f4a-4b5c-9d6e-7f8a9b0c1d2e -> "
    "HV_vhub-weu_9c8d7e6f-5a4b-4c3d-2e1f-0a9b8c7d6e5f]",
    "Warning: topology gap: peering to a VNet outside the input: routes learned through it are "
    "not modelled [1: vnet-app-vwan/to-partner -> vnet-partner]",
    "Warning: topology gap: private endpoint of a key vault that is not in the input: traffic "
    "to its address is not attributed to a vault [1: pe-kv-central -> kv-central-001]",
    "Warning: topology gap: private endpoint whose connection is not Approved: Azure does not "
    "carry its traffic to the vault, so it is not modelled as a way in [3: pe-kv1-disconnected "
    "-> kv1 (Disconnected), pe-kv1-pending -> kv1 (Pending), pe-kv1-rejected -> kv1 (Rejected)]",
]


@pytest.fixture
def subscription(fixtures: Path, tmp_path: Path) -> Path:
    """The hub-and-spoke export plus the subscription's other resources, in one directory."""
    target = tmp_path / "az"
    shutil.copytree(fixtures / "az", target)
    for extra in (fixtures / "az_subscription").iterdir():
        shutil.copy(extra, target / extra.name)
    return target


def test_import_of_a_real_subscription_exits_0_with_warnings(
    subscription: Path, tmp_path: Path, run_netlogs: Run
) -> None:
    out = tmp_path / "topology.yaml"
    code, stdout, err = run_netlogs("topology", "import", "--az-json", str(subscription),
                                    "--out", str(out))
    assert code == 0
    assert stdout.endswith("1 private endpoints, 1 key vaults, 8 gaps.\n")
    assert err.splitlines() == WARNINGS
    topo = load_topology(out)
    assert [pe.name for pe in topo.private_endpoints] == ["pe-kv1"]  # only the approved one
    assert topo.key_vaults[0].private_endpoints == ("pe-kv1",)
    app = next(v for v in topo.vnets if v.name == "vnet-app-vwan")
    assert app.peerings == ()  # neither peering leads to a VNet of the input
    assert [s.route_table for s in app.subnets] == [None, None]
    code, stdout, _ = run_netlogs("topology", "validate", str(out))
    assert code == 0 and ", 8 gaps; sha256 " in stdout


def test_gaps_survive_the_round_trip_through_the_file(subscription: Path, tmp_path: Path,
                                                      run_netlogs: Run) -> None:
    imported = import_az_json(subscription)
    out = tmp_path / "topology.yaml"
    assert run_netlogs("topology", "import", "--az-json", str(subscription),
                       "--out", str(out))[0] == 0
    loaded = load_topology(out)
    assert replace(loaded, source="") == replace(imported, source="")
    assert [(g.construct, g.resource) for g in loaded.gaps] == [
        ("route_table_outside_input", "vnet-app-vwan/snet-egress -> rt-central-egress"),
        ("virtual_hub_connection", "vnet-app-vwan/RemoteVnetToHubPeering_5f0c1d2e-3f4a-4b5c-9d6e-"
                        "7f8a9b0c1d2e -> HV_vhub-weu_9c8d7e6f-5a4b-4c3d-2e1f-0a9b8c7d6e5f"),
        ("peering_to_unknown_vnet", "vnet-app-vwan/to-partner -> vnet-partner"),
        ("private_endpoint_to_unknown_vault", "pe-kv-central -> kv-central-001"),
        ("private_endpoint_not_approved", "pe-kv1-disconnected -> kv1 (Disconnected)"),
        ("private_endpoint_not_approved", "pe-kv1-pending -> kv1 (Pending)"),
        ("private_endpoint_not_approved", "pe-kv1-rejected -> kv1 (Rejected)"),
        # the export holds no private DNS zones: name resolution is not described
        ("dns_not_described", "privatelink.vaultcore.azure.net"),
    ]


def _kv_logs(directory: Path) -> None:
    """One Key Vault request through pe-kv1, as a saved Log Analytics query result."""
    row = {
        "TimeGenerated": "2026-11-20T10:00:01.0000000Z", "OperationName": "SecretGet",
        "ResultSignature": "OK", "ResultDescription": "", "CallerIpAddress": "10.1.1.4",
        "HttpStatusCode": 200, "Properties": json.dumps({"privateEndpointId": "pe-kv1"}),
        "SubnetId": "", "RequestUri": "https://kv1.vault.azure.net/secrets/db/?api-version=7.5",
        "Type": "AZKVAuditLogs", "_ResourceId": KV1,
    }
    types = {"TimeGenerated": "datetime", "HttpStatusCode": "int", "Properties": "dynamic"}
    columns = [{"name": name, "type": types.get(name, "string")} for name in row]
    table = {"name": "PrimaryResult", "columns": columns, "rows": [list(row.values())]}
    directory.mkdir()
    (directory / "kv.json").write_text(json.dumps({"tables": [table]}), encoding="utf-8")


def test_a_trace_over_the_imported_file_reports_the_gaps(
    subscription: Path, tmp_path: Path, run_netlogs: Run
) -> None:
    topology = tmp_path / "topology.yaml"
    assert run_netlogs("topology", "import", "--az-json", str(subscription),
                       "--out", str(topology))[0] == 0
    _kv_logs(tmp_path / "logs")
    result = tmp_path / "trace.json"
    code, _, err = run_netlogs("trace", "--vault", "kv1", "--topology", str(topology),
                               "--logs", str(tmp_path / "logs"), "--json", str(result))
    assert code in (0, 1, 3), err
    gaps = [g["message"] for g in json.loads(result.read_text())["gaps"] if g["kind"] == "topology"]
    assert ("peering to a VNet outside the input: routes learned through it are not modelled "
            "(vnet-app-vwan/to-partner -> vnet-partner)") in gaps
    assert any(m.startswith("private endpoint whose connection is not Approved") and
               "pe-kv1-pending -> kv1 (Pending)" in m for m in gaps)
    assert len(gaps) == 6  # one per construct and message (DNS zones are not in the export)


def _arm(resource: dict[str, Any]) -> dict[str, Any]:
    """The Resource Graph shape of an az CLI object: lower-case type, `properties` wrappers."""
    top = ("id", "name", "type", "location", "resourceGroup", "etag", "tags")
    body = {k: v for k, v in resource.items() if k not in top}
    for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        body[key] = [{"id": c["id"], "name": c["name"],
                      "properties": {k: v for k, v in c.items() if k not in ("id", "name")}}
                     for c in body.get(key, [])]
    return {**{k: resource[k] for k in top if k in resource},
            "type": resource["type"].lower(), "properties": body}


def test_resource_graph_shapes_give_the_same_notes(subscription: Path) -> None:
    az_notes = ImportNotes()
    import_az_json(subscription, az_notes)
    listing = subscription / "private-endpoint-list-app.json"
    endpoints = json.loads(listing.read_text())
    listing.unlink()
    (subscription / "graph.json").write_text(json.dumps(
        {"count": len(endpoints), "data": [_arm(e) for e in endpoints], "skip_token": None}))
    graph_notes = ImportNotes()
    import_az_json(subscription, graph_notes)
    assert graph_notes == az_notes


def test_hand_written_endpoint_that_is_not_approved_is_refused(hub_spoke: dict[str, Any],
                                                                tmp_path: Path) -> None:
    from netlogs.errors import TopologyError
    from netlogs.topology.yaml_text import dump_yaml

    hub_spoke["privateEndpoints"][0]["connectionState"] = "Pending"
    path = tmp_path / "t.yaml"
    path.write_text(dump_yaml(hub_spoke))
    with pytest.raises(TopologyError) as caught:
        load_topology(path)
    assert str(caught.value) == (
        f"{path}: privateEndpoints[pe-kv1]: connectionState: Pending: only an Approved "
        "connection carries traffic to the vault; leave this endpoint out (or describe it "
        "under gaps)")
    hub_spoke["privateEndpoints"][0]["connectionState"] = "Approved"
    path.write_text(dump_yaml(hub_spoke))
    assert load_topology(path).private_endpoints[0].name == "pe-kv1"
