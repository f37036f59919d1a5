"""Import firewalls, virtual network gateways and private endpoints from Azure JSON.

Each of these is assembled from several resources: a firewall's public IPs and SNAT ranges live
in public IP and firewall policy resources, a gateway's on-premises prefixes in local network
gateways, connections and learned-route listings, a private endpoint's IP possibly only on its NIC.
"""

from __future__ import annotations

from typing import Any

from netlogs.topology.arm_shapes import (
    CONNECTION,
    FIREWALL,
    FIREWALL_POLICY,
    LEARNED_ROUTES,
    LOCAL_GATEWAY,
    NIC,
    PRIVATE_ENDPOINT,
    PUBLIC_IP,
    VNET_GATEWAY,
    Resource,
    dig,
    flat_list,
    segment_after,
    subnet_ref,
)
from netlogs.topology.import_notes import (
    OUTSIDE_INPUT,
    PE_NOT_APPROVED,
    PE_OTHER_VAULT,
    ImportNotes,
)

SNAT_PROPERTY = "Network.SNAT.PrivateRanges"


def _of(resources: list[Resource], kind: str) -> list[Resource]:
    return sorted((r for r in resources if r.type == kind), key=lambda r: r.name.lower())


def _by_id(resources: list[Resource], kind: str) -> dict[str, Resource]:
    return {r.id.lower(): r for r in resources if r.type == kind}


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _split(text: Any) -> list[str]:
    if not isinstance(text, str):
        return []
    return [part.strip() for part in text.split(",") if part.strip()]


def _public_ip(resources: dict[str, Resource], config: dict[str, Any]) -> str | None:
    pip_id = dig(config, "publicIPAddress.id")
    pip = resources.get(pip_id.lower()) if isinstance(pip_id, str) else None
    address = pip.body.get("ipAddress") if pip else None
    return address if isinstance(address, str) and address else None


def _placed(r: Resource, config: dict[str, Any]) -> tuple[str, str]:
    """(vnet, subnet) of a device from its first ip configuration's subnet id."""
    subnet_id = r.need("subnet.id", config, "ipConfigurations[0].")
    ref = subnet_ref(str(subnet_id))
    if ref is None:
        raise r.error(f"ipConfigurations[0].subnet.id: {subnet_id!r} is not a subnet id")
    vnet, subnet = ref.split("/")
    return vnet, subnet


def firewalls(resources: list[Resource]) -> list[dict[str, Any]]:
    pips = _by_id(resources, PUBLIC_IP)
    policies = _by_id(resources, FIREWALL_POLICY)
    result = []
    for r in _of(resources, FIREWALL):
        configs = flat_list(r.body.get("ipConfigurations"))
        if not configs and r.body.get("virtualHub"):
            continue  # a Virtual WAN secured hub: no VNet of its own to model
        first = configs[0] if configs else {}
        vnet, subnet = _placed(r, first)
        firewall: dict[str, Any] = {
            "name": r.name,
            "virtualNetwork": vnet,
            "subnet": subnet,
            "privateIpAddress": r.need_text("privateIPAddress", first, "ipConfigurations[0]."),
        }
        public = [ip for ip in (_public_ip(pips, c) for c in configs) if ip]
        if public:
            firewall["publicIpAddresses"] = public
        snat = _snat_ranges(r, policies)
        if snat is not None:
            firewall["snatPrivateRanges"] = snat
        result.append(firewall)
    return result


def _snat_ranges(r: Resource, policies: dict[str, Resource]) -> list[str] | None:
    """The attached policy's setting governs; else the classic-rules property; else default."""
    policy_id = dig(r.body, "firewallPolicy.id")
    policy = policies.get(policy_id.lower()) if isinstance(policy_id, str) else None
    ranges = dig(policy.body, "snat.privateRanges") if policy else None
    if isinstance(ranges, list) and ranges:
        return [str(item).strip() for item in ranges]
    text = dig(r.body, "additionalProperties")
    if isinstance(text, dict) and isinstance(text.get(SNAT_PROPERTY), str):
        return _split(text[SNAT_PROPERTY])
    return None


