"""The sort-and-sweep overlap check agrees with the pairwise definition, and scales."""

from __future__ import annotations

import ipaddress
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.topology_bench import mapping  # the benchmark's estate, shared on purpose
from netlogs.errors import TopologyError
from netlogs.topology.addresses import Block, first_overlap, reserved_by_azure
from netlogs.topology.loader import topology_from_mapping

networks = st.builds(
    lambda start, length: ipaddress.ip_network(f"{ipaddress.ip_address(start)}/{length}",
                                               strict=False),
    st.integers(0, 2**12 - 1).map(lambda n: (10 << 24) + (n << 4)),
    st.integers(20, 30),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(networks, max_size=12))
def test_sweep_finds_an_overlap_exactly_when_a_pair_overlaps(
    nets: list[ipaddress.IPv4Network],
) -> None:
    pairwise = any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1:])
    found = first_overlap(Block(net, index) for index, net in enumerate(nets))
    assert (found is not None) == pairwise
    if found is not None:
        first, second = found
        assert first.tag != second.tag and first.network.overlaps(second.network)


def test_ipv4_and_ipv6_never_overlap_each_other() -> None:
    blocks = [Block(ipaddress.ip_network("0.0.0.0/0"), "v4"),
              Block(ipaddress.ip_network("::/0"), "v6")]
    assert first_overlap(blocks) is None


def test_reserved_addresses_of_a_subnet() -> None:
    subnet = [ipaddress.ip_network("10.1.2.0/29"), ipaddress.ip_network("10.1.3.0/24")]
    reserved = {str(ip) for ip in ipaddress.ip_network("10.1.2.0/29")
                if reserved_by_azure(ip, subnet)}
    assert reserved == {"10.1.2.0", "10.1.2.1", "10.1.2.2", "10.1.2.3", "10.1.2.7"}
    assert reserved_by_azure(ipaddress.ip_address("10.1.3.255"), subnet) == subnet[1]
    assert reserved_by_azure(ipaddress.ip_address("10.1.3.4"), subnet) is None
    v6 = [ipaddress.ip_network("fd00::/64")]
    assert reserved_by_azure(ipaddress.ip_address("fd00::1"), v6) is None  # none documented


def test_ten_thousand_subnets_in_one_vnet_validate_in_seconds() -> None:
    """Pairwise checks took minutes here (10,000 subnets: 50 million pairs)."""
    data = mapping(10_000)
    started = time.perf_counter()
    topology = topology_from_mapping(data, source="big")
    assert time.perf_counter() - started < 20  # about 0.5 s alone; generous for a busy machine
    assert len(topology.vnets[0].subnets) == 10_000
    data["virtualNetworks"][0]["subnets"][9_999]["addressPrefix"] = "10.0.0.0/27"  # hits s9998
    with pytest.raises(TopologyError) as caught:
        topology_from_mapping(data, source="big")
    assert str(caught.value) == ("big: virtualNetworks[big].subnets[s9998]: addressPrefixes: "
                                 "10.0.0.16/28 overlaps subnet s9999 (10.0.0.0/27)")
