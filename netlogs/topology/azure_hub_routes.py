"""Import ``az network vhub get-effective-routes`` output into ``virtualHubs[].effectiveRoutes``.

The output (``{"value": [{addressPrefixes, nextHops, nextHopType, asPath, routeOrigin}]}``) does
not say which hub or resource it describes, so the file name must:
``HUB.RESOURCETYPE.RESOURCE.json``, e.g. ``vhub-ne.RouteTable.defaultRouteTable.json`` or
``vhub-ne.HubVirtualNetworkConnection.conn-app.json`` (anything before ``HUB.`` is ignored). A
connection's routes are filed under the VNet it connects.
"""

from __future__ import annotations

from typing import Any

from netlogs.topology.arm_shapes import HUB_EFFECTIVE_ROUTES, Resource, of_type
from netlogs.topology.import_notes import ImportNotes
from netlogs.topology.model import HUB_ROUTE_VIEW_TYPES

ROW_FIELDS = ("addressPrefixes", "nextHopType", "nextHops", "asPath", "routeOrigin")
NAMING = ("name the file HUB.RESOURCETYPE.RESOURCE.json (RESOURCETYPE as given to "
          f"--resource-type: {', '.join(HUB_ROUTE_VIEW_TYPES)})")


def attach_effective_routes(
    resources: list[Resource], hubs: dict[str, dict[str, Any]], notes: ImportNotes
) -> None:
    """Give each effective-routes file to its hub (by lower-case hub name)."""
    for r in of_type(resources, HUB_EFFECTIVE_ROUTES):
        hub_name, view_type, resource = _named_by(r)
        hub = hubs.get(hub_name.lower())
        if hub is None:
            notes.ignore("Virtual WAN objects of hubs that are not in the input", hub_name)
            continue
        if view_type == "HubVirtualNetworkConnection":
            vnet = hub.get("_connection_vnets", {}).get(resource.lower())
            if vnet is None:
                raise r.error(f"effective routes of connection {resource!r}: no connection of "
                              f"that name to a VNet of the input in hub {hub['name']} (add "
                              "`az network vhub connection list`)")
            resource = vnet
        rows = [_row(r, row, index) for index, row in enumerate(r.body["routes"])]
        hub.setdefault("effectiveRoutes", []).append(
            {"resourceType": view_type, "resource": resource, "routes": rows})
        learned = [p for row in rows if row["nextHopType"] == "ExpressRouteGateway"
                   for p in row["addressPrefixes"]]  # on-premises, over ExpressRoute
        if learned:
            hub.setdefault("expressRouteAddressPrefixes", []).extend(learned)


def _named_by(r: Resource) -> tuple[str, str, str]:
    parts = r.name.split(".")
    for index, part in enumerate(parts):
        if part in HUB_ROUTE_VIEW_TYPES and 0 < index < len(parts) - 1:
            return parts[index - 1], part, ".".join(parts[index + 1:])
    raise r.error(f"Virtual WAN hub effective routes: cannot tell which hub and resource; {NAMING}")


def _row(r: Resource, row: dict[str, Any], index: int) -> dict[str, Any]:
    where = f"value[{index}]."
    entry: dict[str, Any] = {
        "addressPrefixes": r.strings("addressPrefixes", row, where, required=True),
        "nextHopType": r.need_text("nextHopType", row, where),
    }
    hops = r.strings("nextHops", row, where)
    if hops:
        entry["nextHops"] = [h.strip() for h in hops if h.strip()]
    for key in ("asPath", "routeOrigin"):
        value = row.get(key)
        if isinstance(value, str) and value.strip():
            entry[key] = value.strip()
    return entry
