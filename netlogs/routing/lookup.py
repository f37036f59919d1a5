"""Longest-prefix-match lookup over a subnet's Active routes (semantics §1.3)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Generic, Protocol, TypeVar

from netlogs.errors import ConfigError
from netlogs.routing.prefixes import mask, parse_ip, parse_prefix
from netlogs.routing.types import (
    DEFAULT,
    GATEWAY,
    PROTECTED_FROM_BGP,
    EffectiveRoute,
    RouteDecision,
    RoutingOptions,
)

T = TypeVar("T")


class PrefixMap(Generic[T]):
    """Items keyed by prefix; ``matches(ip)`` yields the groups containing ip, longest first.

    One dict per prefix length: at most 33 probes per lookup whatever the table size.
    """

    def __init__(self) -> None:
        self._by_length: dict[int, dict[int, list[T]]] = {}
        self._lengths: list[int] = []

    def add(self, network: int, length: int, item: T) -> None:
        table = self._by_length.get(length)
        if table is None:
            table = self._by_length[length] = {}
            self._lengths = sorted(self._by_length, reverse=True)
        table.setdefault(network, []).append(item)

    def matches(self, ip: int) -> Iterator[tuple[int, list[T]]]:
        for length in self._lengths:
            group = self._by_length[length].get(ip & mask(length))
            if group:
                yield length, group


def _route_key(route: EffectiveRoute) -> tuple[int, int]:
    parsed = parse_prefix(route.prefix)
    if parsed is None:  # EffectiveRoutes are built from parsed prefixes; keep mypy honest
        raise ConfigError(f"route prefix {route.prefix!r} is not an IPv4 prefix")
    return parsed


class RouteLookup:
    """The Active routes of one subnet, compiled for repeated lookups."""

    def __init__(self, routes: Iterable[EffectiveRoute], options: RoutingOptions) -> None:
        self._map: PrefixMap[EffectiveRoute] = PrefixMap()
        self._options = options
        for route in routes:
            if route.active:
                network, length = _route_key(route)
                self._map.add(network, length, route)

    def decide(self, destination: str) -> RouteDecision:
        ip = parse_ip(destination)
        if ip is None:
            raise ConfigError(f"destination {destination!r} is not an IPv4 address")
        return self.decide_int(ip, destination)

    def decide_int(self, ip: int, destination: str) -> RouteDecision:
        best, note = select_best(self._map.matches(ip), self._options)
        if not best:
            return RouteDecision(destination, (), "no route matches")
        return RouteDecision(destination, tuple(best), note)


class RouteLike(Protocol):
    @property
    def source(self) -> str: ...

    @property
    def next_hop_type(self) -> str: ...

    @property
    def prefix(self) -> str: ...


R = TypeVar("R", bound=RouteLike)


def select_best(
    matches: Iterator[tuple[int, list[R]]], options: RoutingOptions
) -> tuple[list[R], str]:
    """The winning group among prefix matches (longest first) and a note on any exception."""
    first = next(matches, None)
    if first is None:
        return [], ""
    best = first[1]
    if best[0].source != GATEWAY or not options.system_routes_beat_more_specific_bgp:
        return best, ""
    for _length, group in matches:
        protected = [
            r for r in group if r.source == DEFAULT and r.next_hop_type in PROTECTED_FROM_BGP
        ]
        if protected:
            note = (
                f"system route {protected[0].prefix} {protected[0].next_hop_type} beats the "
                f"more specific gateway route {best[0].prefix}"
            )
            return protected, note
    return best, ""


def next_hop(
    routes: Iterable[EffectiveRoute], ip: str, options: RoutingOptions | None = None
) -> RouteDecision:
    """Where a subnet with these effective routes sends a packet for ``ip``.

    Longest prefix match over Active routes; VNet, peering and service-endpoint system routes
    beat more specific gateway (BGP) routes; a ``None`` next hop means drop; several winning
    routes (e.g. two gateway instances) mean ECMP.
    """
    return RouteLookup(routes, options or RoutingOptions()).decide(ip)
