"""Hop status per expected-path hop (contract §5 "Hop status")."""

from __future__ import annotations

from netlogs.model import HopKind, HopStatus, LogFamily, ObservedHop, PathHop, SourceStatus
from netlogs.verdicts.situation import Situation

# Routing decisions leave no log row: a UDR, a peering or a gateway hop is never shown directly.
_ROUTING_HOPS = (HopKind.UDR, HopKind.PEERING, HopKind.GATEWAY)

_FAMILY_OF_HOP = {
    HopKind.FIREWALL: LogFamily.FIREWALL,
    HopKind.PRIVATE_ENDPOINT: LogFamily.KEYVAULT,
    HopKind.SERVICE_ENDPOINT: LogFamily.KEYVAULT,
    HopKind.PUBLIC_ENDPOINT: LogFamily.KEYVAULT,
    HopKind.VAULT: LogFamily.KEYVAULT,
}


def observed_hops(
    s: Situation, seen: dict[tuple[int, HopStatus], ObservedHop] | None = None
) -> tuple[ObservedHop, ...]:
    """The model's hops for this client, each with how well the logs show it.

    ``seen`` (by hop object, while the paths are alive) shares results between flows: clients
    of one place share their hop objects (the model writes one path per place) and mostly
    their statuses, so most flows need no new objects.
    """
    if s.path is None:
        return ()
    if seen is None:
        seen = {}
    hops = []
    for hop in s.path.hops:
        status = hop_status(hop, s)
        key = (id(hop), status)
        observed = seen.get(key)
        if observed is None:
            observed = seen[key] = ObservedHop(hop.hop, hop.name, hop.detail, status)
        hops.append(observed)
    return tuple(hops)


def hop_status(hop: PathHop, s: Situation) -> HopStatus:
    """observed when a row proves the hop; otherwise what the source's coverage allows us to say."""
    if hop.hop in _ROUTING_HOPS:
        return HopStatus.UNOBSERVABLE
    if _is_observed(hop, s):
        return HopStatus.OBSERVED
    if hop.hop is HopKind.DROP:
        return HopStatus.UNOBSERVABLE  # a route to nowhere logs nothing; only denies show up
    if hop.hop is HopKind.CLIENT:
        return _absence(LogFamily.FLOW, s)
    return _absence(_FAMILY_OF_HOP[hop.hop], s)


def _is_observed(hop: PathHop, s: Situation) -> bool:
    f = s.facts
    if hop.hop is HopKind.CLIENT:
        # rows with the client's own address: its attempts, or requests not logged under SNAT
        return f.attempts > 0 or f.requests > f.via_snat
    if hop.hop is HopKind.FIREWALL:
        name = hop.name.lower()
        covering = (f.covering_firewall or "").lower() == name and f.covered > 0
        denying = (f.fw_deny_firewall or "").lower() == name
        return covering or denying or (f.fw_allow > 0 and _only_firewall(s, name))
    if hop.hop is HopKind.PRIVATE_ENDPOINT:
        return f.via_private_endpoint > 0
    if hop.hop is HopKind.SERVICE_ENDPOINT:
        return f.via_service_endpoint > 0
    if hop.hop is HopKind.PUBLIC_ENDPOINT:
        return f.via_public + f.denied_network > 0
    if hop.hop is HopKind.VAULT:
        return f.requests > 0
    if hop.hop is HopKind.DROP:
        return f.fw_deny + f.flow_denied > 0
    return False


def _only_firewall(s: Situation, name: str) -> bool:
    """Allow counts are not split per firewall; they prove this hop when it is the only one."""
    names = {fw.name.lower() for fw in s.ctx.firewalls}
    return names <= {name}


def _absence(family: LogFamily, s: Situation) -> HopStatus:
    status = s.status(family)
    if status in (SourceStatus.MISSING, SourceStatus.PARTIAL):
        return HopStatus.NOT_COVERED
    if status is SourceStatus.PENDING:
        return HopStatus.PENDING
    last = s.facts.last_seen or s.facts.fw_last or s.facts.flow_first
    if s.ctx.in_latency(family) and (last is None or last > s.ctx.settled_until(family)):
        return HopStatus.PENDING
    return HopStatus.NOT_OBSERVED
