"""Import Virtual WAN hubs from Azure JSON: connections, secured-hub firewall, routing intent,
VPN gateway and the branch prefixes of its VPN sites.

Read from ``az network vhub list``, ``vhub connection list``, ``vhub routing-intent list``,
``vhub route-table list``, ``firewall list`` (``virtualHub``, ``hubIPAddresses``),
``vpn-gateway list``, ``vpn-site list`` and ``vhub get-effective-routes`` (see
``azure_hub_routes``). A hub's objects name it in their resource ids
(``.../virtualHubs/<hub>/...``); an object whose hub is not in the input is counted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netlogs.topology.arm_shapes import (
    ER_GATEWAY,
    FIREWALL,
    HUB_CONNECTION,
    HUB_ROUTE_TABLE,
    ROUTING_INTENT,
    VIRTUAL_HUB,
    VPN_GATEWAY,
    VPN_SITE,
    Resource,
    dig,
    flat_list,
    last_segment,
    of_type,
    segment_after,
)
from netlogs.topology.azure_hub_routes import attach_effective_routes
from netlogs.topology.import_notes import (
    HUB_ROUTING,
    INTENT_NEXT_HOP,
    OUTSIDE_INPUT,
    ImportNotes,
)
from netlogs.topology.import_notes import VIRTUAL_HUB as HUB_GAP

# the destinations of routing-intent policies, as Azure spells them
INTENT_DESTINATIONS = ("PrivateTraffic", "Internet")
PRIVATE_TRAFFIC_ROUTE = "private_traffic"  # the Private policy's additional prefixes
# routes Azure writes into the default route table for routing intent
INTENT_ROUTES = frozenset({"_policy_privatetraffic", "_policy_publictraffic",
                           "_policy_internettraffic", PRIVATE_TRAFFIC_ROUTE})
BUILT_IN_TABLES = frozenset({"defaultroutetable", "noneroutetable"})

VnetName = Callable[[str], "str | None"]  # resource id -> VNet name in the input, if any


def virtual_hubs(
    resources: list[Resource], vnet_name: VnetName, notes: ImportNotes
) -> list[dict[str, Any]]:
    """The ``virtualHubs`` entries of the input's hubs (documented format)."""
    hubs = {r.name.lower(): _hub(r) for r in of_type(resources, VIRTUAL_HUB)}
    _attach(resources, HUB_CONNECTION, hubs, notes,
            lambda hub, r: _connection(hub, r, vnet_name, notes))
    _attach(resources, FIREWALL, hubs, notes, _firewall, hub_of=_firewall_hub)
    _attach(resources, HUB_ROUTE_TABLE, hubs, notes, _route_table)
    sites = {r.id.lower(): r for r in of_type(resources, VPN_SITE)}
    _attach(resources, VPN_GATEWAY, hubs, notes,
            lambda hub, r: _vpn_gateway(hub, r, sites, notes), hub_of=_gateway_hub)
    _attach(resources, ER_GATEWAY, hubs, notes, _er_gateway, hub_of=_gateway_hub)
    _attach(resources, ROUTING_INTENT, hubs, notes, lambda hub, r: _intent(hub, r, notes))
    attach_effective_routes(resources, hubs, notes)
    return [_finished(hub, notes) for _, hub in sorted(hubs.items())]


def connected_vnets(hubs: list[dict[str, Any]]) -> set[str]:
    """Lower-case names of the VNets some imported hub connects (their ``HV_`` peerings stand
    for that connection)."""
    return {str(v).lower() for hub in hubs for v in hub["virtualNetworkConnections"]}


