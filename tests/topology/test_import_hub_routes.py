"""`topology import` of `az network vhub get-effective-routes` output (real output shape) next to
the Virtual WAN estate export: kept per hub resource, written to the file, used by paths."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from netlogs.errors import TopologyError
from netlogs.json_schemas import TOPOLOGY, schema_errors
from netlogs.model import Confidence
from netlogs.paths import expected_path
from netlogs.routing import index_for
from netlogs.topology.azure_import import import_az_json, write_topology_file
from netlogs.topology.import_notes import ImportNotes
from netlogs.topology.loader import load_topology
from netlogs.topology.yaml_text import parse_text

ROUTES = Path(__file__).resolve().parents[1] / "fixtures" / "vhub_effective_routes"


@pytest.fixture
def estate_dir(fixtures: Path, tmp_path: Path) -> Path:
    target = Path(shutil.copytree(fixtures / "az_vwan", tmp_path / "az_vwan"))
    for path in ROUTES.glob("*.json"):
        shutil.copy(path, target / path.name)
    return target


def test_effective_routes_are_imported_per_hub_resource(estate_dir: Path, tmp_path: Path) -> None:
    topo = import_az_json(estate_dir)
    views = {(v.resource_type, v.resource): v for v in topo.virtual_hubs[0].effective_routes}
    assert set(views) == {("RouteTable", "defaultRouteTable"),
                          ("AzureFirewalls", "afw-vhub-ne"),
                          ("HubVirtualNetworkConnection", "vnet-legacy")}  # conn-legacy's VNet
    vpn = next(r for r in views[("AzureFirewalls", "afw-vhub-ne")].routes
               if r.next_hop_type == "VPN_S2S_Gateway")
    assert (vpn.prefixes, vpn.next_hops, vpn.as_path) == (
        ("172.22.0.0/16",), ("10.60.0.12", "10.60.0.13"), "65020")
    out = tmp_path / "topology.yaml"
    write_topology_file(topo, out)
    assert load_topology(out).virtual_hubs == topo.virtual_hubs  # the file keeps them
    assert schema_errors(parse_text(out.read_text(), str(out)), TOPOLOGY) == []


def test_imported_routes_decide_the_path(estate_dir: Path) -> None:
    """The exported route table lists 100.70.0.0/16 as an additional private prefix, but the
    effective routes Azure reports do not hold it: vnet-app -> 100.70.1.4 is dropped by
    100.64.0.0/10 None, as Azure would (worked example E23 before the fix)."""
    topo = import_az_json(estate_dir)
    assert topo.virtual_hubs[0].private_traffic_prefixes == ("100.70.0.0/16",)
    path = expected_path(topo, "10.61.1.4", "100.70.1.4", 443)
    assert not path.delivered and "100.64.0.0/10 None" in (path.drop_reason or "")
    to_pe = expected_path(topo, "10.62.1.4", "kv-ledger")
    assert to_pe.firewalls == ("afw-vhub-ne",)
    assert "vhub-ne route table defaultRouteTable: Azure Firewall" in to_pe.hops[1].detail


def test_a_file_that_does_not_say_its_hub_is_refused(
    estate_dir: Path, tmp_path: Path, run_netlogs: Any
) -> None:
    shutil.copy(ROUTES / "vhub-ne.RouteTable.defaultRouteTable.json", estate_dir / "routes.json")
    out = tmp_path / "t.yaml"
    code, stdout, err = run_netlogs("topology", "import", "--az-json", str(estate_dir),
                                    "--out", str(out))
    assert code == 2 and stdout == "" and not out.exists()
    assert err.startswith("Error: ") and "routes.json" in err
    assert "name the file HUB.RESOURCETYPE.RESOURCE.json" in err
    assert "Traceback" not in err


def test_a_connection_outside_the_hub_is_an_error_naming_it(estate_dir: Path) -> None:
    document = json.loads((ROUTES / "vhub-ne.HubVirtualNetworkConnection.conn-legacy.json")
                          .read_text())
    (estate_dir / "vhub-ne.HubVirtualNetworkConnection.conn-x.json").write_text(
        json.dumps(document))
    with pytest.raises(TopologyError, match="connection 'conn-x'"):
        import_az_json(estate_dir)


def test_hub_expressroute_gateway_and_the_prefixes_it_learned(estate_dir: Path) -> None:
    """`az network express-route gateway list` names the hub's gateway; without its prefixes it
    is a gap; the firewall view's ExpressRouteGateway rows give them (observed), and a spoke
    then reaches 172.24.0.0/16 through the hub firewall and the ExpressRoute gateway."""
    (estate_dir / "vhub-ne.AzureFirewalls.afw-vhub-ne.json").unlink()  # no ExpressRoute rows
    shutil.copy(ROUTES / "expressroute" / "express-route-gateway-list.json", estate_dir)
    notes = ImportNotes()
    without = import_az_json(estate_dir, notes)
    assert without.virtual_hubs[0].expressroute_gateway == "ergw-ne"
    assert "virtual_hub_expressroute" in {g.construct for g in index_for(without).unevaluated}
    shutil.copy(ROUTES / "expressroute" / "vhub-ne.AzureFirewalls.afw-vhub-ne.json", estate_dir)
    topo = import_az_json(estate_dir)
    assert topo.virtual_hubs[0].expressroute_prefixes == ("172.24.0.0/16",)
    assert "virtual_hub_expressroute" not in {g.construct for g in index_for(topo).unevaluated}
    path = expected_path(topo, "10.62.1.4", "172.24.1.1")
    assert path.delivered and path.firewalls == ("afw-vhub-ne",)
    assert "(vhub-ne firewall afw-vhub-ne: ExpressRouteGateway)" in path.hops[3].detail
    assert path.confidence is Confidence.MEDIUM  # the edge's address is not in the output


def test_cli_path_names_the_observed_hub_route(
    estate_dir: Path, tmp_path: Path, run_netlogs: Any
) -> None:
    out = tmp_path / "topology.yaml"
    code, _, err = run_netlogs("topology", "import", "--az-json", str(estate_dir),
                               "--out", str(out))
    assert code == 0, err
    code, stdout, _ = run_netlogs("path", "--from", "10.62.1.4", "--to", "kv-ledger",
                                  "--topology", str(out), "-o", "json")
    answer = json.loads(stdout)
    assert (code, answer["delivered"], answer["firewalls"]) == (0, True, ["afw-vhub-ne"])
    assert "(vhub-ne route table defaultRouteTable: Azure Firewall)" in \
        answer["hops"][1]["detail"]
