"""Import Azure Virtual Network Manager security admin rules and routing configurations.

Read from ``az network manager security-admin-config rule-collection list`` and
``... rule-collection rule list`` (admin rules), ``az network manager routing-config
rule-collection list`` and ``... rule list`` (UDRs AVNM deploys), with the network groups'
static members (``group static-member list``). A rule names its configuration and collection
in its resource id. Authored configurations are taken as deployed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netlogs.topology.arm_shapes import (
    AVNM_ADMIN_COLLECTION,
    AVNM_ADMIN_RULE,
    AVNM_MEMBER,
    AVNM_ROUTING_COLLECTION,
    AVNM_ROUTING_RULE,
    Resource,
    dig,
    flat_list,
    last_segment,
    of_type,
    segment_after,
    subnet_ref,
)
from netlogs.topology.import_notes import GROUP_MEMBERS, MANAGER_RULE, ImportNotes

VnetName = Callable[[str], "str | None"]
NEXT_HOPS = {"virtualappliance": "VirtualAppliance", "virtualnetworkgateway":
             "VirtualNetworkGateway", "vnetlocal": "VnetLocal", "virtualnetwork": "VnetLocal",
             "internet": "Internet", "nonexthop": "None", "none": "None"}
ACCESS = {"allow": "Allow", "alwaysallow": "AlwaysAllow", "deny": "Deny"}
PROTOCOLS = {"tcp": "Tcp", "udp": "Udp", "icmp": "Icmp", "esp": "Esp", "ah": "Ah", "any": "Any"}


def manager_rules(resources: list[Resource], vnet_name: VnetName,
                  notes: ImportNotes) -> dict[str, list[dict[str, Any]]]:
    """The ``securityAdminRuleCollections`` and ``routingRuleCollections`` entries."""
    members = _group_members(resources, vnet_name)
    admin = [_collection(r, members, notes, "appliesToGroups", subnets=False)
             for r in of_type(resources, AVNM_ADMIN_COLLECTION)]
    routing = [_collection(r, members, notes, "appliesTo", subnets=True)
               for r in of_type(resources, AVNM_ROUTING_COLLECTION)]
    admin_by_key = {c["_key"]: c for c in admin if c["members"]}
    routing_by_key = {c["_key"]: c for c in routing if c["members"]}
    for r in of_type(resources, AVNM_ADMIN_RULE):
        owner = admin_by_key.get(_key(r, "securityAdminConfigurations"))
        rule = _admin_rule(r, notes, owner)
        if owner is None:
            _orphan(notes, r, admin)
        elif rule is not None:
            owner["rules"].append(rule)
    for r in of_type(resources, AVNM_ROUTING_RULE):
        owner = routing_by_key.get(_key(r, "routingConfigurations"))
        route = _routing_rule(r, notes, owner)
        if owner is None:
            _orphan(notes, r, routing)
        elif route is not None:
            owner["routes"].append(route)
    return {"securityAdminRuleCollections": [_done(c) for c in admin_by_key.values()],
            "routingRuleCollections": [_done(c) for c in routing_by_key.values()]}


def _orphan(notes: ImportNotes, r: Resource, collections: list[dict[str, Any]]) -> None:
    """A rule whose collection is not in the input is a gap (it could change any path); one of a
    collection left out for its unknown members was reported with the collection."""
    key = _key(r, "securityAdminConfigurations" if "securityadmin" in r.type
               else "routingConfigurations")
    if all(c["_key"] != key for c in collections):
        notes.gap_in(MANAGER_RULE, f"{r.name} (its rule collection is not in the input)", ())


def _group_members(resources: list[Resource], vnet_name: VnetName) -> dict[str, list[str]]:
    """Network group (lower case) -> its static members in the input: VNet names, and
    ``vnet/subnet`` for subnet members (routing configurations target subnets too)."""
    members: dict[str, list[str]] = {}
    for m in of_type(resources, AVNM_MEMBER):
        group = (segment_after(m.id, "networkGroups") or "").lower()
        target = str(m.need("resourceId"))
        vnet = vnet_name(target)
        if vnet is None:
            continue  # the connectivity import reports members outside the input
        ref = subnet_ref(target)
        members.setdefault(group, []).append(f"{vnet}/{ref.split('/')[1]}" if ref else vnet)
    return members


def _key(r: Resource, configurations: str) -> str:
    return (f"{segment_after(r.id, configurations) or ''}/"
            f"{segment_after(r.id, 'ruleCollections') or ''}").lower()


def _collection(r: Resource, members: dict[str, list[str]], notes: ImportNotes, field: str,
                subnets: bool) -> dict[str, Any]:
    configuration = segment_after(r.id, "securityAdminConfigurations") or segment_after(
        r.id, "routingConfigurations") or ""
    found: list[str] = []
    for group_ref in flat_list(r.body.get(field)):
        group = last_segment(str(group_ref.get("networkGroupId") or "")).lower()
        if group not in members:
            notes.gap(GROUP_MEMBERS, f"{configuration}/{r.name} -> {group}", "")
        found.extend(m if subnets else m.split("/")[0] for m in members.get(group, []))
    entry: dict[str, Any] = {"name": r.name, "configuration": configuration,
                             "members": list(dict.fromkeys(found)),
                             "_key": f"{configuration}/{r.name}".lower()}
    if subnets:
        entry["routes"] = []
        flag = r.body.get("disableBgpRoutePropagation", False)
        entry["disableBgpRoutePropagation"] = str(flag).lower() == "true"
    else:
        entry["rules"] = []
    return entry


def _done(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if not k.startswith("_")}


def _admin_rule(r: Resource, notes: ImportNotes,
                owner: dict[str, Any] | None) -> dict[str, Any] | None:
    if str(r.body.get("kind", "Custom")).lower() != "custom":
        notes.ignore("Virtual Network Manager default admin rules (kind Default)", r.name)
        return None
    access = ACCESS.get(str(r.body.get("access", "")).lower())
    protocol = PROTOCOLS.get(str(r.body.get("protocol", "Any")).lower())
    if access is None or protocol is None:
        _unread(notes, r, owner)
        return None
    return {
        "name": r.name, "priority": r.need("priority"), "access": access,
        "direction": r.need_text("direction"), "protocol": protocol,
        "sourceAddressPrefixes": _addresses(r, "sources"),
        "destinationAddressPrefixes": _addresses(r, "destinations"),
        "destinationPortRanges": r.strings("destinationPortRanges") or ["*"],
    }


def _addresses(r: Resource, field: str) -> list[str]:
    """Prefixes and service tags as written (``*`` when the list is empty)."""
    found = [str(a.get("addressPrefix")) for a in flat_list(r.body.get(field))
             if isinstance(a.get("addressPrefix"), str) and a.get("addressPrefix")]
    return found or ["*"]


def _routing_rule(r: Resource, notes: ImportNotes,
                  owner: dict[str, Any] | None) -> dict[str, Any] | None:
    kind = str(dig(r.body, "destination.type") or "AddressPrefix").lower()
    hop = NEXT_HOPS.get(str(dig(r.body, "nextHop.nextHopType") or "").lower())
    if kind != "addressprefix" or hop is None:
        _unread(notes, r, owner)
        return None
    route: dict[str, Any] = {"name": r.name,
                             "addressPrefix": str(r.need("destination.destinationAddress")),
                             "nextHopType": hop}
    address = dig(r.body, "nextHop.nextHopAddress")
    if hop == "VirtualAppliance" and isinstance(address, str) and address:
        route["nextHopIpAddress"] = address
    return route


def _unread(notes: ImportNotes, r: Resource, owner: dict[str, Any] | None) -> None:
    scope = tuple(dict.fromkeys(m.split("/")[0] for m in owner["members"])) if owner else ()
    notes.gap_in(MANAGER_RULE, r.name, scope)
