"""The result of a walk: its bypass, confidence and what it could not evaluate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlogs.model import Confidence, ExpectedPath, PathHop
from netlogs.paths.outcome import bypass_of

if TYPE_CHECKING:
    from netlogs.paths.walk_state import Walk

CONFIDENCE_ORDER = (Confidence.LOW, Confidence.MEDIUM, Confidence.HIGH)


def finish(w: Walk, port: int | None) -> ExpectedPath:
    """The ExpectedPath of a finished walk: the bypass named on its hop, the confidence, and
    what the walk touched but the model did not evaluate."""
    bypass, index_of_hop, sentence, level = bypass_of(w)
    hops = list(w.hops)
    if bypass is not None and index_of_hop is not None:
        hop = hops[index_of_hop]
        hops[index_of_hop] = PathHop(hop.hop, hop.name, f"{hop.detail}; {sentence}",
                                     _lowest(hop.confidence, level))
    confidence = Confidence.HIGH
    for hop in hops:
        confidence = _lowest(confidence, hop.confidence)
    unevaluated = _unevaluated(w)
    if unevaluated:
        confidence = Confidence.LOW
    return ExpectedPath(
        source=w.origin.label,
        destination=w.target.label,
        port=port,
        delivered=w.delivered,
        drop_reason=w.drop_reason,
        firewalls=tuple(f.name for f in w.firewalls),
        hops=tuple(hops),
        bypass=bypass,
        confidence=confidence,
        unevaluated=unevaluated,
    )


def _unevaluated(w: Walk) -> tuple[str, ...]:
    """Constructs the model did not evaluate that touch a VNet of this path, and what the
    name resolution had to assume."""
    places = (w.origin.subnet, *w.visited)
    vnets = {subnet.partition("/")[0] for subnet in places} | set(places)
    arrival = w.index.locate(w.target.ip) if w.target.ip else None  # a deny there drops it too
    if arrival is not None:
        vnets.add(arrival.partition("/")[0])
    gaps = w.index.gaps_touching(vnets)
    names = {f"{g.construct} {g.resource}" for g in gaps} | set(w.target.unevaluated)
    names |= set(w.notes)
    return tuple(sorted(names))


def _lowest(a: Confidence, b: Confidence) -> Confidence:
    return min(a, b, key=CONFIDENCE_ORDER.index)
