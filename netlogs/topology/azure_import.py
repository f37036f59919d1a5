"""`netlogs topology import`: build the topology file from az CLI / ARM / Resource Graph JSON.

The importer translates Azure resources into the documented file format (names instead of ids)
and then goes through the same loader and validation as a hand-written file, so what it writes
always loads. Azure properties netlogs does not use are ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netlogs.errors import TopologyError
from netlogs.fileio import write_atomically
from netlogs.topology.arm_shapes import (
    KEY_VAULT,
    ROUTE_TABLE,
    VNET,
    Resource,
    dig,
    flat_list,
    flatten,
    last_segment,
    read_resources,
    subnet_ref,
)
from netlogs.topology.azure_devices import firewalls, gateways, private_endpoints
from netlogs.topology.azure_dns import dns_resolvers, private_dns_zones
from netlogs.topology.azure_manager import manager_rules
from netlogs.topology.azure_nsg import connectivity_configurations, security_groups
from netlogs.topology.azure_vwan import connected_vnets, virtual_hubs
from netlogs.topology.dump import dump_topology, gap_to_mapping
from netlogs.topology.import_notes import (
    OUTSIDE_INPUT,
    PEERING_OUTSIDE,
    ROUTE_TABLE_OUTSIDE,
    VIRTUAL_HUB,
    ImportNotes,
)
from netlogs.topology.loader import topology_from_mapping
from netlogs.topology.model import Topology


def import_az_json(directory: Path, notes: ImportNotes | None = None) -> Topology:
    """Read every ``*.json`` under ``directory`` and return the validated Topology.

    What was left out is added to ``notes`` (when given); the gaps are in ``Topology.gaps``.
    """
    notes = ImportNotes() if notes is None else notes
    resources = read_resources(Path(directory), notes)
    if not any(r.type == VNET for r in resources):
        raise TopologyError(str(directory), "input", "no Microsoft.Network/virtualNetworks "
                                                     "resource found in any *.json file")
    return topology_from_mapping(mapping_from_resources(resources, notes), source=str(directory))


def mapping_from_resources(
    resources: list[Resource], notes: ImportNotes | None = None
) -> dict[str, Any]:
    """The topology file content (documented format) for a set of Azure resources.

    References to resources outside ``resources`` never fail: they are dropped, counted in
    ``notes`` and, where they could change a path, listed under ``gaps``.
    """
    notes = ImportNotes() if notes is None else notes
    vnet_names = {r.name.lower(): r.name for r in _of(resources, VNET)}
    vnet_name = _vnet_namer(_by_reference(resources, VNET))
    hubs = virtual_hubs(resources, vnet_name, notes)
    context = _VnetContext(_by_reference(resources, VNET), _by_reference(resources, ROUTE_TABLE),
                           connected_vnets(hubs), notes)
    vnets = [_vnet(r, context) for r in _of(resources, VNET)]
    subnet_refs = {f"{v['name']}/{s['name']}" for v in vnets for s in v["subnets"]}
    service_tags: dict[str, list[str]] = {}
    route_tables = [_route_table(r, service_tags) for r in _of(resources, ROUTE_TABLE)]
    vaults = [_key_vault(r, subnet_refs, notes) for r in _of(resources, KEY_VAULT)]
    placed_firewalls = _in_known_vnets(firewalls(resources), vnet_names, "firewall", notes)
    mapping: dict[str, Any] = {
        "virtualNetworks": vnets,
        "routeTables": route_tables,
        "firewalls": placed_firewalls,
        "virtualNetworkGateways": _in_known_vnets(gateways(resources), vnet_names, "gateway",
                                                  notes),
        "privateEndpoints": private_endpoints(resources, {v["name"] for v in vaults},
                                              subnet_refs, notes),
        "keyVaults": vaults,
    }
    proxies: dict[str, tuple[str, str | None]] = {
        f["name"].lower(): (f["privateIpAddress"], f["virtualNetwork"]) for f in placed_firewalls}
    proxies |= {h["firewall"].lower(): (h["firewallPrivateIpAddress"], None) for h in hubs
                if "firewallPrivateIpAddress" in h}
    sections = {
        "virtualHubs": hubs,
        "networkSecurityGroups": security_groups(resources, subnet_refs, notes),
        "connectivityConfigurations": connectivity_configurations(resources, vnet_name, notes),
        "privateDnsZones": private_dns_zones(resources, vnet_name, notes),
        "dnsResolvers": _used(dns_resolvers(resources, proxies, vnet_name), vnets),
        **manager_rules(resources, vnet_name, notes),
    }
    mapping.update({key: value for key, value in sections.items() if value})
    if service_tags:
        mapping["servicePrefixes"] = service_tags
    if notes.gaps:
        mapping["gaps"] = [gap_to_mapping(g) for g in notes.gaps]
    return mapping


def _used(resolvers: list[dict[str, Any]], vnets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The DNS servers some VNet points at, directly or through a server that forwards."""
    wanted = {ip for v in vnets for ip in v.get("dnsServers", [])}
    wanted |= {r["forwardTo"] for r in resolvers if r["ipAddress"] in wanted and "forwardTo" in r}
    return [r for r in resolvers if r["ipAddress"] in wanted]


