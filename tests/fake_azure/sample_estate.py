"""The sample scenario's estate (sample_data/topology.yaml) as Azure itself would describe it.

Resources are in the shape Resource Graph returns them (lower-case ``type`` and
``resourceGroup``, ``properties`` as in the ARM GET body). Diagnostic settings are in the ARM
``diagnosticSettings`` list shape; Resource Graph does not hold them.

The logging set-up is the one the sample logs were written from, with its gaps on purpose:

- the vault sends ``AuditEvent`` to ``law-contoso-platform`` as resource-specific tables (it was
  switched from AzureDiagnostics mode at 11:00, so older rows are still in AzureDiagnostics);
- fw-hub sends its network and application rule logs to ``law-contoso-security``
  (resource-specific); DNS proxy and flow-trace logs are off;
- ``vnet-spoke-app`` has a VNet flow log that only goes to a storage account (no Traffic
  Analytics); ``vnet-hub`` and ``vnet-spoke-kv`` have no flow log at all;
- ``kv-contoso-dev`` (another vault) archives its audit log to storage only.
"""

from __future__ import annotations

from typing import Any

SUB = "3f6c2b7e-9d41-4a8e-b5c2-7e1d9a0f4c63"
OTHER_SUB = "0d6e8f2a-1b3c-4d5e-8f7a-9b0c1d2e3f4a"  # a second subscription the identity can read
TENANT = "b0a1c7d2-4e3f-4a5b-9c6d-8e7f0a1b2c3d"
WS_PLATFORM = "9b1d5c3e-7a2f-4e6b-8c0d-1f2e3a4b5c6d"  # customerId (query GUID) of the workspaces
WS_SECURITY = "4c2e8a1f-6b3d-4f7e-9a0c-2d4e6f8a0b1c"
LOCATION = "westeurope"

NET = "rg-network-prod"
CONN = "rg-connectivity-prod"
KV_RG = "rg-kv-prod"
APP = "rg-app-prod"
MON = "rg-monitor-prod"


def rid(rg: str, provider: str, kind: str, name: str, sub: str = SUB) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{provider}/{kind}/{name}"


def net_id(rg: str, kind: str, name: str) -> str:
    return rid(rg, "Microsoft.Network", kind, name)


VAULT_ID = rid(KV_RG, "Microsoft.KeyVault", "vaults", "kv-contoso-prod")
DEV_VAULT_ID = rid("rg-kv-dev", "Microsoft.KeyVault", "vaults", "kv-contoso-dev")
FIREWALL_ID = net_id(CONN, "azureFirewalls", "fw-hub")
POLICY_ID = net_id(CONN, "firewallPolicies", "fwpol-hub-prod")
WS_PLATFORM_ID = rid(MON, "Microsoft.OperationalInsights", "workspaces", "law-contoso-platform")
WS_SECURITY_ID = rid(MON, "Microsoft.OperationalInsights", "workspaces", "law-contoso-security")
STORAGE_ID = rid(MON, "Microsoft.Storage", "storageAccounts", "stcontosoflowlogs")
WATCHER = net_id("NetworkWatcherRG", "networkWatchers", f"NetworkWatcher_{LOCATION}")


def subnet_id(vnet: str, subnet: str) -> str:
    return f"{net_id(NET, 'virtualNetworks', vnet)}/subnets/{subnet}"