def gateways(resources: list[Resource]) -> list[dict[str, Any]]:
    pips = _by_id(resources, PUBLIC_IP)
    learned = [row for r in _of(resources, LEARNED_ROUTES) for row in r.body["routes"]]
    result = []
    for r in _of(resources, VNET_GATEWAY):
        configs = flat_list(r.body.get("ipConfigurations"))
        vnet, _ = _placed(r, configs[0] if configs else {})
        active_active = bool(r.body.get("activeActive", False))
        instance_ips = _instance_ips(r, configs)
        gateway: dict[str, Any] = {
            "name": r.name,
            "virtualNetwork": vnet,
            "gatewayType": r.need_text("gatewayType"),
            "activeActive": active_active,
            "instanceIpAddresses": instance_ips,
        }
        public_ip = _public_ip(pips, configs[0]) if configs else None
        if public_ip and not active_active:
            gateway["publicIpAddress"] = public_ip  # the next hop only for active/standby VPN
        gateway["bgpLearnedPrefixes"] = _unique([
            str(row["network"]) for row in learned
            if str(row.get("origin", "")).lower() != "network"  # own VNet ranges, not learned
            and row.get("localAddress") in instance_ips
        ])
        result.append(gateway)
    # After reading every gateway, so that their own missing fields are reported first.
    local = _local_prefixes(resources)
    for r, gateway in zip(_of(resources, VNET_GATEWAY), result, strict=True):
        gateway["localNetworkAddressPrefixes"] = local.get(r.id.lower(), [])
    return result


def _instance_ips(r: Resource, configs: list[dict[str, Any]]) -> list[str]:
    peers = flat_list(dig(r.body, "bgpSettings.bgpPeeringAddresses"))
    ips = [ip for peer in peers for ip in r.strings("defaultBgpIpAddresses", peer,
                                                     "bgpSettings.bgpPeeringAddresses[].")]
    if not ips:
        ips = _split(dig(r.body, "bgpSettings.bgpPeeringAddress"))
    if not ips:
        ips = [str(c["privateIPAddress"]) for c in configs if c.get("privateIPAddress")]
    return _unique(ips)


def _local_prefixes(resources: list[Resource]) -> dict[str, list[str]]:
    """Local network gateway prefixes per virtual network gateway id (lower case)."""
    local_gateways = _by_id(resources, LOCAL_GATEWAY)
    if not local_gateways:
        return {}
    links = [
        (str(dig(c.body, "virtualNetworkGateway1.id")).lower(),
         str(dig(c.body, "localNetworkGateway2.id")).lower())
        for c in _of(resources, CONNECTION)
    ]
    if not links:
        vpn = [g for g in _of(resources, VNET_GATEWAY)
               if str(g.body.get("gatewayType", "")).lower() == "vpn"]
        if len(vpn) != 1:
            first = sorted(local_gateways.values(), key=lambda r: r.name)[0]
            raise first.error("cannot tell which virtual network gateway it connects to: add the "
                              "output of `az network vpn-connection list -o json`")
        links = [(vpn[0].id.lower(), key) for key in sorted(local_gateways)]
    result: dict[str, list[str]] = {}
    for gateway_id, local_id in links:
        if local_id in local_gateways:
            prefixes = local_gateways[local_id].strings("localNetworkAddressSpace.addressPrefixes")
            result.setdefault(gateway_id, []).extend(prefixes)
    return {key: _unique(value) for key, value in result.items()}