def _in_known_vnets(
    devices: list[dict[str, Any]], vnet_names: dict[str, str], kind: str, notes: ImportNotes
) -> list[dict[str, Any]]:
    """Devices placed in VNets of the input (named as the VNet is); the others become gaps."""
    kept = []
    for device in devices:
        vnet = vnet_names.get(str(device["virtualNetwork"]).lower())
        if vnet is None:
            notes.gap(OUTSIDE_INPUT, f"{kind} {device['name']} ({device['virtualNetwork']})",
                      str(device["virtualNetwork"]))
            continue
        kept.append({**device, "virtualNetwork": vnet})
    return kept


def write_topology_file(topology: Topology, out: Path, document: str = "") -> None:
    """Write the YAML atomically: a failure never leaves a partial file behind. ``document``:
    ``dump_topology(topology)`` when the caller already has it (the discovery cache keeps it)."""
    text = f"# Written by `netlogs topology import` from {topology.source}\n"
    write_atomically(out, text + (document or dump_topology(topology)))


def _of(resources: list[Resource], kind: str) -> list[Resource]:
    return sorted((r for r in resources if r.type == kind), key=lambda r: r.name.lower())


def _by_reference(resources: list[Resource], kind: str) -> dict[str, str]:
    """Names of the input's resources of ``kind`` by lower-case resource id; by lower-case name
    only for those without an id. A same-named resource of another subscription is not one."""
    return {
        (r.id if r.id.startswith("/") else r.name).rstrip("/").lower(): r.name
        for r in _of(resources, kind)
    }


def _vnet_namer(vnet_ids: dict[str, str]) -> Callable[[str], str | None]:
    """The input VNet a VNet or subnet resource id points to, by name (None: not in the input)."""
    def name(reference: str) -> str | None:
        lowered = reference.lower()
        cut = lowered.find("/subnets/")
        return _resolve(vnet_ids, lowered[:cut] if cut >= 0 else lowered)
    return name


@dataclass(frozen=True)
class _VnetContext:
    """What reading a VNet needs from the rest of the input."""

    vnet_ids: dict[str, str]
    route_tables: dict[str, str]
    hub_connected: set[str]  # lower-case names of VNets an imported hub connects
    notes: ImportNotes


def _resolve(known: dict[str, str], reference: str) -> str | None:
    """The name of the input resource ``reference`` (a resource id) points to, if any."""
    key = reference.rstrip("/").lower()
    return known.get(key) or known.get(last_segment(key))


def _vnet(r: Resource, context: _VnetContext) -> dict[str, Any]:
    vnet: dict[str, Any] = {
        "name": r.name,
        "addressPrefixes": r.strings("addressSpace.addressPrefixes", required=True),
        "subnets": [_subnet(r, s, context.route_tables, context.notes)
                    for s in flat_list(r.body.get("subnets"))],
        "virtualNetworkPeerings": [
            peering for p in flat_list(r.body.get("virtualNetworkPeerings"))
            if (peering := _peering(r, p, context)) is not None
        ],
    }
    if isinstance(r.body.get("location"), str):
        vnet["location"] = r.body["location"]
    dns_servers = r.strings("dhcpOptions.dnsServers")
    if dns_servers:
        vnet["dnsServers"] = dns_servers  # empty or absent: Azure-provided DNS
    return vnet


def _subnet(
    vnet: Resource, s: dict[str, Any], route_tables: dict[str, str], notes: ImportNotes
) -> dict[str, Any]:
    name = s.get("name") or (last_segment(s["id"]) if isinstance(s.get("id"), str) else None)
    where = f"subnets[{name or '?'}]"
    if not name:
        raise vnet.error(f"{where}.name: required field is missing")
    single = s.get("addressPrefix")
    prefixes = vnet.strings("addressPrefixes", s, f"{where}.") or (
        [single] if isinstance(single, str) and single else [])
    if not prefixes:
        raise vnet.error(f"{where}.addressPrefix: required field is missing")
    subnet: dict[str, Any] = {"name": name, "addressPrefixes": prefixes}
    route_table_id = dig(s, "routeTable.id")
    if isinstance(route_table_id, str):
        table = _resolve(route_tables, route_table_id)
        if table is None:
            notes.gap(ROUTE_TABLE_OUTSIDE, f"{vnet.name}/{name} -> {last_segment(route_table_id)}",
                      vnet.name)
        else:
            subnet["routeTable"] = table
    services = [e.get("service") for e in flat_list(s.get("serviceEndpoints"))]
    if services:
        subnet["serviceEndpoints"] = [x for x in services if isinstance(x, str)]
    if isinstance(s.get("privateEndpointNetworkPolicies"), str):
        subnet["privateEndpointNetworkPolicies"] = s["privateEndpointNetworkPolicies"]
    delegations = [d.get("serviceName") for d in flat_list(s.get("delegations"))]
    if delegations:
        subnet["delegations"] = [x for x in delegations if isinstance(x, str)]
    return subnet


