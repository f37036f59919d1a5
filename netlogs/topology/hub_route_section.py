"""``virtualHubs[].effectiveRoutes``: the output of ``az network vhub get-effective-routes``
kept in the topology file, one entry per hub resource it was asked for.

Rows keep Azure's field names (``addressPrefixes``, ``nextHopType``, ``nextHops``, ``asPath``,
``routeOrigin``); next hop types are free strings as Azure prints them. Documented in
docs/topology-format.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from netlogs.topology.fields import Fields
from netlogs.topology.model import HUB_ROUTE_VIEW_TYPES, HubRoute, HubRouteView

VIEW_KEYS = ("resourceType", "resource", "routes")
ROUTE_KEYS = ("addressPrefixes", "nextHopType", "nextHops", "asPath", "routeOrigin")


def _entries(parent: Fields, key: str, label_key: str) -> Iterator[Fields]:
    for index, item in enumerate(parent.list_of(key)):
        label = item.get(label_key) if isinstance(item, Mapping) else None
        yield parent.child(key, item, label if isinstance(label, str) else str(index))


def load_hub_route_views(hub: Fields) -> tuple[HubRouteView, ...]:
    views = []
    for f in _entries(hub, "effectiveRoutes", "resource"):
        f.reject_unknown(VIEW_KEYS)
        routes = []
        for index, item in enumerate(f.list_of("routes")):
            r = f.child("routes", item, str(index))
            r.reject_unknown(ROUTE_KEYS)
            routes.append(HubRoute(
                prefixes=r.cidrs("addressPrefixes", required=True),
                next_hop_type=r.string("nextHopType"),
                next_hops=r.strings("nextHops"),
                as_path=_text(r, "asPath"),
                origin=_text(r, "routeOrigin"),
            ))
        views.append(HubRouteView(
            resource_type=f.choice("resourceType", HUB_ROUTE_VIEW_TYPES, "RouteTable"),
            resource=f.string("resource"),
            routes=tuple(routes),
        ))
    return tuple(views)


def _text(r: Fields, key: str) -> str:
    """An optional string Azure may print empty (``"asPath": ""``)."""
    value = r.data.get(key)
    if value is None or value == "":
        return ""
    return r.opt_string(key) or ""


def dump_hub_route_views(views: tuple[HubRouteView, ...], compact: Any) -> list[Any]:
    return [compact([
        ("resourceType", v.resource_type, None), ("resource", v.resource, None),
        ("routes", [compact([
            ("addressPrefixes", r.prefixes, None), ("nextHopType", r.next_hop_type, None),
            ("nextHops", r.next_hops, ()), ("asPath", r.as_path, ""),
            ("routeOrigin", r.origin, ""),
        ]) for r in v.routes], []),
    ]) for v in views]