def _hub(r: Resource) -> dict[str, Any]:
    hub: dict[str, Any] = {
        "name": r.name,
        "addressPrefix": r.need_text("addressPrefix"),
        "virtualNetworkConnections": [],
        "routingIntent": [],
    }
    router_ips = r.strings("virtualRouterIps")
    if router_ips:
        hub["virtualRouterIps"] = router_ips
    wan_id = dig(r.body, "virtualWan.id")
    if isinstance(wan_id, str) and wan_id:
        hub["virtualWan"] = last_segment(wan_id)
    firewall_id = dig(r.body, "azureFirewall.id")
    if isinstance(firewall_id, str) and firewall_id:
        hub["firewall"] = last_segment(firewall_id)
    return hub


def _er_gateway(hub: dict[str, Any], r: Resource) -> None:
    """The hub's ExpressRoute gateway; its on-premises prefixes come from the hub's effective
    routes (``ExpressRouteGateway`` rows), else they stay a gap."""
    hub["expressRouteGateway"] = r.name


def _hub_in_id(r: Resource) -> str | None:
    return segment_after(r.id, "virtualHubs")


def _firewall_hub(r: Resource) -> str | None:
    hub_id = dig(r.body, "virtualHub.id")
    return last_segment(hub_id) if isinstance(hub_id, str) and hub_id else None


def _gateway_hub(r: Resource) -> str | None:
    return _firewall_hub(r) or _hub_in_id(r)


def _attach(
    resources: list[Resource], kind: str, hubs: dict[str, dict[str, Any]], notes: ImportNotes,
    read: Callable[[dict[str, Any], Resource], None], *,
    hub_of: Callable[[Resource], str | None] = _hub_in_id,
) -> None:
    """Give each resource of ``kind`` to its hub; those of hubs outside the input are counted."""
    for r in of_type(resources, kind):
        name = hub_of(r)
        if name is None:
            continue  # a firewall in a VNet: azure_devices reads it
        hub = hubs.get(name.lower())
        if hub is None:
            notes.ignore("Virtual WAN objects of hubs that are not in the input", name)
            continue
        read(hub, r)


def _connection(hub: dict[str, Any], r: Resource, vnet_name: VnetName,
                notes: ImportNotes) -> None:
    remote_id = str(r.need("remoteVirtualNetwork.id"))
    vnet = vnet_name(remote_id)
    if vnet is None:
        hub.setdefault("_outside", []).append(f"{hub['name']}/{r.name} -> "
                                              f"{last_segment(remote_id)}")
        return
    hub["virtualNetworkConnections"].append(vnet)
    hub.setdefault("_connection_vnets", {})[r.name.lower()] = vnet
    associated = dig(r.body, "routingConfiguration.associatedRouteTable.id")
    if isinstance(associated, str) and last_segment(associated).lower() not in BUILT_IN_TABLES:
        hub.setdefault("_custom", []).append(f"{hub['name']}/{r.name} associated with "
                                             f"{last_segment(associated)}")
    if flat_list(dig(r.body, "routingConfiguration.vnetRoutes.staticRoutes")):
        hub.setdefault("_custom", []).append(f"{hub['name']}/{r.name} static routes")
    # the az CLI creates connections with internet security on; Azure prints the flag
    if r.body.get("enableInternetSecurity", True) is False:
        hub.setdefault("connectionsWithoutInternetSecurity", []).append(vnet)


def _firewall(hub: dict[str, Any], r: Resource) -> None:
    hub["firewall"] = r.name
    private_ip = dig(r.body, "hubIPAddresses.privateIPAddress")
    if isinstance(private_ip, str) and private_ip:
        hub["firewallPrivateIpAddress"] = private_ip
    addresses = flat_list(dig(r.body, "hubIPAddresses.publicIPs.addresses"))
    public = [a["address"] for a in addresses if isinstance(a.get("address"), str)]
    if public:
        hub["firewallPublicIpAddresses"] = public


