"""The state one walk carries from hop to hop.

Apart from ``walk`` so that the modules reading a finished walk (``outcome``, ``result``,
``filtering``) can name its type without importing the walk that calls them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netlogs.model import PathHop
from netlogs.paths.endpoint_types import Origin, Target
from netlogs.routing import RouteDecision, RoutingIndex
from netlogs.topology.model import Firewall


@dataclass
class Walk:
    """State of one walk; ``first`` is the client subnet's decision (bypass analysis uses it)."""

    index: RoutingIndex
    origin: Origin
    target: Target
    hops: list[PathHop] = field(default_factory=list)
    firewalls: list[Firewall] = field(default_factory=list)
    appliances: list[str] = field(default_factory=list)  # next hops that are no Azure Firewall
    visited: list[str] = field(default_factory=list)
    first: tuple[str, RouteDecision] | None = None
    drop_reason: str | None = None
    delivered: bool = False
    port: int | None = None
    notes: list[str] = field(default_factory=list)  # what the walk could not decide
