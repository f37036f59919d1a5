"""Hops every part of a walk appends: a routing decision, a drop."""

from __future__ import annotations

from netlogs.model import Confidence, HopKind, PathHop
from netlogs.paths.walk_state import Walk
from netlogs.routing import RouteDecision


def route_hop(kind: HopKind, name: str, subnet: str, decision: RouteDecision) -> PathHop:
    route = decision.route
    assert route is not None
    detail = f"{route.next_hop_type} {route.prefix} in {subnet}"
    if route.name:
        detail += f" ({route.name})"
    if decision.next_hop_ips:
        detail += " -> " + ", ".join(decision.next_hop_ips) + (" (ECMP)" if decision.ecmp else "")
    if decision.note:
        detail += f"; {decision.note}"
    return PathHop(kind, name, detail, decision.confidence)


def drop(
    w: Walk, name: str, reason: str, decision: RouteDecision | None = None,
    confidence: Confidence | None = None,
) -> None:
    level = confidence or (decision.confidence if decision else Confidence.HIGH)
    w.hops.append(PathHop(HopKind.DROP, name, reason, level))
    w.drop_reason = reason
    w.delivered = False
