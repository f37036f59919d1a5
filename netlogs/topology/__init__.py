"""Topology model, loader and Azure JSON import."""

from netlogs.topology.loader import (
    dump_topology,
    load_topology,
    topology_from_mapping,
    topology_sha256,
)
from netlogs.topology.model import (
    Client,
    DesignRule,
    Firewall,
    KeyVault,
    NetworkAcls,
    Peering,
    PrivateEndpoint,
    Route,
    RouteTable,
    Subnet,
    Topology,
    VirtualNetwork,
    VirtualNetworkGateway,
)

__all__ = [
    "Client",
    "DesignRule",
    "Firewall",
    "KeyVault",
    "NetworkAcls",
    "Peering",
    "PrivateEndpoint",
    "Route",
    "RouteTable",
    "Subnet",
    "Topology",
    "VirtualNetwork",
    "VirtualNetworkGateway",
    "dump_topology",
    "load_topology",
    "topology_from_mapping",
    "topology_sha256",
]
