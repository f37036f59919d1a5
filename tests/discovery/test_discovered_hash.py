"""A discovered trace hashes its topology without dumping it again: the first run dumps the
estate once (the discovered-topology file, which the cache keeps), a cached run not at all, and
the digest in the result is the one a fresh dump of that topology gives."""

from __future__ import annotations

import hashlib
from pathlib import Path

from netlogs.azure.clouds import resolve_cloud
from netlogs.azure.credential import sign_in
from netlogs.pipeline.discovery_cache import discover_cached
from netlogs.testing import invoke
from netlogs.topology import dump
from netlogs.topology.loader import load_topology, topology_sha256
from tests.discovery.discovery_support import NOW, WINDOW
from tests.fake_azure.fake_azure import FakeAzure
from tests.topology.dump_counting import fresh_sha256


def test_discovered_and_cached_topologies_carry_the_fresh_hash(
    fake_azure: FakeAzure, dumps: list[int]
) -> None:
    cloud = resolve_cloud(None)
    credential = sign_in(cloud)
    first, _ = discover_cached("kv-contoso-prod", (), credential, cloud, require_firewall=None)
    assert len(dumps) == 1  # the file's text, dumped once for the cache
    assert topology_sha256(first.topology) == fresh_sha256(first.topology)
    assert topology_sha256(first.topology) == hashlib.sha256(first.document.encode()).hexdigest()
    cached, _ = discover_cached("kv-contoso-prod", (), credential, cloud, require_firewall=None)
    assert len(fake_azure.graph_requests()) == 2  # the second one came from the cache
    assert cached.topology is not first.topology and cached.topology == first.topology
    assert topology_sha256(cached.topology) == fresh_sha256(cached.topology)
    assert topology_sha256(cached.topology) == topology_sha256(first.topology)
    assert len(dumps) == 1  # the cached run answered from the kept text


def test_a_rule_given_on_the_command_line_dumps_its_own_topology(
    fake_azure: FakeAzure, dumps: list[int]
) -> None:
    cloud = resolve_cloud(None)
    credential = sign_in(cloud)
    discover_cached("kv-contoso-prod", (), credential, cloud, require_firewall=None)
    given, _ = discover_cached("kv-contoso-prod", (), credential, cloud, require_firewall="none")
    assert given.document == ""  # the cache's text is another rule's: not this topology's
    assert topology_sha256(given.topology) == fresh_sha256(given.topology)
    assert len(dumps) == 2


def discovered(out: Path) -> list[str]:
    return ["trace", "--vault", "kv-contoso-prod", *WINDOW, "--now", NOW, "--format", "json",
            "--json", str(out)]


def test_a_live_trace_dumps_the_estate_once_then_never(
    fake_azure: FakeAzure, tmp_path: Path, dumps: list[int]
) -> None:
    first = invoke(discovered(tmp_path / "first" / "trace.json"))
    assert first.code == 1, first.stderr
    assert len(dumps) == 1  # was 2: the topology file, then the trace's hash
    cached = invoke(discovered(tmp_path / "second" / "trace.json"))
    assert cached.code == 1, cached.stderr
    assert len(dumps) == 1  # was 1: the trace's hash
    written = load_topology(tmp_path / "second" / "kv-contoso-prod.discovered-topology.yaml")
    for run in (first, cached):
        assert run.document["topology_sha256"] == fresh_sha256(written)


def test_the_benchmark_estate_carries_the_fresh_hash() -> None:
    from benchmarks.discovery_bench import estate  # the 1x benchmark's estate, here at 0.02x
    from netlogs.discovery.estate import topology_from_rows

    topology = topology_from_rows(estate(0.02), source="Azure Resource Graph")
    assert sum(len(v.subnets) for v in topology.vnets) == 100
    text = dump.dump_topology(topology)
    assert topology_sha256(topology) == hashlib.sha256(text.encode()).hexdigest()
    assert topology_sha256(topology) == fresh_sha256(topology)