def private_endpoints(
    resources: list[Resource], vaults: set[str], subnet_refs: set[str], notes: ImportNotes
) -> list[dict[str, Any]]:
    """Private endpoints of the Key Vaults in the input; every other one is counted or a gap."""
    vault_names = {name.lower(): name for name in vaults}
    subnets = {ref.lower(): ref for ref in subnet_refs}
    nics = _nic_ips(resources)
    result = []
    for r in _of(resources, PRIVATE_ENDPOINT):
        connection = _connection(r)
        if connection is None:
            notes.ignore("private endpoints of other services", _service_of(r))
            continue
        vault_name, group_id, status = connection
        subnet_id = str(r.need("subnet.id"))
        if subnet_ref(subnet_id) is None:
            raise r.error(f"subnet.id: {subnet_id!r} is not a subnet id")
        subnet = subnets.get(str(subnet_ref(subnet_id)).lower())
        # its /32 route exists in its VNet (and directly peered ones) whatever its state
        vnet = subnet.split("/")[0] if subnet else segment_after(subnet_id, "virtualNetworks")
        if vault_name.lower() not in vault_names:
            notes.gap(PE_OTHER_VAULT, f"{r.name} -> {vault_name}", vnet or "")
        elif status.lower() != "approved":
            notes.gap(PE_NOT_APPROVED, f"{r.name} -> {vault_name} ({status})", vnet or "")
        elif subnet is None:
            notes.gap(OUTSIDE_INPUT, f"private endpoint {r.name} ({subnet_ref(subnet_id)})",
                      vnet or "")
        else:
            result.append({
                "name": r.name,
                "subnet": subnet,
                "privateIpAddress": _endpoint_ip(r, nics),
                "target": vault_names[vault_name.lower()],
                "groupId": group_id,
            })
    return result


def _connections(r: Resource) -> list[dict[str, Any]]:
    connections = flat_list(r.body.get("privateLinkServiceConnections"))
    return connections + flat_list(r.body.get("manualPrivateLinkServiceConnections"))


def _connection(r: Resource) -> tuple[str, str, str] | None:
    """(vault name, group id, connection status) of a Key Vault endpoint; None for others."""
    for connection in _connections(r):
        service_id = str(connection.get("privateLinkServiceId") or "")
        vault = segment_after(service_id, "vaults")
        if vault and "/providers/microsoft.keyvault/" in service_id.lower():
            group_ids = r.strings("groupIds", connection, "privateLinkServiceConnections[].") \
                or ["vault"]
            # Without a state (hand-trimmed JSON), Azure's usual auto-approval is assumed.
            status = dig(connection, "privateLinkServiceConnectionState.status") or "Approved"
            return vault, str(group_ids[0]), str(status)
    return None


def _service_of(r: Resource) -> str:
    """What another service's endpoint reaches, for the summary: its group id (``blob``,
    ``sqlServer``) or else the provider's resource type."""
    for connection in _connections(r):
        group_ids = connection.get("groupIds")
        if isinstance(group_ids, list) and group_ids and isinstance(group_ids[0], str):
            return group_ids[0]
        service_id = str(connection.get("privateLinkServiceId") or "")
        parts = service_id.split("/providers/", 1)[-1].split("/")
        if "/providers/" in service_id and len(parts) >= 2:
            return f"{parts[0]}/{parts[1]}"  # e.g. Microsoft.Network/privateLinkServices
    return "no connection"


def _nic_ips(resources: list[Resource]) -> dict[str, str]:
    """Private endpoint id (lower case) -> first private IP of its NIC."""
    found = {}
    for nic in resources:
        endpoint_id = dig(nic.body, "privateEndpoint.id") if nic.type == NIC else None
        configs = flat_list(nic.body.get("ipConfigurations"))
        ips = [c["privateIPAddress"] for c in configs if c.get("privateIPAddress")]
        if isinstance(endpoint_id, str) and ips:
            found[endpoint_id.lower()] = str(ips[0])
    return found


def _endpoint_ip(r: Resource, nics: dict[str, str]) -> str:
    dns_configs = flat_list(r.body.get("customDnsConfigs"))
    dns_ips = [ip for c in dns_configs
               for ip in r.strings("ipAddresses", c, "customDnsConfigs[].")]
    config_ips = [c.get("privateIPAddress") for c in flat_list(r.body.get("ipConfigurations"))]
    for ip in [*dns_ips, *config_ips, nics.get(r.id.lower())]:
        if isinstance(ip, str) and ip:
            return ip
    raise r.error("customDnsConfigs[].ipAddresses: no private IP address found (add the output "
                  "of `az network nic list -o json` for its network interface)")
