"""Load the topology file (YAML or JSON) into the value types of ``netlogs.topology.model``.

The file format is documented in docs/topology-format.md. Reading is strict: unknown keys,
non-boolean flags, strings where lists belong and malformed addresses are errors naming the file,
the resource and the field. Cross-resource checks (references, overlaps) live in ``validate``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from netlogs.errors import TopologyError
from netlogs.topology.azure_rules import check_azure_rejects
from netlogs.topology.coverage import with_coverage_gaps
from netlogs.topology.dump import dump_topology, topology_sha256
from netlogs.topology.fields import ROOT, Fields, parse_cidr, parse_ip_or_cidr
from netlogs.topology.model import (
    IANA_PRIVATE_RANGES,
    NEXT_HOP_TYPES_FOR_UDR,
    PE_NETWORK_POLICIES,
    RESERVED_NONE_PREFIXES,
    Client,
    DesignRule,
    Firewall,
    KeyVault,
    NetworkAcls,
    Peering,
    PrivateEndpoint,
    Route,
    RouteTable,
    Subnet,
    Topology,
    TopologyGap,
    VirtualNetwork,
    VirtualNetworkGateway,
)
from netlogs.topology.sections import SECTION_KEYS, load_sections
from netlogs.topology.validate import validate_topology
from netlogs.topology.yaml_text import parse_text

__all__ = ["dump_topology", "load_topology", "topology_from_mapping", "topology_sha256"]

TOP_LEVEL_KEYS = (
    "description", "virtualNetworks", "routeTables", "firewalls", "virtualNetworkGateways",
    "privateEndpoints", "keyVaults", "clients", "servicePrefixes", "reservedNonePrefixes",
    "designRules", "gaps", *SECTION_KEYS,
)
# States of a private endpoint connection; only Approved ones carry traffic.
CONNECTION_STATES = ("Approved", "Pending", "Rejected", "Disconnected")
# The keyword Azure Firewall accepts for "the IANA private ranges" in its SNAT setting.
IANA_KEYWORD = "IANAPrivateRanges"


def load_topology(path: Path) -> Topology:
    """Read and validate a topology file; YAML or JSON is decided by the content."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TopologyError(file, "file", f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise TopologyError(file, "file", "not UTF-8 text") from None
    data = parse_text(text, file)
    if data is None:
        raise TopologyError(file, "document", "the file is empty")
    return topology_from_mapping(data, source=file)


def topology_from_mapping(data: Any, source: str) -> Topology:
    """Build and validate a Topology from the parsed file (a mapping in the documented format)."""
    top = Fields(data, source, ROOT)
    top.reject_unknown(TOP_LEVEL_KEYS)
    top.opt_string("description")
    service_prefixes = _service_prefixes(top)
    private_endpoints = tuple(_private_endpoint(f) for f in _entries(top, "privateEndpoints"))
    by_target: dict[str, list[str]] = {}
    for pe in private_endpoints:
        by_target.setdefault(pe.target, []).append(pe.name)
    topology = Topology(
        vnets=tuple(_vnet(f) for f in _entries(top, "virtualNetworks")),
        route_tables=tuple(
            _route_table(f, {name for name, _ in service_prefixes})
            for f in _entries(top, "routeTables")
        ),
        firewalls=tuple(_firewall(f) for f in _entries(top, "firewalls")),
        gateways=tuple(_gateway(f) for f in _entries(top, "virtualNetworkGateways")),
        private_endpoints=private_endpoints,
        key_vaults=tuple(_key_vault(f, by_target) for f in _entries(top, "keyVaults")),
        clients=tuple(_client(f) for f in _entries(top, "clients")),
        service_prefixes=service_prefixes,
        reserved_none_prefixes=(
            top.cidrs("reservedNonePrefixes") if top.has("reservedNonePrefixes")
            else RESERVED_NONE_PREFIXES
        ),
        design_rules=tuple(_design_rule(f) for f in _entries(top, "designRules", "vault")),
        source=source,
        gaps=tuple(_gap(f) for f in _entries(top, "gaps", "resource")),
        **load_sections(top),
    )
    validate_topology(topology)
    check_azure_rejects(topology)
    return with_coverage_gaps(topology)


def _entries(parent: Fields, key: str, label_key: str = "name") -> Iterator[Fields]:
    """The items of a list section, each labelled by its name (or its index when unnamed)."""
    for index, item in enumerate(parent.list_of(key)):
        label = item.get(label_key) if isinstance(item, Mapping) else None
        yield parent.child(key, item, label if isinstance(label, str) else str(index))


def _service_prefixes(top: Fields) -> tuple[tuple[str, tuple[str, ...]], ...]:
    value = top.data.get("servicePrefixes")
    if value is None:
        return ()
    services = Fields(value, top.file, "servicePrefixes")
    return tuple((str(name), services.cidrs(str(name), required=True)) for name in services.data)