def _peering(vnet: Resource, p: dict[str, Any], context: _VnetContext) -> dict[str, Any] | None:
    """The peering, or None (and a gap) when its remote VNet is not in the input; a hub's
    ``HV_`` peering is None without a gap when an imported hub connects the VNet."""
    vnet_ids, notes = context.vnet_ids, context.notes
    name = p.get("name") or "?"
    remote_id = dig(p, "remoteVirtualNetwork.id")
    if not isinstance(remote_id, str):
        raise vnet.error(f"virtualNetworkPeerings[{name}].remoteVirtualNetwork.id: "
                         "required field is missing")
    remote = _resolve(vnet_ids, remote_id)
    if remote is None:
        hub = last_segment(remote_id).upper().startswith("HV_")  # Virtual WAN's hidden hub VNet
        if hub and vnet.name.lower() in context.hub_connected:
            notes.ignore("peerings standing for Virtual WAN hub connections (see virtualHubs)")
            return None
        notes.gap(VIRTUAL_HUB if hub else PEERING_OUTSIDE,
                  f"{vnet.name}/{name} -> {last_segment(remote_id)}", vnet.name)
        return None
    peering: dict[str, Any] = {"name": name, "remoteVirtualNetwork": remote}
    if isinstance(p.get("peeringState"), str):
        peering["peeringState"] = p["peeringState"]
    # Azure's own defaults are all false; the az CLI always prints the three flags.
    for flag in ("allowForwardedTraffic", "allowGatewayTransit", "useRemoteGateways"):
        peering[flag] = bool(p.get(flag, False))
    return peering


def _route_table(r: Resource, service_tags: dict[str, list[str]]) -> dict[str, Any]:
    routes = []
    for route in flat_list(r.body.get("routes")):
        where = f"routes[{route.get('name') or '?'}]"
        entry: dict[str, str] = {}
        for key in ("name", "addressPrefix", "nextHopType"):
            value = route.get(key)
            if not isinstance(value, str) or not value:
                raise r.error(f"{where}.{key}: required field is missing")
            entry[key] = value
        if isinstance(route.get("nextHopIpAddress"), str) and route["nextHopIpAddress"]:
            entry["nextHopIpAddress"] = route["nextHopIpAddress"]
        if not _looks_like_cidr(entry["addressPrefix"]):
            service_tags.setdefault(entry["addressPrefix"], [])  # a service tag: user fills it
        routes.append(entry)
    return {
        "name": r.name,
        "disableBgpRoutePropagation": bool(r.body.get("disableBgpRoutePropagation", False)),
        "routes": routes,
    }


def _looks_like_cidr(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _key_vault(r: Resource, subnet_refs: set[str], notes: ImportNotes) -> dict[str, Any]:
    vault: dict[str, Any] = {"name": r.name}
    uri = r.body.get("vaultUri")
    if isinstance(uri, str):
        host = uri.split("//", 1)[-1].split("/", 1)[0]
        if host.lower() != f"{r.name}.vault.azure.net".lower():
            vault["fqdn"] = host  # sovereign clouds: vault.azure.cn, vault.usgovcloudapi.net
    if isinstance(r.body.get("publicNetworkAccess"), str):
        vault["publicNetworkAccess"] = r.body["publicNetworkAccess"]
    acls = r.body.get("networkAcls")
    if isinstance(acls, dict):
        vault["networkAcls"] = _network_acls(r, acls, subnet_refs, notes)
    return vault


def _network_acls(
    r: Resource, acls: dict[str, Any], subnet_refs: set[str], notes: ImportNotes
) -> dict[str, Any]:
    # Key Vault stores virtual network rule ids lower-cased; match them case-insensitively and
    # drop rules for subnets outside the input (no client of this topology can be there).
    by_lower = {ref.lower(): ref for ref in subnet_refs}
    rules = []
    for rule in flat_list(acls.get("virtualNetworkRules")):
        ref = subnet_ref(str(rule.get("id") or ""))
        if ref and ref.lower() in by_lower:
            rules.append(by_lower[ref.lower()])
        else:
            notes.ignore("key vault network rules for subnets outside the input")
    listed = acls.get("ipRules")
    if listed is not None and not isinstance(listed, list):
        raise r.error("networkAcls.ipRules: expected a list")
    ip_rules = [flatten(x).get("value") if isinstance(x, dict) else x for x in listed or []]
    result: dict[str, Any] = {"ipRules": ip_rules, "virtualNetworkRules": rules}
    for key in ("defaultAction", "bypass"):
        if isinstance(acls.get(key), str):
            result[key] = acls[key]
    return result

