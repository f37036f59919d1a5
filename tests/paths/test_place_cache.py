"""The trace asks the model once per client place (subnet, named client, gateway), not once per
address: on the reference topology, the sample and the benchmarks' estate, that answer must be
exactly the path walked for each address on its own, and the fixes searched from it the same."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.scale_estate import scale_topology  # the benchmarks' estate, on purpose
from netlogs.errors import NoPathError
from netlogs.model import FlowResult, VaultOutcome, Verdict
from netlogs.paths import expected_path, expected_paths_to_vault
from netlogs.testing import reference_topology
from netlogs.topology.loader import load_topology
from netlogs.topology.model import Topology
from netlogs.whatif import predicted_fixes
from netlogs.whatif.search import _Search

REPO = Path(__file__).resolve().parents[2]
ESTATES: list[tuple[str, Callable[[], Topology], str]] = [
    ("reference", reference_topology, "kv-test"),
    ("sample", lambda: load_topology(REPO / "sample_data" / "topology.yaml"), "kv-contoso-prod"),
    ("scale_estate", scale_topology, "kv1"),
]


def addresses(topology: Topology) -> list[str]:
    """Several addresses of every subnet, VNet, client range and gateway prefix, the firewalls'
    and endpoints' own, client names, and addresses placed nowhere."""
    prefixes = [p for v in topology.vnets for s in v.subnets for p in s.address_prefixes]
    prefixes += [p for v in topology.vnets for p in v.address_prefixes]
    prefixes += [p for c in topology.clients for p in c.ips]
    prefixes += [
        p for g in topology.gateways for p in (*g.learned_prefixes, *g.local_network_prefixes)
    ]
    found: list[str] = []
    for prefix in prefixes:
        network = ipaddress.ip_network(prefix, strict=False)
        offsets = {0, 4, 5, 77, network.num_addresses - 2, network.num_addresses - 1}
        found += [str(network[o]) for o in sorted(offsets) if 0 <= o < network.num_addresses]
    found += [f.private_ip for f in topology.firewalls if f.private_ip]
    found += [pe.ip for pe in topology.private_endpoints]
    found += [c.name for c in topology.clients]
    found += ["203.0.113.45", "8.8.8.8", "192.0.2.1"]
    return list(dict.fromkeys(found))


@pytest.mark.parametrize(("build", "vault"), [e[1:] for e in ESTATES], ids=[e[0] for e in ESTATES])
def test_paths_per_place_equal_paths_per_address(build: Callable[[], Topology], vault: str) -> None:
    topology = build()
    ips = addresses(topology)
    assert len(ips) > 30
    grouped = expected_paths_to_vault(topology, vault, ips)
    placed = 0
    for ip in ips:
        try:
            alone = expected_path(topology, ip, vault)
        except NoPathError:
            assert not grouped[ip].delivered and grouped[ip].source == ip, ip
            continue
        assert grouped[ip] == alone, ip
        placed += 1
    assert placed > 20  # the comparison is not vacuous


def bypassing(ip: str, client: str | None) -> FlowResult:
    return FlowResult(
        ip,
        client,
        Verdict.REACHED_BYPASSING_FIREWALL,
        "test",
        True,
        VaultOutcome.SERVED,
        1,
        {},
        {},
        None,
        None,
        (),
        (),
    )


@pytest.mark.parametrize(("build", "vault"), [e[1:] for e in ESTATES], ids=[e[0] for e in ESTATES])
def test_fixes_from_the_batched_paths_equal_fixes_from_paths_per_flow(
    build: Callable[[], Topology], vault: str
) -> None:
    topology = build()
    firewall = topology.firewalls[0].name
    flows = [bypassing(ip, None) for ip in addresses(topology)]
    batched = predicted_fixes(topology, vault, firewall, flows)
    search = _Search(topology, vault, firewall, flows)  # no batch: each flow walks its own path
    per_flow = tuple(fix for f in flows if (fix := search.fix(f)) is not None)
    assert batched == per_flow
    ips = [f.client_ip for f in flows]
    known = expected_paths_to_vault(topology, vault, ips[::2])  # the trace's paths, some clients
    assert predicted_fixes(topology, vault, firewall, flows, known) == batched
    assert any(fix.changes for fix in batched) or vault == "kv1"  # the estate has no fix
    assert batched  # some violators are explained by the model