def _vnet(f: Fields) -> VirtualNetwork:
    f.reject_unknown(("name", "addressPrefixes", "location", "subnets", "virtualNetworkPeerings",
                      "dnsServers"))
    name = f.string("name")
    return VirtualNetwork(
        name=name,
        address_prefixes=_required_prefixes(f, "addressPrefixes"),
        region=f.opt_string("location", "") or "",
        subnets=tuple(_subnet(s, name) for s in _entries(f, "subnets")),
        peerings=tuple(_peering(p, name) for p in _entries(f, "virtualNetworkPeerings")),
        dns_servers=f.ips("dnsServers"),
    )


def _required_prefixes(f: Fields, key: str) -> tuple[str, ...]:
    prefixes = f.cidrs(key, required=True)
    if not prefixes:
        raise f.error(key, "at least one prefix is required")
    return prefixes


def _subnet(f: Fields, vnet: str) -> Subnet:
    f.reject_unknown((
        "name", "addressPrefixes", "addressPrefix", "routeTable", "serviceEndpoints",
        "privateEndpointNetworkPolicies", "delegations",
    ))
    if f.has("addressPrefix") and f.has("addressPrefixes"):
        raise f.error("addressPrefix", "give addressPrefix or addressPrefixes, not both")
    if f.has("addressPrefix"):
        prefixes: tuple[str, ...] = (f.checked("addressPrefix", f.string("addressPrefix"),
                                               parse_cidr),)
    else:
        prefixes = _required_prefixes(f, "addressPrefixes")
    return Subnet(
        name=f.string("name"),
        vnet=vnet,
        address_prefixes=prefixes,
        route_table=f.opt_string("routeTable"),
        service_endpoints=f.strings("serviceEndpoints"),
        private_endpoint_network_policies=f.choice(
            "privateEndpointNetworkPolicies", PE_NETWORK_POLICIES, "Disabled"
        ),
        delegations=f.strings("delegations"),
    )


def _peering(f: Fields, vnet: str) -> Peering:
    f.reject_unknown((
        "name", "remoteVirtualNetwork", "peeringState", "allowForwardedTraffic",
        "allowGatewayTransit", "useRemoteGateways",
    ))
    remote = f.string("remoteVirtualNetwork")
    return Peering(
        name=f.opt_string("name") or f"{vnet}-to-{remote}",
        remote_vnet=remote,
        state=f.choice("peeringState", ("Connected", "Initiated", "Disconnected"), "Connected"),
        allow_forwarded_traffic=f.flag("allowForwardedTraffic", True),
        allow_gateway_transit=f.flag("allowGatewayTransit", False),
        use_remote_gateways=f.flag("useRemoteGateways", False),
    )


def _route_table(f: Fields, service_tags: set[str]) -> RouteTable:
    f.reject_unknown(("name", "disableBgpRoutePropagation", "routes"))
    return RouteTable(
        name=f.string("name"),
        routes=tuple(_route(r, service_tags) for r in _entries(f, "routes")),
        disable_bgp_route_propagation=f.flag("disableBgpRoutePropagation", False),
    )


def _route(f: Fields, service_tags: set[str]) -> Route:
    f.reject_unknown(("name", "addressPrefix", "nextHopType", "nextHopIpAddress"))
    prefix = f.string("addressPrefix")
    if prefix[:1].isalpha() and ":" not in prefix and prefix not in service_tags:
        raise f.error("addressPrefix", f"{prefix!r} is neither a CIDR nor a service tag listed "
                                       "in servicePrefixes")
    if prefix not in service_tags:
        prefix = f.checked("addressPrefix", prefix, parse_cidr)
    hop_type = f.string("nextHopType")
    if hop_type not in NEXT_HOP_TYPES_FOR_UDR:
        raise f.error("nextHopType", f"unknown next hop type {hop_type!r} (expected one of "
                                     f"{', '.join(NEXT_HOP_TYPES_FOR_UDR)})")
    hop_ip = f.ip("nextHopIpAddress")
    if hop_type == "VirtualAppliance" and hop_ip is None:
        raise f.error("nextHopIpAddress", "required when nextHopType is VirtualAppliance")
    if hop_type != "VirtualAppliance" and hop_ip is not None:
        raise f.error("nextHopIpAddress", f"only allowed with VirtualAppliance, not {hop_type}")
    return Route(f.string("name"), prefix, hop_type, hop_ip)


def _firewall(f: Fields) -> Firewall:
    f.reject_unknown((
        "name", "virtualNetwork", "subnet", "privateIpAddress", "publicIpAddresses",
        "snatPrivateRanges", "instanceIpAddresses",
    ))
    ranges = f.strings("snatPrivateRanges") if f.has("snatPrivateRanges") else (IANA_KEYWORD,)
    snat: list[str] = []
    for text in ranges:
        expanded = IANA_PRIVATE_RANGES if text == IANA_KEYWORD else (text,)
        snat += [f.checked("snatPrivateRanges", item, parse_cidr) for item in expanded]
    return Firewall(
        name=f.string("name"),
        vnet=f.string("virtualNetwork"),
        private_ip=f.ip("privateIpAddress", required=True) or "",
        subnet=f.opt_string("subnet", "AzureFirewallSubnet") or "AzureFirewallSubnet",
        public_ips=f.ips("publicIpAddresses"),
        snat_private_ranges=tuple(snat),
        instance_ips=f.ips("instanceIpAddresses"),
    )


