"""The discovery cache keeps the built estate (topology, log plan, the firewall read from the
routes) and gives it back equal, or not at all: a stale, foreign or damaged file is asked again
with a note, never trusted half-read and never a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from netlogs.pipeline.discover import AzureAnswers, Estate, build_estate, decide
from netlogs.pipeline.discovery_cache import cache_file, load_estate, save_estate
from netlogs.pipeline.frozen_json import FrozenJsonError, from_plain, to_plain
from netlogs.testing import invoke
from netlogs.topology.loader import load_topology
from netlogs.topology.model import Topology
from tests.discovery.discovery_support import NOW, REPO, SAMPLE_TOPOLOGY, WINDOW
from tests.fake_azure import sample_estate
from tests.fake_azure.fake_azure import FakeAzure


@pytest.fixture(scope="module")
def estate() -> Estate:
    rows = sample_estate.resources()
    vault = next(r for r in rows if r["id"] == sample_estate.VAULT_ID)
    return build_estate(AzureAnswers(vault, rows, sample_estate.diagnostic_settings()))


def test_the_built_estate_comes_back_equal(estate: Estate, tmp_path: Path) -> None:
    path = tmp_path / "netlogs" / "discovery-x.json"
    save_estate(path, estate, "virtualNetworks: []\n")
    read = load_estate(path)
    assert (read.estate, read.document, read.note) == (estate, "virtualNetworks: []\n", "")
    assert estate.routes_rule.firewall == "fw-hub" and estate.plan.destinations
    assert path.stat().st_mode & 0o777 == 0o600  # readable by the user only
    for given in (None, "none", "fw-hub"):
        assert decide(read.estate, (), given) == decide(estate, (), given)


@pytest.mark.parametrize(
    "topology_file", [SAMPLE_TOPOLOGY, REPO / "tests" / "fixtures" / "topology" / "hub_spoke.yaml"]
)
def test_topologies_survive_the_frozen_json_round_trip(topology_file: Path) -> None:
    topology = load_topology(topology_file)
    plain = json.loads(json.dumps(to_plain(topology)))
    assert from_plain(Topology, plain) == topology


@pytest.mark.parametrize("export", ["az_vwan", "az_avnm"])
def test_imported_vwan_nsg_and_avnm_survive_the_round_trip(export: str) -> None:
    from netlogs.topology.azure_import import import_az_json

    topology = import_az_json(REPO / "tests" / "fixtures" / "topology" / export)
    assert topology.virtual_hubs or topology.connectivity_configurations
    plain = json.loads(json.dumps(to_plain(topology)))
    assert from_plain(Topology, plain) == topology


def test_a_wrong_type_is_refused_not_half_read() -> None:
    plain = to_plain(load_topology(SAMPLE_TOPOLOGY))
    plain["vnets"][0]["subnets"][0]["address_prefixes"] = "10.0.0.0/24"  # a string, not a list
    with pytest.raises(FrozenJsonError, match="expected a list"):
        from_plain(Topology, plain)
    plain = to_plain(load_topology(SAMPLE_TOPOLOGY))
    del plain["firewalls"][0]["private_ip"]
    with pytest.raises(FrozenJsonError, match="Firewall"):
        from_plain(Topology, plain)
    plain = to_plain(load_topology(SAMPLE_TOPOLOGY))
    plain["clients"][0]["route_all"] = 1  # an int is not a bool
    with pytest.raises(FrozenJsonError, match="expected bool"):
        from_plain(Topology, plain)


def test_stale_and_foreign_files_are_asked_again_with_a_note(
    estate: Estate, tmp_path: Path
) -> None:
    path = tmp_path / "c.json"
    save_estate(path, estate)
    old = path.stat().st_mtime - 7 * 3600
    os.utime(path, (old, old))
    stale = load_estate(path)
    assert stale.estate is None and not stale.damaged
    assert stale.note == f"discovery cache {path} is older than 6 h; asking Azure again"
    save_estate(path, estate)
    header, body = path.read_bytes().split(b"\n", 1)
    other = {**json.loads(header), "netlogs": "0.0.1"}
    path.write_bytes(json.dumps(other).encode() + b"\n" + body)
    foreign = load_estate(path)
    assert foreign.estate is None and not foreign.damaged
    assert "written by another netlogs (netlogs '0.0.1'" in foreign.note
    assert load_estate(tmp_path / "absent.json").note == ""
    # a file of the first format (Azure's raw answers, one JSON line) is simply asked again
    path.write_text(json.dumps({"format": "netlogs.discovery-cache/v1", "answers": {}}))
    first_format = load_estate(path)
    assert first_format.estate is None and not first_format.damaged
    assert "(format 'netlogs.discovery-cache/v1'" in first_format.note


def _rehashed(path: Path, body: bytes) -> None:
    """The body replaced and its hash made to match (only the decoder can catch it then)."""
    import hashlib

    header = json.loads(path.read_bytes().split(b"\n", 1)[0])
    header["sha256"] = hashlib.sha256(body).hexdigest()
    path.write_bytes(json.dumps(header).encode() + b"\n" + body)


def test_damaged_files_are_ignored_never_trusted(estate: Estate, tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    damages = {
        "flipped": lambda data: data.replace(b'"fw-hub"', b'"fw-hug"', 1),
        "truncated": lambda data: data[: len(data) // 2],
        "no header": lambda data: b"\x00garbage" + data,
        "empty": lambda data: b"",
    }
    for name, damage in damages.items():
        save_estate(path, estate)
        path.write_bytes(damage(path.read_bytes()))
        read = load_estate(path)
        assert read.estate is None and read.damaged, name
        assert read.note.startswith(f"discovery cache {path} ignored (") and read.note.endswith(
            "; asking Azure again"
        ), name
    save_estate(path, estate)
    plain = json.loads(path.read_bytes().split(b"\n", 1)[1])
    plain["estate"]["topology"]["firewalls"][0]["private_ip"] = 10
    _rehashed(path, json.dumps(plain).encode())
    read = load_estate(path)
    assert read.estate is None and read.damaged and "expected str" in read.note


def discovered(*extra: str) -> list[str]:
    return ["trace", "--vault", "kv-contoso-prod", *WINDOW, "--now", NOW, "--format", "json",
            *extra]


def test_a_damaged_cache_is_one_warning_and_azure_is_asked_again(
    fake_azure: FakeAzure, tmp_path: Path
) -> None:
    first = invoke(discovered("--json", str(tmp_path / "first" / "trace.json")))
    assert first.code == 1, first.stderr
    path = cache_file("AzureCloud", "kv-contoso-prod", ())
    assert load_estate(path).estate is not None
    cached = invoke(discovered("--json", str(tmp_path / "second" / "trace.json")))
    assert cached.code == 1 and len(fake_azure.graph_requests()) == 2  # no new query
    # the cached run writes the same discovered topology and reaches the same result
    topology_files = [
        (tmp_path / run / "kv-contoso-prod.discovered-topology.yaml").read_text(encoding="utf-8")
        for run in ("first", "second")
    ]
    assert topology_files[0] == topology_files[1]
    for key in ("flows", "vault", "topology_sha256", "log_settings", "gaps"):
        assert cached.document[key] == first.document[key], key
    path.write_bytes(path.read_bytes()[:-40])
    again = invoke(discovered())
    assert again.code == 1 and "Traceback" not in again.stderr
    (line,) = again.stderr.splitlines()
    assert line.startswith(f"Warning: discovery cache {path} ignored (")
    assert len(fake_azure.graph_requests()) == 4  # asked again
    assert again.document["flows"] == first.document["flows"]
    assert load_estate(path).estate is not None  # and written again