def _route_table(hub: dict[str, Any], r: Resource) -> None:
    for route in flat_list(r.body.get("routes")):
        name = str(route.get("name") or "?")
        if name == PRIVATE_TRAFFIC_ROUTE:
            prefixes = r.strings("destinations", route, f"routes[{PRIVATE_TRAFFIC_ROUTE}].")
            hub.setdefault("privateTrafficPrefixes", []).extend(prefixes)
        elif name.lower() not in INTENT_ROUTES or r.name.lower() not in BUILT_IN_TABLES:
            hub.setdefault("_custom", []).append(f"{hub['name']}/{r.name} route {name}")


def _vpn_gateway(hub: dict[str, Any], r: Resource, sites: dict[str, Resource],
                 notes: ImportNotes) -> None:
    peers = flat_list(dig(r.body, "bgpSettings.bgpPeeringAddresses"))
    ips = [ip for p in peers
           for ip in r.strings("defaultBgpIpAddresses", p, "bgpSettings.bgpPeeringAddresses[].")]
    hub.setdefault("vpnGatewayIpAddresses", []).extend(ips)
    for connection in flat_list(r.body.get("connections")):
        site_id = dig(connection, "remoteVpnSite.id")
        if not isinstance(site_id, str) or not site_id:
            continue
        site = sites.get(site_id.lower())
        if site is None:
            hub.setdefault("_outside", []).append(f"VPN site {last_segment(site_id)}")
            continue
        prefixes = site.strings("addressSpace.addressPrefixes")
        if not prefixes:
            notes.ignore("VPN sites with BGP-only prefixes (not known from the export)",
                         site.name)
        hub.setdefault("branchAddressPrefixes", []).extend(prefixes)


def _intent(hub: dict[str, Any], r: Resource, notes: ImportNotes) -> None:
    for policy in flat_list(r.body.get("routingPolicies")):
        where = f"routingPolicies[{policy.get('name') or '?'}]."
        next_hop = str(r.need("nextHop", policy, where))
        on_hub_firewall = "/azurefirewalls/" in next_hop.lower() and (
            "firewall" not in hub or last_segment(next_hop).lower() == hub["firewall"].lower())
        for destination in r.strings("destinations", policy, where):
            if destination not in INTENT_DESTINATIONS:
                notes.ignore("routing-intent destinations netlogs does not know", destination)
            elif on_hub_firewall:
                hub["firewall"] = hub.get("firewall") or last_segment(next_hop)
                hub["routingIntent"].append(destination)
            else:
                hub.setdefault("_intent_elsewhere", []).append(
                    f"{hub['name']} {destination} -> {last_segment(next_hop)}")


def _finished(hub: dict[str, Any], notes: ImportNotes) -> dict[str, Any]:
    """The entry without the importer's scratch keys, its gaps recorded (scoped to the hub's
    connected VNets: their routes are what the hub decides)."""
    scope = tuple(dict.fromkeys(hub["virtualNetworkConnections"]))
    hub.pop("_connection_vnets", None)
    for what in hub.pop("_outside", []):
        notes.gap_in(HUB_GAP if "VPN site" not in what else OUTSIDE_INPUT, what, scope)
    for what in hub.pop("_intent_elsewhere", []):
        notes.gap_in(INTENT_NEXT_HOP, what, scope)
    for what in hub.pop("_custom", []):
        notes.gap_in(HUB_ROUTING, what, scope)
    if hub["routingIntent"] and "firewallPrivateIpAddress" not in hub:
        # the firewall object (its hub address) is not in the input: the policy has no next hop
        notes.gap_in(INTENT_NEXT_HOP, f"{hub['name']} -> {hub.get('firewall', '?')} "
                                      "(add `az network firewall list`)", scope)
        hub["routingIntent"] = []
    for key in ("virtualNetworkConnections", "routingIntent", "vpnGatewayIpAddresses",
                "branchAddressPrefixes", "privateTrafficPrefixes", "expressRouteAddressPrefixes",
                "connectionsWithoutInternetSecurity"):
        if key in hub:
            hub[key] = list(dict.fromkeys(hub[key]))
    return hub