def resource(resource_id: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """One Resource Graph row."""
    parts = resource_id.split("/")
    provider_index = parts.index("providers")
    kind = "/".join([parts[provider_index + 1], *parts[provider_index + 2 :: 2]]).lower()
    return {
        "id": resource_id,
        "name": parts[-1],
        "type": kind,
        "tenantId": TENANT,
        "kind": extra.pop("kind", ""),
        "location": extra.pop("location", LOCATION),
        "resourceGroup": parts[4].lower(),
        "subscriptionId": parts[2],
        "managedBy": "",
        "sku": extra.pop("sku", None),
        "tags": extra.pop("tags", {}),
        "properties": properties,
    }


def _subnet(vnet: str, name: str, prefix: str, **props: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"addressPrefix": prefix, "provisioningState": "Succeeded"}
    if "route_table" in props:
        body["routeTable"] = {"id": net_id(NET, "routeTables", props.pop("route_table"))}
    body.update(props)
    return {"id": subnet_id(vnet, name), "name": name, "properties": body}


def _peering(vnet: str, name: str, remote: str, **flags: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "peeringState": "Connected",
        "remoteVirtualNetwork": {"id": net_id(NET, "virtualNetworks", remote)},
        "allowVirtualNetworkAccess": True,
        "allowForwardedTraffic": True,
        "allowGatewayTransit": False,
        "useRemoteGateways": False,
    }
    body.update(flags)
    peering_id = f"{net_id(NET, 'virtualNetworks', vnet)}/virtualNetworkPeerings/{name}"
    return {"id": peering_id, "name": name, "properties": body}


def _vnet(name: str, prefix: str, subnets: list[Any], peerings: list[Any]) -> dict[str, Any]:
    return resource(
        net_id(NET, "virtualNetworks", name),
        {
            "addressSpace": {"addressPrefixes": [prefix]},
            "subnets": subnets,
            "virtualNetworkPeerings": peerings,
        },
    )


def _route(name: str, prefix: str, hop: str = "10.0.0.68") -> dict[str, Any]:
    return {
        "name": name,
        "properties": {
            "addressPrefix": prefix,
            "nextHopType": "VirtualAppliance",
            "nextHopIpAddress": hop,
        },
    }


def _route_table(name: str, routes: list[Any], disable_bgp: bool) -> dict[str, Any]:
    return resource(
        net_id(NET, "routeTables", name),
        {"disableBgpRoutePropagation": disable_bgp, "routes": routes},
    )


def _nic(name: str, rg: str, ip: str, vnet: str, subnet: str, vm: str | None) -> dict[str, Any]:  # noqa: PLR0917
    body: dict[str, Any] = {
        "ipConfigurations": [
            {
                "name": "ipconfig1",
                "properties": {
                    "privateIPAddress": ip,
                    "subnet": {"id": subnet_id(vnet, subnet)},
                    "primary": True,
                },
            }
        ]
    }
    if vm is not None:
        body["virtualMachine"] = {"id": rid(rg, "Microsoft.Compute", "virtualMachines", vm)}
    return resource(net_id(rg, "networkInterfaces", name), body)


def _public_ip(name: str, address: str) -> dict[str, Any]:
    return resource(
        net_id(CONN, "publicIPAddresses", name),
        {"ipAddress": address, "publicIPAllocationMethod": "Static"},
        sku={"name": "Standard"},
    )


CLIENT_NICS = [  # (vm, resource group, ip, vnet, subnet)
    ("vm-hub-jump", NET, "10.0.1.10", "vnet-hub", "snet-hub-mgmt"),
    ("vm-kvapp-01", KV_RG, "10.1.1.4", "vnet-spoke-kv", "snet-app"),
    ("vm-batch-01", KV_RG, "10.1.1.5", "vnet-spoke-kv", "snet-app"),
    ("vm-orders-01", APP, "10.2.1.4", "vnet-spoke-app", "snet-vm"),
    ("vm-legacy-01", APP, "10.2.1.7", "vnet-spoke-app", "snet-vm"),
    ("vm-report-01", APP, "10.2.1.8", "vnet-spoke-app", "snet-vm"),
    ("vm-report-02", APP, "10.2.1.9", "vnet-spoke-app", "snet-vm"),
    ("vm-payments-01", APP, "10.2.1.11", "vnet-spoke-app", "snet-vm"),
    ("vm-orders-02", APP, "10.2.1.12", "vnet-spoke-app", "snet-vm"),
    ("vm-etl-01", APP, "10.2.2.4", "vnet-spoke-app", "snet-etl"),
]


def network() -> list[dict[str, Any]]:
    hub = _vnet(
        "vnet-hub",
        "10.0.0.0/16",
        [
            _subnet("vnet-hub", "GatewaySubnet", "10.0.0.0/27", route_table="rt-gateway"),
            _subnet("vnet-hub", "AzureFirewallSubnet", "10.0.0.64/26"),
            _subnet("vnet-hub", "snet-hub-mgmt", "10.0.1.0/24"),
        ],
        [
            _peering("vnet-hub", "hub-to-spoke-kv", "vnet-spoke-kv", allowGatewayTransit=True),
            _peering("vnet-hub", "hub-to-spoke-app", "vnet-spoke-app", allowGatewayTransit=True),
        ],
    )
    spoke_kv = _vnet(
        "vnet-spoke-kv",
        "10.1.0.0/16",
        [
            _subnet("vnet-spoke-kv", "snet-app", "10.1.1.0/24", route_table="rt-spoke-kv-app"),
            _subnet(
                "vnet-spoke-kv", "snet-pe", "10.1.2.0/24", privateEndpointNetworkPolicies="Enabled"
            ),
        ],
        [_peering("vnet-spoke-kv", "spoke-kv-to-hub", "vnet-hub", useRemoteGateways=True)],
    )
    keyvault_endpoint = [{"service": "Microsoft.KeyVault", "locations": [LOCATION]}]
    spoke_app = _vnet(
        "vnet-spoke-app",
        "10.2.0.0/16",
        [
            _subnet("vnet-spoke-app", "snet-vm", "10.2.1.0/24", route_table="rt-spoke-app"),
            _subnet(
                "vnet-spoke-app",
                "snet-etl",
                "10.2.2.0/24",
                route_table="rt-spoke-app",
                serviceEndpoints=keyvault_endpoint,
            ),
        ],
        [_peering("vnet-spoke-app", "spoke-app-to-hub", "vnet-hub", useRemoteGateways=True)],
    )
    tables = [
        _route_table("rt-spoke-app", [_route("default-to-fw", "0.0.0.0/0")], True),
        _route_table(
            "rt-spoke-kv-app",
            [_route("pe-subnet-to-fw", "10.1.2.0/24"), _route("default-to-fw", "0.0.0.0/0")],
            True,
        ),
        _route_table(
            "rt-gateway",
            [_route("spoke-kv-to-fw", "10.1.0.0/16"), _route("spoke-app-to-fw", "10.2.0.0/16")],
            False,
        ),
    ]
    return [hub, spoke_kv, spoke_app, *tables]


def devices() -> list[dict[str, Any]]:
    firewall = resource(
        FIREWALL_ID,
        {
            "sku": {"name": "AZFW_VNet", "tier": "Standard"},
            "firewallPolicy": {"id": POLICY_ID},
            "ipConfigurations": [
                {
                    "name": "fw-ipconfig",
                    "properties": {
                        "privateIPAddress": "10.0.0.68",
                        "subnet": {"id": subnet_id("vnet-hub", "AzureFirewallSubnet")},
                        "publicIPAddress": {"id": net_id(CONN, "publicIPAddresses", "pip-fw-hub")},
                    },
                }
            ],
        },
    )
    policy = resource(POLICY_ID, {"snat": {"privateRanges": ["IANAPrivateRanges"]}})
    gateway = resource(
        net_id(CONN, "virtualNetworkGateways", "vgw-hub"),
        {
            "gatewayType": "Vpn",
            "vpnType": "RouteBased",
            "activeActive": True,
            "ipConfigurations": [
                {
                    "name": f"gw-ipconfig-{n}",
                    "properties": {
                        "privateIPAddress": ip,
                        "subnet": {"id": subnet_id("vnet-hub", "GatewaySubnet")},
                        "publicIPAddress": {
                            "id": net_id(CONN, "publicIPAddresses", f"pip-vgw-hub-{n}")
                        },
                    },
                }
                for n, ip in ((1, "10.0.0.4"), (2, "10.0.0.5"))
            ],
            "bgpSettings": {
                "asn": 65515,
                "bgpPeeringAddresses": [
                    {"defaultBgpIpAddresses": ["10.0.0.4"]},
                    {"defaultBgpIpAddresses": ["10.0.0.5"]},
                ],
            },
        },
    )
    local = resource(
        net_id(CONN, "localNetworkGateways", "lgw-onprem-build"),
        {
            "localNetworkAddressSpace": {"addressPrefixes": ["172.20.0.0/16"]},
            "gatewayIpAddress": "192.0.2.200",
        },
    )
    connection = resource(
        net_id(CONN, "connections", "cn-hub-to-onprem"),
        {
            "connectionType": "IPsec",
            "virtualNetworkGateway1": {"id": gateway["id"]},
            "localNetworkGateway2": {"id": local["id"]},
        },
    )
    pips = [
        _public_ip("pip-fw-hub", "192.0.2.40"),
        _public_ip("pip-vgw-hub-1", "192.0.2.41"),
        _public_ip("pip-vgw-hub-2", "192.0.2.42"),
    ]
    return [firewall, policy, gateway, local, connection, *pips]


def vault_and_endpoint() -> list[dict[str, Any]]:
    vault = resource(
        VAULT_ID,
        {
            "vaultUri": "https://kv-contoso-prod.vault.azure.net/",
            "tenantId": TENANT,
            "sku": {"family": "A", "name": "standard"},
            "enableRbacAuthorization": True,
            "publicNetworkAccess": "Enabled",
            "networkAcls": {
                "bypass": "AzureServices",
                "defaultAction": "Deny",
                "ipRules": [{"value": "203.0.113.45/32"}],
                "virtualNetworkRules": [{"id": subnet_id("vnet-spoke-app", "snet-etl").lower()}],
            },
            "privateEndpointConnections": [
                {"properties": {"privateEndpoint": {"id": _PE_ID}}},
            ],
        },
    )
    dev_vault = resource(
        DEV_VAULT_ID,
        {"vaultUri": "https://kv-contoso-dev.vault.azure.net/", "publicNetworkAccess": "Enabled"},
    )
    endpoint = resource(
        _PE_ID,
        {
            "subnet": {"id": subnet_id("vnet-spoke-kv", "snet-pe")},
            "privateLinkServiceConnections": [
                {
                    "name": "pe-kv-contoso-prod",
                    "properties": {"privateLinkServiceId": VAULT_ID, "groupIds": ["vault"]},
                }
            ],
            "networkInterfaces": [{"id": net_id(KV_RG, "networkInterfaces", "pe-kv-nic")}],
            "customDnsConfigs": [
                {"fqdn": "kv-contoso-prod.vault.azure.net", "ipAddresses": ["10.1.2.4"]}
            ],
        },
    )
    # an endpoint of another service in the same subnet: not the vault's business
    storage_endpoint = resource(
        net_id(KV_RG, "privateEndpoints", "pe-st-contoso-blob"),
        {
            "subnet": {"id": subnet_id("vnet-spoke-kv", "snet-pe")},
            "privateLinkServiceConnections": [
                {
                    "name": "pe-st",
                    "properties": {"privateLinkServiceId": STORAGE_ID, "groupIds": ["blob"]},
                }
            ],
            "customDnsConfigs": [{"ipAddresses": ["10.1.2.5"]}],
        },
    )
    return [vault, dev_vault, endpoint, storage_endpoint]


_PE_ID = net_id(KV_RG, "privateEndpoints", "pe-kv-contoso-prod")


def nics() -> list[dict[str, Any]]:
    found = [
        _nic(f"{vm}-nic", rg, ip, vnet, subnet, vm) for vm, rg, ip, vnet, subnet in CLIENT_NICS
    ]
    endpoint_nic = _nic("pe-kv-nic", KV_RG, "10.1.2.4", "vnet-spoke-kv", "snet-pe", None)
    endpoint_nic["properties"]["privateEndpoint"] = {"id": _PE_ID}
    return [*found, endpoint_nic]


def monitoring() -> list[dict[str, Any]]:
    workspaces = [
        resource(
            ws_id,
            {"customerId": guid, "retentionInDays": days, "sku": {"name": "PerGB2018"}},
        )
        for ws_id, guid, days in (
            (WS_PLATFORM_ID, WS_PLATFORM, 90),
            (WS_SECURITY_ID, WS_SECURITY, 30),
        )
    ]
    watcher = resource(WATCHER, {})
    flow_log = resource(
        f"{WATCHER}/flowLogs/fl-vnet-spoke-app",
        {
            "targetResourceId": net_id(NET, "virtualNetworks", "vnet-spoke-app"),
            "storageId": STORAGE_ID,
            "enabled": True,
            "retentionPolicy": {"days": 7, "enabled": True},
            "format": {"type": "JSON", "version": 2},
            "flowAnalyticsConfiguration": {
                "networkWatcherFlowAnalyticsConfiguration": {
                    "enabled": False,
                    "workspaceId": "-",
                    "trafficAnalyticsInterval": 60,
                }
            },
        },
    )
    storage = resource(
        STORAGE_ID,
        {"primaryEndpoints": {"blob": "https://stcontosoflowlogs.blob.core.windows.net/"}},
        kind="StorageV2",
    )
    return [*workspaces, watcher, flow_log, storage]


def resources() -> list[dict[str, Any]]:
    """Every resource of the estate, as Resource Graph rows."""
    return [*network(), *devices(), *vault_and_endpoint(), *nics(), *monitoring()]


def _log(category: str, enabled: bool = True) -> dict[str, Any]:
    return {
        "category": category,
        "enabled": enabled,
        "retentionPolicy": {"days": 0, "enabled": False},
    }


def _setting(owner: str, name: str, **props: Any) -> dict[str, Any]:
    return {
        "id": f"{owner.lower()}/providers/microsoft.insights/diagnosticSettings/{name}",
        "name": name,
        "type": "Microsoft.Insights/diagnosticSettings",
        "properties": {"metrics": [], **props},
    }


def diagnostic_settings() -> dict[str, list[dict[str, Any]]]:
    """Resource id (lower case) -> its diagnostic settings, in the ARM list shape."""
    firewall_logs = [
        _log("AZFWNetworkRule"),
        _log("AZFWApplicationRule"),
        _log("AZFWNatRule"),
        _log("AZFWDnsQuery", enabled=False),
        _log("AZFWFlowTrace", enabled=False),
    ]
    return {
        VAULT_ID.lower(): [
            _setting(
                VAULT_ID,
                "to-law-platform",
                workspaceId=WS_PLATFORM_ID,
                logAnalyticsDestinationType="Dedicated",
                logs=[_log("AuditEvent"), _log("AzurePolicyEvaluationDetails", enabled=False)],
            )
        ],
        FIREWALL_ID.lower(): [
            _setting(
                FIREWALL_ID,
                "to-law-security",
                workspaceId=WS_SECURITY_ID,
                logAnalyticsDestinationType="Dedicated",
                logs=firewall_logs,
            )
        ],
        DEV_VAULT_ID.lower(): [
            _setting(
                DEV_VAULT_ID, "archive", storageAccountId=STORAGE_ID, logs=[_log("AuditEvent")]
            )
        ],
    }


SUBSCRIPTIONS = [
    {
        "id": f"/subscriptions/{SUB}",
        "subscriptionId": SUB,
        "displayName": "contoso-prod",
        "state": "Enabled",
        "tenantId": TENANT,
    },
    {
        "id": f"/subscriptions/{OTHER_SUB}",
        "subscriptionId": OTHER_SUB,
        "displayName": "contoso-sandbox",
        "state": "Enabled",
        "tenantId": TENANT,
    },
]
