"""Search the model for the smallest change that makes a violating client pass the firewall.

For each violation the model explains (the client is placed in the topology and its modelled
path delivers without the required firewall), candidate changes are tried in order of size:

    (a) a UDR on the client's subnet for the private endpoint's /32 to the firewall
        (on GatewaySubnet for on-premises clients)
    (b) a UDR there for the private endpoint VNet's range
    (c) network policies RouteTableEnabled on the private endpoint's subnet
    (d) removing the Microsoft.KeyVault service endpoint from the client's subnet
    (e) for a named client that resolves the vault publicly, the privatelink zone instead

then pairs of them when no single change works. The first whose re-run path delivers through
the firewall with no forward bypass is kept; every other client's path is re-run too, and the
ones whose firewalls or delivery change are listed (a fix never changes a path silently).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from netlogs.errors import ConfigError, NoPathError
from netlogs.model import ExpectedPath, FlowResult, PredictedFix, Verdict
from netlogs.paths import expected_path, expected_paths_to_vault, locate_ip
from netlogs.topology.model import Topology
from netlogs.whatif.az import DNS_NOTE, RESOURCE_GROUP_NOTE, az_commands
from netlogs.whatif.changes import (
    DNS_LINK,
    PE_POLICIES,
    PRIVATE_DNS,
    PRIVATE_ZONE,
    REMOVE_SERVICE_ENDPOINT,
    UDR,
    Change,
    apply_changes,
    describe,
)
from netlogs.whatif.places import origin_place

PREDICTED = f"{Verdict.REACHED_VIA_FIREWALL.value} (predicted)"
KEY_VAULT_SERVICE = "Microsoft.KeyVault"
MAX_SEARCHES = 50  # distinct client places searched per trace; the rest get a note
MAX_AFFECTED = 100  # other clients listed per fix; the rest are counted
_FIXABLE = (Verdict.REACHED_BYPASSING_FIREWALL, Verdict.REACHED_VIA_SERVICE_ENDPOINT)


def passes(path: ExpectedPath, firewall: str) -> bool:
    """The path the design wants: delivered, through ``firewall``, with no forward bypass."""
    return path.delivered and firewall in path.firewalls and path.forward_bypass is None


def predicted_fixes(
    topology: Topology,
    vault: str,
    firewall: str | None,
    flows: Sequence[FlowResult],
    known: Mapping[str, ExpectedPath] | None = None,
) -> tuple[PredictedFix, ...]:
    """One ``PredictedFix`` per violating flow whose cause the model explains.

    ``known``: paths to ``vault`` on ``topology`` already asked for (the trace's, by client IP).
    """
    if firewall is None:
        return ()
    fixable = [f for f in flows if f.violation and f.verdict in _FIXABLE]
    search = _Search(topology, vault, firewall, flows)
    search.before_paths([f.client_ip for f in fixable], known or {})
    search.place_clients([f.client_ip for f in fixable])
    fixes = [search.fix(f) for f in fixable]
    return tuple(f for f in fixes if f is not None)


@dataclass(frozen=True)
class _Found:
    changes: tuple[Change, ...]
    path: ExpectedPath


class _Search:
    """Caches per trace: the search per client place, the affected clients per change set."""

    def __init__(
        self, topology: Topology, vault: str, firewall: str, flows: Sequence[FlowResult]
    ) -> None:
        self.topology, self.vault, self.firewall = topology, vault, firewall
        self.flows = flows
        self._others: dict[str, OtherClient] | None = None  # only a found fix needs them
        self.found: dict[tuple[str, str | None], _Found | None] = {}
        self.before: dict[str, ExpectedPath] | None = None
        self.violators: dict[str, ExpectedPath] = {}
        self.changed: dict[tuple[Change, ...], _Changed] = {}
        self.after: dict[tuple[Change, ...], Topology] = {}
        self.places: dict[str, tuple[str | None, str | None]] = {}
        self.at_place: dict[tuple[str, str | None], list[str]] = {}
        self.predicted: dict[tuple[object, ...], dict[str, ExpectedPath]] = {}

    @property
    def others(self) -> dict[str, OtherClient]:
        if self._others is None:
            self._others = other_clients(self.topology, self.flows)
        return self._others

    def before_paths(self, client_ips: Sequence[str], known: Mapping[str, ExpectedPath]) -> None:
        """The violators' current paths: those ``known`` already (the trace's own), the others
        in one call walked once per client place (the same paths as ``expected_path`` per
        address: tests/paths/test_place_cache.py). Measured on the benchmark's violators: one
        call instead of one walk each, with the other clients listed only once a fix is found,
        0.30 -> 0.125 CPU s at 1x; the trace's paths reused, 16.7 -> 11.2 ms at 0.3x. An
        unknown vault: each flow asks on its own."""
        missing = [ip for ip in client_ips if ip not in known]
        try:
            asked = expected_paths_to_vault(self.topology, self.vault, missing) if missing else {}
        except ConfigError:
            asked = {}
        self.violators = {ip: known[ip] for ip in client_ips if ip in known} | asked

    def place_clients(self, client_ips: Sequence[str]) -> None:
        """Where each violator starts, and the violators of each place (a fix found for a
        place is re-run for all of them in one call)."""
        for ip in dict.fromkeys(client_ips):
            self.places[ip] = subnet, named = origin_place(self.topology, ip)
            if subnet is not None:
                self.at_place.setdefault((subnet, named), []).append(ip)

    def changed_topology(self, changes: tuple[Change, ...]) -> Topology:
        if changes not in self.after:
            self.after[changes] = apply_changes(self.topology, changes)
        return self.after[changes]

    def own_path(self, found: _Found, place: tuple[str, str | None], ip: str) -> _Found | None:
        """``found`` (searched for the place's first violator) re-run for ``ip``: the predicted
        path names this client, not the one the search started from."""
        key = (place, found.changes)
        if key not in self.predicted:
            changed = self.changed_topology(found.changes)
            try:
                self.predicted[key] = expected_paths_to_vault(
                    changed, self.vault, self.at_place.get(place, [])
                )
            except ConfigError:
                self.predicted[key] = {}
        path = self.predicted[key].get(ip)
        if path is None:
            try:
                path = expected_path(self.changed_topology(found.changes), ip, self.vault)
            except (NoPathError, ConfigError):
                return None
        if passes(path, self.firewall):
            return _Found(found.changes, path)
        return smallest_fix(self.topology, ip, self.vault, self.firewall, place)

    def fix(self, flow: FlowResult) -> PredictedFix | None:
        before = self.violators.get(flow.client_ip)
        try:
            if before is None:
                before = expected_path(self.topology, flow.client_ip, self.vault)
        except (NoPathError, ConfigError):
            return None  # not placed in the topology: the model does not explain it
        if not before.delivered or self.firewall in before.firewalls:
            return None
        subnet, named = self.places.get(flow.client_ip) or origin_place(
            self.topology, flow.client_ip
        )
        if subnet is None:
            return None
        place = (subnet, named)
        if place not in self.found:
            if len(self.found) >= MAX_SEARCHES:
                return _not_searched(flow)
            self.found[place] = smallest_fix(
                self.topology, flow.client_ip, self.vault, self.firewall, place
            )
        searched = self.found[place]
        found = searched and self.own_path(searched, place, flow.client_ip)
        if found is None:
            return _none_found(flow, self.firewall)
        affected = self.affected(found.changes, flow)
        return fix_record(self.topology, flow.client_ip, flow.client, found, affected)

    def affected(self, changes: tuple[Change, ...], flow: FlowResult) -> tuple[str, ...]:
        """The other clients whose path ``changes`` alter (computed once per change set)."""
        if changes not in self.changed:
            if self.before is None:
                self.before = paths_of(self.topology, self.vault, self.others.values())
            after = paths_of(self.changed_topology(changes), self.vault, self.others.values())
            self.changed[changes] = _Changed.of(self.others, self.before, after)
        return self.changed[changes].without(flow.client_ip, flow.client)


def smallest_fix(
    topology: Topology,
    source: str,
    destination: str,
    firewall: str,
    place: tuple[str, str | None],
) -> _Found | None:
    """The first candidate (singles in order of size, then pairs) whose path from ``source`` to
    ``destination`` (a vault, or an address) passes ``firewall``. ``place`` is
    ``origin_place(topology, source)``: the first subnet and the named client."""
    singles = candidates(topology, destination, firewall, place)
    for changes in (*((c,) for c in singles), *combinations(singles, 2)):
        try:
            path = expected_path(apply_changes(topology, changes), source, destination)
        except (NoPathError, ConfigError):
            continue
        if passes(path, firewall):
            return _Found(changes, path)
    return None


def candidates(
    topology: Topology, destination: str, firewall: str, place: tuple[str, str | None]
) -> list[Change]:
    """Single changes for a client starting in subnet ``place[0]``, smallest first."""
    subnet, client = place
    endpoints = [pe for pe in topology.private_endpoints if pe.target == destination]
    targets = [(pe.ip, pe.subnet) for pe in endpoints]
    if not endpoints and (located := locate_ip(topology, destination)) is not None:
        targets = [(destination, located)]  # an address: the same routes, no policies
    vnets = {v.name: v for v in topology.vnets}
    routes = [Change(UDR, subnet, f"{ip}/32->{firewall}") for ip, _where in targets]
    for _ip, where in targets:
        vnet = vnets.get(where.partition("/")[0])
        ranges = vnet.address_prefixes if vnet else ()
        routes += [Change(UDR, subnet, f"{p}->{firewall}") for p in ranges]
    policies = [
        Change(PE_POLICIES, pe.subnet, "RouteTableEnabled")
        for pe in endpoints
        if _policies(topology, pe.subnet) not in ("Enabled", "RouteTableEnabled")
    ]
    removal = [
        Change(REMOVE_SERVICE_ENDPOINT, subnet, KEY_VAULT_SERVICE)
        if KEY_VAULT_SERVICE in _service_endpoints(topology, subnet)
        else None
    ]
    dns = _dns_candidates(topology, subnet, client)
    unique: list[Change] = []
    for change in (*routes, *policies, *removal, *dns):
        if change is not None and change not in unique:
            unique.append(change)
    return unique


def fix_record(
    topology: Topology, ip: str, client: str | None, found: _Found, affected: tuple[str, ...]
) -> PredictedFix:
    commands = tuple(cmd for c in found.changes for cmd in az_commands(topology, c))
    return PredictedFix(
        client_ip=ip,
        client=client,
        changes=tuple(c.text for c in found.changes),
        description="; and ".join(describe(topology, c) for c in found.changes),
        az_commands=commands,
        predicted_path=path_summary(found.path),
        predicted_verdict=PREDICTED,
        affected=affected,
        note=RESOURCE_GROUP_NOTE
        + ("; " + DNS_NOTE if any(c.kind == PRIVATE_DNS for c in found.changes) else ""),
    )


def path_summary(path: ExpectedPath) -> str:
    hops = " -> ".join(h.name for h in path.hops)
    state = "delivered" if path.delivered else f"dropped ({path.drop_reason})"
    return f"{hops} ({state}, confidence {path.confidence.value})"


def _none_found(flow: FlowResult, firewall: str) -> PredictedFix:
    return PredictedFix(
        flow.client_ip,
        flow.client,
        (),
        "",
        (),
        "",
        "",
        note=f"no single change nor pair of changes the search tries makes this client's "
        f"modelled path pass {firewall}",
    )


def _not_searched(flow: FlowResult) -> PredictedFix:
    return PredictedFix(
        flow.client_ip,
        flow.client,
        (),
        "",
        (),
        "",
        "",
        note=f"not searched: fixes are searched for the first {MAX_SEARCHES} client places only",
    )


# --------------------------------------------------------------------------- other clients


@dataclass(frozen=True)
class OtherClient:
    source: str  # what the path is walked from: a client name or an address
    keys: tuple[str, ...]  # how a violating flow may name the same client


def other_clients(topology: Topology, flows: Sequence[FlowResult]) -> dict[str, OtherClient]:
    """label -> client, for every client of the topology and every client of the result."""
    labels: dict[str, OtherClient] = {}
    named = {c.name for c in topology.clients}
    for client in topology.clients:
        labels[f"{client.name} ({', '.join(client.ips)})"] = OtherClient(
            client.name, (client.name,)
        )
    for flow in flows:
        if flow.client in named:
            continue
        label = f"{flow.client} ({flow.client_ip})" if flow.client else flow.client_ip
        labels.setdefault(label, OtherClient(flow.client_ip, (flow.client_ip,)))
    return labels


def paths_of(
    topology: Topology, vault: str, others: Iterable[OtherClient]
) -> dict[str, ExpectedPath]:
    sources = list(dict.fromkeys(o.source for o in others))
    return expected_paths_to_vault(topology, vault, sources)


@dataclass(frozen=True)
class _Changed:
    """Every client whose path one change set alters: its line, and where each client's is."""

    lines: tuple[str, ...]
    position: dict[str, int]  # client name or address -> index in lines

    @classmethod
    def of(
        cls,
        others: dict[str, OtherClient],
        before: dict[str, ExpectedPath],
        after: dict[str, ExpectedPath],
    ) -> _Changed:
        lines: list[str] = []
        position: dict[str, int] = {}
        for label, other in others.items():
            old, new = before[other.source], after[other.source]
            if (old.delivered, old.firewalls) != (new.delivered, new.firewalls):
                for key in other.keys:
                    position[key] = len(lines)
                lines.append(f"{label}: {_outcome(old)} -> {_outcome(new)}")
        return cls(tuple(lines), position)

    def without(self, *client: str | None) -> tuple[str, ...]:
        """The lines minus the client's own, at most MAX_AFFECTED and a count of the rest."""
        own = {self.position[key] for key in client if key in self.position}
        kept = [
            line for i, line in enumerate(self.lines[: MAX_AFFECTED + len(own)]) if i not in own
        ][:MAX_AFFECTED]
        rest = len(self.lines) - len(own) - len(kept)
        return (*kept, f"... and {rest} more client(s)") if rest > 0 else tuple(kept)


def _outcome(path: ExpectedPath) -> str:
    if not path.delivered:
        return f"dropped ({path.drop_reason})"
    via = ", ".join(path.firewalls)
    return f"delivered through {via}" if via else "delivered without a firewall"


def _policies(topology: Topology, subnet: str) -> str:
    return next(
        (
            s.private_endpoint_network_policies
            for v in topology.vnets
            for s in v.subnets
            if s.ref == subnet
        ),
        "Disabled",
    )


def _service_endpoints(topology: Topology, subnet: str) -> tuple[str, ...]:
    return next(
        (s.service_endpoints for v in topology.vnets for s in v.subnets if s.ref == subnet), ()
    )


def _dns_candidates(topology: Topology, subnet: str, client: str | None) -> list[Change]:
    """A named client stated to resolve publicly: its own DNS. A client the zones decide for:
    link the zone to its VNet when it is not linked yet."""
    stated = next((c.uses_private_dns for c in topology.clients if c.name == client), None)
    if client is not None and stated is False:
        return [Change(PRIVATE_DNS, client, PRIVATE_ZONE)]
    zone = next((z for z in topology.private_dns_zones if z.name == PRIVATE_ZONE), None)
    vnet = subnet.partition("/")[0]
    if stated is None and zone is not None and vnet not in zone.virtual_network_links:
        return [Change(DNS_LINK, vnet, PRIVATE_ZONE)]
    return []
