"""The topology's SHA-256 is computed once per Topology instance and is always the digest a
fresh dump gives: for the sample, the benchmarks' estate, and after any change (a changed
topology is a new instance, or is dumped again)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.scale_estate import scale_topology  # the benchmarks' estate, on purpose
from netlogs.topology import dump
from netlogs.topology.loader import dump_topology, load_topology, topology_sha256
from netlogs.topology.model import Topology, VirtualNetwork
from tests.topology.dump_counting import fresh_sha256

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "build", [lambda: load_topology(REPO / "sample_data" / "topology.yaml"), scale_topology],
    ids=["sample", "scale_estate"],
)
def test_the_carried_hash_is_the_fresh_dump_and_computed_once(
    build: Callable[[], Topology], dumps: list[int]
) -> None:
    topology = build()
    carried = topology_sha256(topology)
    assert len(dumps) == 1
    assert [topology_sha256(topology) for _ in range(3)] == [carried] * 3
    assert len(dumps) == 1  # answered from the instance, not dumped again
    assert carried == fresh_sha256(topology)


def test_the_sample_keeps_the_hash_of_its_golden_trace() -> None:
    golden = json.loads((REPO / "tests" / "golden" / "sample_scenario.trace.json").read_text())
    topology = load_topology(REPO / "sample_data" / "topology.yaml")
    assert topology_sha256(topology) == golden["topology_sha256"]


def test_a_dump_already_made_is_not_made_again(dumps: list[int]) -> None:
    topology = load_topology(REPO / "sample_data" / "topology.yaml")
    text = dump_topology(topology)  # e.g. the discovered-topology file being written
    assert topology_sha256(topology) == hashlib.sha256(text.encode()).hexdigest()
    assert len(dumps) == 1


def test_a_replaced_topology_is_hashed_anew(dumps: list[int]) -> None:
    topology = load_topology(REPO / "sample_data" / "topology.yaml")
    before = topology_sha256(topology)
    for changed in (
        replace(topology, vnets=topology.vnets[1:]),
        replace(topology, clients=()),
        replace(topology, design_rules=()),
    ):
        assert topology_sha256(changed) == fresh_sha256(changed) != before
    assert topology_sha256(topology) == before  # the original keeps its own digest


def test_a_change_behind_the_frozen_guard_is_dumped_again() -> None:
    topology = load_topology(REPO / "sample_data" / "topology.yaml")
    before = topology_sha256(topology)
    object.__setattr__(topology, "clients", topology.clients[1:])  # what no code may do
    assert topology_sha256(topology) == fresh_sha256(topology) != before


def test_mutable_containers_are_never_remembered(dumps: list[int]) -> None:
    vnets = [VirtualNetwork("a", ("10.0.0.0/16",))]
    topology = Topology(vnets=vnets)  # type: ignore[arg-type]  # a list, as careless code might
    first = topology_sha256(topology)
    vnets.append(VirtualNetwork("b", ("10.1.0.0/16",)))
    assert topology_sha256(topology) == fresh_sha256(topology) != first
    assert len(dumps) == 2  # both calls dumped: nothing was kept


def test_the_remembered_digest_belongs_to_its_instance_only() -> None:
    topology = load_topology(REPO / "sample_data" / "topology.yaml")
    dump.remember_dump(topology, "a text that is not the dump\n")  # marks this instance
    assert topology_sha256(topology) != fresh_sha256(topology)
    renamed = replace(topology, source="elsewhere")  # same dump, new instance
    assert topology_sha256(renamed) == fresh_sha256(topology)  # replace copied no digest
