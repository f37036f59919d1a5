"""Topology model, loader and Azure JSON import."""

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
]
