"""Routes of a Virtual WAN hub's own subnets: between hubs, and for branch traffic under a
Private routing-intent policy.

- **Hub to hub.** Hubs of one Virtual WAN exchange their dynamic routes: each hub knows the
  other hubs' connected VNet ranges and branch prefixes, next hop the other hub's router
  (``0.0.0.0/0`` never crosses hubs). A spoke of a hub without a Private policy receives them
  through its hub's router.
- **Branches under a Private policy.** Branch connections are associated with the default
  route table, which routing intent fills with the RFC 1918 aggregates and the additional
  private prefixes to the hub firewall; the connections no longer propagate their ranges to
  it, so the hub gateways send branch traffic to the firewall. The private endpoints' /32s of
  connected VNets still sit in the hub VNet and beat the aggregates, unless route-table network
  policies on the endpoint's subnet invalidate them: the documented outcome (branch -> PE
  bypasses the firewall, inspected with ``RouteTableEnabled``). The mechanism is inferred, and a
  PE /32 listed as an additional private prefix is documented both ways (D1): such paths are
  ``medium`` or ``low`` and say why.
"""

from __future__ import annotations

from netlogs.model import Confidence
from netlogs.routing.hub_routes import (
    TO_FIREWALL,
    TO_REMOTE_HUB,
    HubRouteRow,
    connection_view,
    intent_route_name,
    remote_route_name,
)
from netlogs.routing.prefixes import parse_prefix
from netlogs.routing.vwan import PRIVATE_AGGREGATES
from netlogs.topology.model import VirtualHub, VirtualNetwork

BRANCH_PE_NOTE = ("branch traffic to a private endpoint under routing intent: the documented "
                  "outcome, by an inferred mechanism (the hub gateways' route table)")
PE_32_NOTE = ("the private endpoint's /32 is an additional private prefix: the routing-intent "
              "article says this does not restore symmetry, the Firewall Manager article says "
              "it does (route-table policies on the endpoint's subnet are the documented fix)")
MIXED_NOTE = ("between a hub with a Private routing-intent policy and one without: the documents "
              "describe both hubs secured")


def peer_hubs(hubs: dict[str, VirtualHub], hub: VirtualHub) -> list[VirtualHub]:
    """The other hubs of the hub's Virtual WAN."""
    return [h for h in hubs.values() if h.name != hub.name and h.virtual_wan == hub.virtual_wan]


def remote_prefixes(other: VirtualHub, vnets: dict[str, VirtualNetwork]) -> list[str]:
    """What a hub advertises to the other hubs: its connections' ranges, its branches."""
    ranges = [p for name in other.connections if name in vnets
              for p in vnets[name].address_prefixes]
    return [*ranges, *other.branch_prefixes, *other.expressroute_prefixes]


def remote_hub_rows(hubs: dict[str, VirtualHub], vnets: dict[str, VirtualNetwork],
                    hub: VirtualHub) -> list[HubRouteRow]:
    """The hub's routes to the other hubs of its Virtual WAN (on the hub's own subnets)."""
    rows = []
    for other in peer_hubs(hubs, hub):
        mixed = ("PrivateTraffic" in hub.routing_intent) != (
            "PrivateTraffic" in other.routing_intent)
        confidence, reason = (Confidence.MEDIUM, MIXED_NOTE) if mixed else (Confidence.HIGH, "")
        for text in remote_prefixes(other, vnets):
            parsed = parse_prefix(text)
            if parsed is not None:
                rows.append(HubRouteRow(parsed, other.router_ips, remote_route_name(hub),
                                        TO_REMOTE_HUB, confidence, reason))
    return rows


def branch_intent_rows(hub: VirtualHub, endpoint_ips: set[str]) -> list[HubRouteRow]:
    """The default route table's routing-intent routes as the hub gateways use them (static,
    so they count like UDRs against the private endpoints' /32s). A /32 of a private endpoint
    among the additional prefixes is left to the endpoint's own route (D1, see module doc)."""
    if "PrivateTraffic" not in hub.routing_intent or not hub.firewall_private_ip:
        return []
    view = connection_view(hub, "")  # the default route table's view, when reported
    if view is not None:
        texts = [p for r in view.routes if r.next_hop_type == TO_FIREWALL for p in r.prefixes]
    else:
        texts = [*PRIVATE_AGGREGATES, *hub.private_traffic_prefixes]
    rows = []
    for text in texts:
        parsed = parse_prefix(text)
        if parsed is None or parsed[1] == 0 or (parsed[1] == 32 and text.split("/")[0]
                                                in endpoint_ips):
            continue
        rows.append(HubRouteRow(parsed, (hub.firewall_private_ip,), intent_route_name(hub),
                                TO_FIREWALL, static=True))
    return rows


def listed_endpoint_32s(hub: VirtualHub, endpoint_ips: set[str]) -> set[str]:
    """Private endpoint addresses the hub lists as additional private prefixes (D1)."""
    return {p.split("/")[0] for p in hub.private_traffic_prefixes
            if p.endswith("/32") and p.split("/")[0] in endpoint_ips}
