"""The two ends of a path: ``Origin`` (where it starts) and ``Target`` (one destination address).

Plain values, apart from ``endpoints`` (which builds them) so that name resolution can take an
``Origin`` without importing the module that calls it.
"""

from __future__ import annotations

from dataclasses import dataclass

from netlogs.model import Confidence
from netlogs.topology.model import Client, KeyVault, PrivateEndpoint, VirtualNetworkGateway


@dataclass(frozen=True)
class Origin:
    """The start of a path: a subnet of an Azure client, or a gateway for on-premises traffic."""

    label: str  # what the user asked for
    subnet: str  # vnet/subnet whose effective routes decide the first hop
    ip: str | None  # the client address, when known
    place: str  # where it sits ("in vnet/subnet", "vm x in vnet/subnet"): the client hop says so
    client: Client | None = None
    gateway: VirtualNetworkGateway | None = None  # on-premises: the gateway traffic enters by
    labelled: bool = False  # a bare address: the description starts with the label

    @property
    def description(self) -> str:
        """Shown in the client hop."""
        return f"{self.label} {self.place}" if self.labelled else self.place

    @property
    def uses_private_dns(self) -> bool | None:
        """As stated for the client; None when nobody said (the DNS model decides)."""
        return self.client.uses_private_dns if self.client else None

    @property
    def app_service_without_route_all(self) -> bool:
        return bool(self.client and self.client.kind == "app_service" and not self.client.route_all)


@dataclass(frozen=True)
class Target:
    """One destination address; for a vault, one of its private endpoints or its public side."""

    label: str
    ip: str
    vault: KeyVault | None = None
    private_endpoint: PrivateEndpoint | None = None
    public: bool = False  # the vault's public endpoint (name resolved publicly)
    note: str = ""  # how the name resolved
    confidence: Confidence = Confidence.HIGH
    unevaluated: tuple[str, ...] = ()  # what the resolution had to assume
