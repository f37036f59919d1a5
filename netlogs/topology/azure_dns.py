"""Import what decides a vault name's answer: private DNS zones, their VNet links and A records,
Private Resolver inbound endpoints and firewall DNS proxies (the servers VNets point at).

Read from ``az network private-dns zone list``, ``private-dns link vnet list``,
``private-dns record-set a list``, ``az dns-resolver inbound-endpoint list`` and the
``dnsSettings`` of ``az network firewall policy show`` (classic rules: the firewall's
``Network.DNS.*`` properties). Zones of other services are counted: only Key Vault's
``privatelink.vaultcore.*`` zones can answer for a vault.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netlogs.topology.arm_shapes import (
    DNS_A_RECORDS,
    DNS_INBOUND,
    DNS_LINK,
    DNS_ZONE,
    FIREWALL,
    FIREWALL_POLICY,
    Resource,
    dig,
    flat_list,
    of_type,
    segment_after,
)
from netlogs.topology.import_notes import ImportNotes

VAULT_ZONE_PREFIX = "privatelink.vaultcore."


def private_dns_zones(
    resources: list[Resource], vnet_name: Callable[[str], str | None], notes: ImportNotes
) -> list[dict[str, Any]]:
    """Key Vault zones (named by the zone objects, their links or their record sets)."""
    zones: dict[str, dict[str, Any]] = {}

    def zone_of(name: str | None) -> dict[str, Any] | None:
        key = (name or "").lower().rstrip(".")
        if not key.startswith(VAULT_ZONE_PREFIX):
            notes.ignore("private DNS zones of other services", key or "?")
            return None
        return zones.setdefault(key, {"name": key, "virtualNetworkLinks": [], "aRecords": []})

    for r in of_type(resources, DNS_ZONE):
        zone_of(r.name)
    for r in of_type(resources, DNS_LINK):
        zone = zone_of(segment_after(r.id, "privateDnsZones"))
        vnet_id = dig(r.body, "virtualNetwork.id")
        vnet = vnet_name(vnet_id) if isinstance(vnet_id, str) else None
        if zone is not None and vnet is None:
            notes.ignore("private DNS zone links to VNets outside the input", zone["name"])
        elif zone is not None and vnet is not None:
            zone["virtualNetworkLinks"].append(vnet)
    for r in of_type(resources, DNS_A_RECORDS):
        zone = zone_of(segment_after(r.id, "privateDnsZones"))
        if zone is not None:
            zone["aRecords"].extend(
                {"name": r.name.lower(), "ipv4Address": a["ipv4Address"]}
                for a in flat_list(r.body.get("aRecords")) if isinstance(a.get("ipv4Address"), str)
            )
    for zone in zones.values():
        zone["virtualNetworkLinks"] = sorted(set(zone["virtualNetworkLinks"]), key=str.lower)
    return [zones[key] for key in sorted(zones)]


def dns_resolvers(
    resources: list[Resource], firewall_vnets: dict[str, tuple[str, str | None]],
    vnet_name: Callable[[str], str | None],
) -> list[dict[str, Any]]:
    """Private Resolver inbound endpoints and firewall DNS proxies.

    ``firewall_vnets``: firewall name (lower case) -> (its private IP, the input VNet whose Azure
    DNS view it has; None for a secured hub's, which no zone can be linked to).
    """
    result = _inbound_endpoints(resources, vnet_name)
    policies = {r.id.lower(): r for r in of_type(resources, FIREWALL_POLICY)}
    for fw in of_type(resources, FIREWALL):
        placed = firewall_vnets.get(fw.name.lower())
        proxy = _proxy_settings(fw, policies)
        if placed is None or proxy is None:
            continue
        ip, vnet = placed
        resolver: dict[str, Any] = {"name": f"{fw.name}-dns-proxy", "ipAddress": ip,
                                    "kind": "firewallDnsProxy"}
        if proxy:
            resolver["forwardTo"] = proxy[0]
        elif vnet is not None:
            resolver["virtualNetwork"] = vnet
        else:
            continue  # a hub's Azure DNS view is not modelled: VNets using it stay a gap
        result.append(resolver)
    return result


def _inbound_endpoints(
    resources: list[Resource], vnet_name: Callable[[str], str | None]
) -> list[dict[str, Any]]:
    result = []
    for r in of_type(resources, DNS_INBOUND):
        for config in flat_list(r.body.get("ipConfigurations")):
            ip = config.get("privateIpAddress") or config.get("privateIPAddress")
            subnet_id = dig(config, "subnet.id")
            vnet = vnet_name(subnet_id) if isinstance(subnet_id, str) else None
            if isinstance(ip, str) and vnet:
                resolver = segment_after(r.id, "dnsResolvers")
                result.append({"name": f"{resolver}/{r.name}" if resolver else r.name,
                               "ipAddress": ip, "virtualNetwork": vnet,
                               "kind": "privateResolverInbound"})
                break
    return result


def _proxy_settings(fw: Resource, policies: dict[str, Resource]) -> list[str] | None:
    """The DNS servers the firewall's proxy forwards to ([] = Azure DNS); None: no proxy."""
    policy_id = dig(fw.body, "firewallPolicy.id")
    policy = policies.get(policy_id.lower()) if isinstance(policy_id, str) else None
    if policy is not None:
        if dig(policy.body, "dnsSettings.enableProxy") is not True:
            return None
        return policy.strings("dnsSettings.servers")
    extra = fw.body.get("additionalProperties")
    if isinstance(extra, dict) and str(extra.get("Network.DNS.EnableProxy")).lower() == "true":
        servers = str(extra.get("Network.DNS.Servers") or "")
        return [s.strip() for s in servers.split(",") if s.strip()]
    return None