def _gateway(f: Fields) -> VirtualNetworkGateway:
    f.reject_unknown((
        "name", "virtualNetwork", "gatewayType", "activeActive", "instanceIpAddresses",
        "publicIpAddress", "bgpLearnedPrefixes", "localNetworkAddressPrefixes",
    ))
    return VirtualNetworkGateway(
        name=f.string("name"),
        vnet=f.string("virtualNetwork"),
        gateway_type=f.choice("gatewayType", ("Vpn", "ExpressRoute"), "Vpn"),
        active_active=f.flag("activeActive", True),
        instance_ips=f.ips("instanceIpAddresses"),
        public_ip=f.ip("publicIpAddress"),
        learned_prefixes=f.cidrs("bgpLearnedPrefixes"),
        local_network_prefixes=f.cidrs("localNetworkAddressPrefixes"),
    )


def _private_endpoint(f: Fields) -> PrivateEndpoint:
    f.reject_unknown(("name", "subnet", "privateIpAddress", "target", "groupId",
                      "connectionState"))
    state = f.choice("connectionState", CONNECTION_STATES, "Approved")
    if state != "Approved":
        raise f.error("connectionState", f"{state}: only an Approved connection carries traffic "
                                         "to the vault; leave this endpoint out (or describe it "
                                         "under gaps)")
    return PrivateEndpoint(
        name=f.string("name"),
        subnet=f.string("subnet"),
        ip=f.ip("privateIpAddress", required=True) or "",
        target=f.string("target"),
        group_id=f.opt_string("groupId", "vault") or "vault",
    )


def _key_vault(f: Fields, endpoints_by_target: dict[str, list[str]]) -> KeyVault:
    f.reject_unknown(("name", "fqdn", "publicIpAddresses", "publicNetworkAccess", "networkAcls"))
    name = f.string("name")
    return KeyVault(
        name=name,
        fqdn=f.opt_string("fqdn", "") or "",
        public_ips=f.ips("publicIpAddresses"),
        public_network_access=f.choice("publicNetworkAccess", ("Enabled", "Disabled"), "Enabled"),
        network_acls=_network_acls(f),
        private_endpoints=tuple(endpoints_by_target.get(name, ())),
    )


def _network_acls(vault: Fields) -> NetworkAcls:
    if not vault.has("networkAcls"):
        return NetworkAcls()
    f = Fields(vault.data["networkAcls"], vault.file, f"{vault.resource}.networkAcls")
    f.reject_unknown(("defaultAction", "bypass", "ipRules", "virtualNetworkRules"))
    rules = [r.get("value") if isinstance(r, Mapping) else r for r in f.list_of("ipRules")]
    ip_rules = Fields({"ipRules": rules}, f.file, f.resource).strings("ipRules")
    return NetworkAcls(
        default_action=f.choice("defaultAction", ("Allow", "Deny"), "Allow"),
        bypass=f.choice("bypass", ("AzureServices", "None"), "AzureServices"),
        ip_rules=tuple(f.checked("ipRules", text, parse_ip_or_cidr) for text in ip_rules),
        virtual_network_rules=f.strings("virtualNetworkRules"),
    )


def _client(f: Fields) -> Client:
    f.reject_unknown(("name", "ipAddresses", "subnet", "kind", "gateway", "usesPrivateDns",
                      "routeAll"))
    return Client(
        name=f.string("name"),
        ips=tuple(f.checked("ipAddresses", t, parse_ip_or_cidr) for t in f.strings("ipAddresses")),
        subnet=f.opt_string("subnet"),
        kind=f.choice("kind", ("vm", "app_service", "onprem"), "vm"),
        gateway=f.opt_string("gateway"),
        uses_private_dns=f.flag("usesPrivateDns", True) if f.has("usesPrivateDns") else None,
        route_all=f.flag("routeAll", False),
    )


def _design_rule(f: Fields) -> DesignRule:
    f.reject_unknown(("vault", "requireFirewall", "forbidPublicEndpoint"))
    return DesignRule(
        vault=f.string("vault"),
        require_firewall=f.opt_string("requireFirewall"),
        forbid_public_endpoint=f.flag("forbidPublicEndpoint", True),
    )


def _gap(f: Fields) -> TopologyGap:
    f.reject_unknown(("construct", "resource", "message", "scope"))
    return TopologyGap(construct=f.string("construct"), resource=f.string("resource"),
                       message=f.string("message"), scope=f.strings("scope"))
