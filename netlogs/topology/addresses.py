"""Address-plan checks that must stay fast on large estates, and Azure's reserved addresses.

Overlaps are found by one sort and one sweep (O(n log n)): CIDR blocks are either nested or
disjoint, so after sorting by first address, a block overlaps something earlier exactly when it
starts before the furthest end seen so far, and then it overlaps the block that reaches there.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from netlogs.topology.fields import IPNetwork

T = TypeVar("T")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Azure keeps the network address, the next three (gateway and DNS) and the broadcast address
# of every IPv4 subnet for itself: no NIC, private endpoint or VM can have them.
RESERVED_HOST_OFFSETS = (1, 2, 3)


class Block(Generic[T]):
    """A prefix with what it belongs to (``tag``), comparable by its address range."""

    __slots__ = ("end", "network", "start", "tag")

    def __init__(self, network: IPNetwork, tag: T) -> None:
        self.network = network
        self.tag = tag
        self.start = int(network.network_address)
        self.end = self.start + network.num_addresses - 1

    def within(self, outer: Block[Any]) -> bool:
        version = self.network.version == outer.network.version
        return version and outer.start <= self.start and self.end <= outer.end


def first_overlap(blocks: Iterable[Block[T]]) -> tuple[Block[T], Block[T]] | None:
    """Two overlapping blocks (the one reaching furthest first), or None; IPv4 and IPv6 apart."""
    ordered = sorted(blocks, key=lambda b: (b.network.version, b.start, -b.end))
    reach: Block[T] | None = None
    for block in ordered:
        if reach is not None and reach.network.version == block.network.version:
            if block.start <= reach.end:
                return reach, block
            if block.end > reach.end:
                reach = block
        else:
            reach = block
    return None


def reserved_by_azure(ip: IPAddress, subnet_prefixes: Iterable[IPNetwork]) -> IPNetwork | None:
    """The subnet prefix in which Azure reserves ``ip`` (IPv4 only), or None."""
    if ip.version != 4:
        return None  # no reserved set documented for IPv6 subnets: do not invent one
    for prefix in subnet_prefixes:
        if prefix.version == 4 and ip in prefix:
            offset = int(ip) - int(prefix.network_address)
            if offset == 0 or offset in RESERVED_HOST_OFFSETS or ip == prefix.broadcast_address:
                return prefix
    return None
