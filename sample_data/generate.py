"""Write the sample scenario's log files (sample_data/logs/) from the hand-written event list below.

Run from the repository root:  python sample_data/generate.py
The output is deterministic (fixed times, GUIDs derived with uuid5), so re-running it changes no
byte. The expected verdicts are NOT computed here: they are written by hand in sample_data/README.md
from the story of each client, and tests/golden checks netlogs against that table.

Story (2026-11-20, UTC): until 11:00 the vault and the firewall send their logs to Log Analytics in
"Azure diagnostics" mode (AzureDiagnostics); at 11:00 the platform team switched both diagnostic
settings to resource-specific tables (AZKVAuditLogs, AZFWNetworkRule, AZFWApplicationRule). The VNet
flow log of vnet-spoke-app goes to a storage account. The files were exported at about 11:57, a
minute after the newest record.
"""

# ruff: noqa: E501, PLR0917  (event tables read best as one event per line)
from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

OUT = Path(__file__).resolve().parent / "logs"
DAY = datetime(2026, 11, 20, tzinfo=timezone.utc)
NS = uuid.UUID("6f1c9a52-8d3e-4b7a-9e21-5c4d3b2a1f00")

SUB = "3f6c2b7e-9d41-4a8e-b5c2-7e1d9a0f4c63"
TENANT = "b0a1c7d2-4e3f-4a5b-9c6d-8e7f0a1b2c3d"
WORKSPACE_TENANT = "e2d4c6b8-1a3f-4e5d-8c7b-9a0f1e2d3c4b"  # the workspace id column `TenantId`
KV = "kv-contoso-prod"
KV_HOST = f"{KV}.vault.azure.net"
KV_ID = f"/subscriptions/{SUB}/resourcegroups/rg-kv-prod/providers/microsoft.keyvault/vaults/{KV}"
FW_ID = f"/subscriptions/{SUB}/resourcegroups/rg-connectivity-prod/providers/microsoft.network/azurefirewalls/fw-hub"
PE_ID = (
    f"/subscriptions/{SUB}/resourceGroups/rg-kv-prod/providers/Microsoft.Network/"
    f"privateEndpoints/pe-kv-contoso-prod"
)
ETL_SUBNET_ID = (
    f"/subscriptions/{SUB}/resourceGroups/rg-network-prod/providers/Microsoft.Network/"
    f"virtualNetworks/vnet-spoke-app/subnets/snet-etl"
)
POLICY = "fwpol-hub-prod"

UA = {
    "dotnet": "azsdk-net-Security.KeyVault.Secrets/4.6.0 (.NET 8.0.10; Linux 5.15.0-1073-azure #82-Ubuntu SMP)",
    "python": "azsdk-python-keyvault-secrets/4.8.0 Python/3.11.9 (Linux-5.15.0-1073-azure-x86_64-with-glibc2.35)",
    "java": "azsdk-java-azure-security-keyvault-secrets/4.8.3 (17.0.12; Linux; 5.15.0-1064-azure)",
    "azcli": "AZURECLI/2.66.0 (DEB) azsdk-python-core/1.31.0 Python/3.11.8 (Linux-5.15.0-1073-azure-x86_64-with-glibc2.35)",
    "ci": "azsdk-python-keyvault-secrets/4.8.0 Python/3.12.3 (Linux-6.5.0-1025-azure-x86_64-with-glibc2.39)",
    "powershell": "PowerShell/7.4.6 Az.KeyVault/6.2.0",
}


def at(hms: str) -> datetime:
    """A time on the scenario day: '10:02:11.482'."""
    clock = datetime.strptime(hms, "%H:%M:%S.%f" if "." in hms else "%H:%M:%S")
    return DAY + timedelta(
        hours=clock.hour, minutes=clock.minute, seconds=clock.second, microseconds=clock.microsecond
    )


def guid(*parts: str) -> str:
    return str(uuid.uuid5(NS, "/".join(parts)))


def iso7(moment: datetime) -> str:
    """Log Analytics style: 7 fractional digits and Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def portal_time(moment: datetime) -> str:
    """The portal's US-style display format (here with the [UTC] header)."""
    hour = moment.hour % 12 or 12
    ampm = "AM" if moment.hour < 12 else "PM"
    return f"{moment.month}/{moment.day}/{moment.year}, {hour}:{moment:%M:%S}.{moment.microsecond // 1000:03d} {ampm}"


# --------------------------------------------------------------------------- Key Vault requests
# (time, caller ip, operation, http status, error text, path, who, user agent, secret)

IDENTITIES = {
    "mi-kvapp": {
        "oid": guid("oid", "mi-kvapp"),
        "appid": guid("appid", "mi-kvapp"),
        "xms_mirid": f"/subscriptions/{SUB}/resourcegroups/rg-kv-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-kvapp",
    },
    "mi-orders": {
        "oid": guid("oid", "mi-orders"),
        "appid": guid("appid", "mi-orders"),
        "xms_mirid": f"/subscriptions/{SUB}/resourcegroups/rg-app-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-orders",
    },
    "mi-reporting": {
        "oid": guid("oid", "mi-reporting"),
        "appid": guid("appid", "mi-reporting"),
        "xms_mirid": f"/subscriptions/{SUB}/resourcegroups/rg-app-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-reporting",
    },
    "mi-batch": {
        "oid": guid("oid", "mi-batch"),
        "appid": guid("appid", "mi-batch"),
        "xms_mirid": f"/subscriptions/{SUB}/resourcegroups/rg-kv-prod/providers/Microsoft.Compute/virtualMachines/vm-batch-01",
    },
    "mi-etl": {
        "oid": guid("oid", "mi-etl"),
        "appid": guid("appid", "mi-etl"),
        "xms_mirid": f"/subscriptions/{SUB}/resourcegroups/rg-app-prod/providers/Microsoft.Compute/virtualMachines/vm-etl-01",
    },
    "ops-admin": {
        "oid": guid("oid", "ops-admin"),
        "appid": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "upn": "lena.vogel@contoso.com",
    },
    "sp-build": {"oid": guid("oid", "sp-build"), "appid": guid("appid", "sp-build")},
    "sp-partner-ci": {"oid": guid("oid", "sp-partner-ci"), "appid": guid("appid", "sp-partner-ci")},
    "dev-user": {
        "oid": guid("oid", "dev-user"),
        "appid": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "upn": "tom.becker@contoso.com",
    },
}

FIREWALL_403 = (
    "Client address is not authorized and caller is not a trusted service.\r\n"
    "Client address: {ip}\r\nCaller: appid={appid};oid={oid};iss=https://sts.windows.net/"
    + TENANT
    + "/\r\nVault: kv-contoso-prod;location=westeurope"
)
RBAC_403 = (
    "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny "
    "assignments or role definitions were changed recently, please observe propagation time.\r\n"
    "Caller: appid={appid};oid={oid};iss=https://sts.windows.net/" + TENANT + "/\r\n"
    "Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\nResource: "
    "'/subscriptions/" + SUB + "/resourcegroups/rg-kv-prod/providers/microsoft.keyvault/"
    "vaults/kv-contoso-prod/secrets/batch-sftp-password'\r\nAssignment: (not found)\r\n"
    "DenyAssignmentId: null\r\nDecisionReason: null\r\nVault: kv-contoso-prod;location=westeurope"
)


def kv(hms, ip, op, status, path, who, ua, secret="", error=""):
    return {
        "time": at(hms),
        "ip": ip,
        "op": op,
        "status": status,
        "path": path,
        "who": who,
        "ua": UA[ua],
        "secret": secret,
        "error": error,
    }


def session(start, ip, path, who, ua, calls):
    """An SDK session: the 401 challenge, then the calls (offset seconds, op, status, secret)."""
    first = at(start)
    challenged = calls[0][3] if calls else ""
    rows = [kv(first.strftime("%H:%M:%S.%f"), ip, "Authentication", 401, path, who, ua, challenged)]
    for offset, op, status, secret, *error in calls:
        moment = first + timedelta(seconds=offset)
        rows.append(
            kv(
                moment.strftime("%H:%M:%S.%f"),
                ip,
                op,
                status,
                path,
                who,
                ua,
                secret,
                error[0] if error else "",
            )
        )
    return rows


KV_LEGACY = [  # 10:00-11:00, AzureDiagnostics
    # vm-kvapp-01: network rule, no SNAT; the 10:10:12 call rides the 10:02:11 connection
    *session(
        "10:02:11.910",
        "10.1.1.4",
        "pe",
        "mi-kvapp",
        "dotnet",
        [
            (0.21, "SecretGet", 200, "storage-account-key"),
            (0.43, "SecretGet", 200, "sql-admin-password"),
            (268.6, "SecretGet", 200, "storage-account-key"),
            (480.2, "SecretGet", 200, "sql-admin-password"),
        ],
    ),
    *session(
        "10:31:05.702",
        "10.1.1.4",
        "pe",
        "mi-kvapp",
        "dotnet",
        [(0.18, "SecretGet", 200, "storage-account-key")],
    ),
    # vm-orders-01: application rule, SNATed to the firewall instance 10.0.0.69
    *session(
        "10:15:03.640",
        "10.0.0.69",
        "pe",
        "mi-orders",
        "java",
        [
            (0.2, "SecretGet", 200, "orders-db-connection"),
            (0.31, "SecretGet", 200, "orders-servicebus-key"),
            (266.8, "SecretGet", 200, "orders-db-connection"),
            (476.9, "SecretGet", 200, "orders-db-connection"),
        ],
    ),
    # vm-hub-jump: an admin with az CLI on the hub jump host; PE /32 active there, no firewall
    *session(
        "10:26:44.118",
        "10.0.1.10",
        "pe",
        "ops-admin",
        "azcli",
        [
            (0.9, "SecretList", 200, ""),
            (3.2, "SecretGet", 200, "sql-admin-password"),
            (5.6, "SecretGet", 200, "storage-account-key"),
        ],
    ),
    # vm-etl-01: service endpoint on snet-etl, vault name resolves publicly
    *session(
        "10:40:10.356",
        "10.2.2.4",
        "se",
        "mi-etl",
        "python",
        [(0.25, "SecretGet", 200, "etl-sftp-password"), (1.4, "SecretGet", 200, "etl-storage-sas")],
    ),
    # partner CI runner on the internet, allowed by the vault's IP rule
    *session(
        "10:50:31.027",
        "203.0.113.45",
        "public",
        "sp-partner-ci",
        "ci",
        [
            (0.3, "SecretGet", 200, "partner-api-token"),
            (0.52, "SecretGet", 200, "partner-signing-key"),
            (0.74, "CertificateGet", 200, "partner-mtls"),
        ],
    ),
]

KV_RESOURCE_SPECIFIC = [  # 11:00-12:00, AZKVAuditLogs
    # vm-batch-01: path proven through the firewall, but the identity has no data-plane role
    *session(
        "11:05:20.604",
        "10.1.1.5",
        "pe",
        "mi-batch",
        "powershell",
        [
            (0.2, "SecretGet", 403, "batch-sftp-password", "rbac"),
            (1.3, "SecretGet", 403, "batch-sftp-password", "rbac"),
            (3.5, "SecretGet", 403, "batch-sftp-password", "rbac"),
        ],
    ),
    # onprem-build 172.20.10.25 via the VPN gateway, GatewaySubnet UDR to the firewall
    *session(
        "11:12:40.977",
        "172.20.10.25",
        "pe",
        "sp-build",
        "python",
        [
            (0.2, "CertificateGet", 200, "build-codesign"),
            (0.9, "SecretGet", 200, "build-nuget-key"),
            (204.0, "SecretGet", 200, "build-nuget-key"),
        ],
    ),
    # dev laptop on the internet: not in the vault's IP rules
    kv(
        "11:24:09.311",
        "203.0.113.77",
        "SecretGet",
        403,
        "public",
        "dev-user",
        "powershell",
        "sql-admin-password",
        "firewall",
    ),
    kv(
        "11:24:31.802",
        "203.0.113.77",
        "SecretGet",
        403,
        "public",
        "dev-user",
        "powershell",
        "sql-admin-password",
        "firewall",
    ),
    # vm-report-01 and vm-report-02 connect 1.6 s apart; both SNATed to 10.0.0.70
    *session(
        "11:30:02.905",
        "10.0.0.70",
        "pe",
        "mi-reporting",
        "dotnet",
        [
            (0.2, "SecretGet", 200, "reporting-db-readonly"),
            (2.1, "SecretGet", 200, "reporting-db-readonly"),
            (17.4, "SecretGet", 200, "reporting-powerbi-key"),
        ],
    ),
]

# --------------------------------------------------------------------------- firewall records
# (time, kind, src ip, src port, destination ip or fqdn, action, rule collection, rule)

FW_LEGACY = [  # AzureDiagnostics msg_s, 10:00-11:00
    (
        "10:02:11.482",
        "net",
        "10.1.1.4",
        51544,
        "10.1.2.4",
        "Allow",
        "rc-net-keyvault",
        "allow-kvapp-to-kv-pe",
    ),
    (
        "10:04:52.301",
        "net",
        "10.2.1.7",
        50110,
        "10.1.1.20:1433",
        "Allow",
        "rc-net-sql",
        "allow-legacy-to-sql",
    ),
    (
        "10:15:03.220",
        "app",
        "10.2.1.4",
        49822,
        KV_HOST,
        "Allow",
        "rc-app-keyvault",
        "allow-orders-to-kv",
    ),
    (
        "10:22:40.515",
        "app",
        "10.2.1.4",
        49870,
        "packages.microsoft.com",
        "Allow",
        "rc-app-os-updates",
        "allow-os-updates",
    ),
    (
        "10:31:05.411",
        "net",
        "10.1.1.4",
        51602,
        "10.1.2.4",
        "Allow",
        "rc-net-keyvault",
        "allow-kvapp-to-kv-pe",
    ),
    (
        "10:47:18.090",
        "app",
        "10.2.1.8",
        50744,
        "login.microsoftonline.com",
        "Allow",
        "rc-app-entra",
        "allow-entra-id",
    ),
]

FW_NETWORK_RS = [  # AZFWNetworkRule (portal CSV), 11:00-12:00
    (
        "11:05:20.114",
        "10.1.1.5",
        50112,
        "10.1.2.4",
        443,
        "Allow",
        "rc-net-keyvault",
        "allow-batch-to-kv-pe",
        "",
    ),
    (
        "11:12:40.553",
        "172.20.10.25",
        61234,
        "10.1.2.4",
        443,
        "Allow",
        "rc-net-keyvault",
        "allow-onprem-build-to-kv-pe",
        "",
    ),
    (
        "11:18:00.031",
        "10.2.1.7",
        50321,
        "10.1.2.4",
        443,
        "Deny",
        "rc-net-deny",
        "deny-spoke-app-to-data",
        "",
    ),
    (
        "11:18:01.036",
        "10.2.1.7",
        50321,
        "10.1.2.4",
        443,
        "Deny",
        "rc-net-deny",
        "deny-spoke-app-to-data",
        "",
    ),
    (
        "11:18:03.041",
        "10.2.1.7",
        50321,
        "10.1.2.4",
        443,
        "Deny",
        "rc-net-deny",
        "deny-spoke-app-to-data",
        "",
    ),
    (
        "11:21:45.660",
        "10.2.1.7",
        50377,
        "10.1.1.20",
        1433,
        "Allow",
        "rc-net-sql",
        "allow-legacy-to-sql",
        "",
    ),
    (
        "11:36:10.220",
        "10.2.1.11",
        49980,
        "10.1.2.4",
        443,
        "Allow",
        "rc-net-keyvault",
        "allow-payments-to-kv-pe",
        "",
    ),
    (
        "11:36:11.224",
        "10.2.1.11",
        49980,
        "10.1.2.4",
        443,
        "Allow",
        "rc-net-keyvault",
        "allow-payments-to-kv-pe",
        "",
    ),
    (
        "11:36:13.229",
        "10.2.1.11",
        49980,
        "10.1.2.4",
        443,
        "Allow",
        "rc-net-keyvault",
        "allow-payments-to-kv-pe",
        "",
    ),
]

FW_APPLICATION_RS = [  # AZFWApplicationRule (query API JSON), 11:00-12:00
    (
        "11:09:33.871",
        "10.2.1.4",
        49911,
        "packages.microsoft.com",
        "Allow",
        "rc-app-os-updates",
        "allow-os-updates",
    ),
    (
        "11:30:00.412",
        "10.2.1.8",
        50811,
        KV_HOST,
        "Allow",
        "rc-app-keyvault",
        "allow-reporting-to-kv",
    ),
    (
        "11:30:02.007",
        "10.2.1.9",
        61022,
        KV_HOST,
        "Allow",
        "rc-app-keyvault",
        "allow-reporting-to-kv",
    ),
    ("11:56:40.118", "10.2.1.12", 50233, KV_HOST, "Allow", "rc-app-keyvault", "allow-orders-to-kv"),
]

# --------------------------------------------------------------------------- VNet flow log tuples
# (start, end or None, src, sport, dst, dport, packets out, bytes out, packets in, bytes in, rule)

NICS = {
    "10.2.1.4": "000D3A4B5C01",
    "10.2.1.7": "000D3A4B5C07",
    "10.2.1.8": "000D3A4B5C08",
    "10.2.1.9": "000D3A4B5C09",
    "10.2.1.11": "000D3A4B5C11",
    "10.2.1.12": "000D3A4B5C12",
    "10.2.2.4": "000D3A4B6D04",
}
FLOWS = [
    (
        "10:04:52",
        "10:05:40",
        "10.2.1.7",
        50110,
        "10.1.1.20",
        1433,
        14,
        2210,
        12,
        5310,
        "DefaultRule_AllowVnetOutBound",
    ),
    (
        "10:15:03",
        "10:23:20",
        "10.2.1.4",
        49822,
        "10.1.2.4",
        443,
        41,
        9876,
        38,
        61420,
        "DefaultRule_AllowVnetOutBound",
    ),
    (
        "10:40:10",
        "10:40:12",
        "10.2.2.4",
        53012,
        "198.51.100.10",
        443,
        12,
        2875,
        10,
        9431,
        "DefaultRule_AllowInternetOutBound",
    ),
    (
        "11:18:00",
        "11:18:21",
        "10.2.1.7",
        50321,
        "10.1.2.4",
        443,
        3,
        180,
        0,
        0,
        "DefaultRule_AllowVnetOutBound",
    ),
    (
        "11:30:00",
        "11:30:25",
        "10.2.1.8",
        50811,
        "10.1.2.4",
        443,
        15,
        3402,
        13,
        18833,
        "DefaultRule_AllowVnetOutBound",
    ),
    (
        "11:30:02",
        "11:30:24",
        "10.2.1.9",
        61022,
        "10.1.2.4",
        443,
        11,
        2611,
        10,
        12002,
        "DefaultRule_AllowVnetOutBound",
    ),
    (
        "11:36:10",
        "11:36:31",
        "10.2.1.11",
        49980,
        "10.1.2.4",
        443,
        3,
        180,
        0,
        0,
        "DefaultRule_AllowVnetOutBound",
    ),
    (
        "11:56:40",
        None,
        "10.2.1.12",
        50233,
        "10.1.2.4",
        443,
        0,
        0,
        0,
        0,
        "DefaultRule_AllowVnetOutBound",
    ),
]


# --------------------------------------------------------------------------- row builders


def _secret_uri(row: dict) -> tuple[str, str]:
    if row["op"] == "SecretList":
        return f"https://{KV_HOST}/secrets?api-version=7.5", f"https://{KV_HOST}/secrets"
    kind = "certificates" if row["op"].startswith("Certificate") else "secrets"
    name = row["secret"] or "storage-account-key"
    version = uuid.uuid5(NS, f"version/{name}").hex
    return (
        f"https://{KV_HOST}/{kind}/{name}/?api-version=7.5",
        f"https://{KV_HOST}/{kind}/{name}/{version}",
    )


def _outcome(row: dict) -> tuple[str, str, str]:
    """(ResultType, ResultSignature, ResultDescription) as Key Vault writes them."""
    who = IDENTITIES[row["who"]]
    if row["status"] == 401:
        return "Success", "Unauthorized", ""
    if row["error"] == "firewall":
        return "Success", "Forbidden", FIREWALL_403.format(ip=row["ip"], **who)
    if row["error"] == "rbac":
        return "Success", "Forbidden", RBAC_403.format(**who)
    return "Success", "OK", ""


def _network_fields(row: dict) -> dict:
    if row["path"] == "pe":
        return {"privateEndpointId": PE_ID, "subnetId": "", "addrAuthType": "PrivateLink"}
    if row["path"] == "se":
        return {"privateEndpointId": "", "subnetId": ETL_SUBNET_ID, "addrAuthType": "Subnet"}
    return {"privateEndpointId": "", "subnetId": "", "addrAuthType": "PublicIP"}


def _claims(row: dict) -> dict:
    if row["status"] == 401:
        return {}
    who = IDENTITIES[row["who"]]
    claims = {"oid": who["oid"], "appid": who["appid"], "appidacr": "2", "idtyp": "app"}
    if "xms_mirid" in who:
        claims["xms_mirid"] = who["xms_mirid"]
    if "upn" in who:
        claims.update(
            {
                "upn": who["upn"],
                "unique_name": who["upn"],
                "idtyp": "user",
                "appidacr": "0",
                "amr": "pwd",
            }
        )
    return claims


def kv_legacy_row(row: dict, index: int) -> dict:
    uri, obj = _secret_uri(row)
    result_type, signature, description = _outcome(row)
    net, claims = _network_fields(row), _claims(row)
    return {
        "TenantId": WORKSPACE_TENANT,
        "TimeGenerated": iso7(row["time"]),
        "ResourceId": KV_ID.upper(),
        "Category": "AuditEvent",
        "ResourceGroup": "RG-KV-PROD",
        "SubscriptionId": SUB,
        "ResourceProvider": "MICROSOFT.KEYVAULT",
        "Resource": KV.upper(),
        "ResourceType": "VAULTS",
        "OperationName": row["op"],
        "OperationVersion": "7.5",
        "ResultType": result_type,
        "ResultSignature": signature,
        "ResultDescription": description,
        "DurationMs": 3 + (index * 7) % 41,
        "CallerIPAddress": row["ip"],
        "CorrelationId": guid("corr", str(index), row["ip"]),
        "clientInfo_s": row["ua"],
        "requestUri_s": uri,
        "id_s": obj,
        "httpStatusCode_d": float(row["status"]),
        "isRbacAuthorized_b": row["status"] == 200 if row["status"] != 401 else None,
        "privateEndpointId_s": net["privateEndpointId"],
        "subnetId_s": net["subnetId"],
        "addrAuthType_s": net["addrAuthType"],
        "identity_claim_oid_g": claims.get("oid", ""),
        "identity_claim_appid_g": claims.get("appid", ""),
        "identity_claim_xms_mirid_s": claims.get("xms_mirid", ""),
        "identity_claim_upn_s": claims.get("upn", ""),
        "tlsVersion_s": "TLS1_2",
        "Type": "AzureDiagnostics",
        "_ResourceId": KV_ID,
    }


KV_LEGACY_TYPES = {
    "TimeGenerated": "datetime",
    "SubscriptionId": "guid",
    "DurationMs": "long",
    "httpStatusCode_d": "real",
    "isRbacAuthorized_b": "bool",
    "identity_claim_oid_g": "guid",
    "identity_claim_appid_g": "guid",
}


def kv_resource_specific_row(row: dict, index: int) -> dict:
    """One AZKVAuditLogs row as `az monitor log-analytics query -o json` prints it (all strings)."""
    uri, obj = _secret_uri(row)
    result_type, signature, description = _outcome(row)
    net, claims = _network_fields(row), _claims(row)
    properties = {
        "id": obj,
        "clientInfo": row["ua"],
        "httpStatusCode": row["status"],
        "requestUri": uri,
        "isAccessPolicyMatch": False,
        "tlsVersion": "TLS1_3",
    }
    if net["privateEndpointId"]:
        properties["privateEndpointId"] = net["privateEndpointId"]
    return {
        "TenantId": WORKSPACE_TENANT,
        "TimeGenerated": iso7(row["time"]),
        "OperationName": row["op"],
        "OperationVersion": "7.5",
        "ResultType": result_type,
        "ResultSignature": signature,
        "ResultDescription": description,
        "DurationMs": str(4 + (index * 5) % 37),
        "CallerIpAddress": row["ip"],
        "CorrelationId": guid("corr-rs", str(index), row["ip"]),
        "Identity": json.dumps({"claim": claims}, separators=(",", ":")) if claims else "",
        "Properties": json.dumps(properties, separators=(",", ":")),
        "Id": obj,
        "RequestUri": uri,
        "HttpStatusCode": str(row["status"]),
        "ClientInfo": row["ua"],
        "IsRbacAuthorized": "True" if row["status"] == 200 else "False",
        "IsAddressAuthorized": "False" if row["error"] == "firewall" else "True",
        "AddressAuthorizationType": net["addrAuthType"],
        "SubnetId": net["subnetId"],
        "Tlsversion": "TLS1_3",
        "SourceSystem": "Azure",
        "Type": "AZKVAuditLogs",
        "_ResourceId": KV_ID,
        "TableName": "PrimaryResult",
    }


def fw_legacy_row(record: tuple, index: int) -> dict:
    hms, kind, src, sport, dst, action, collection, rule = record
    suffix = (
        f"Action: {action}. Policy: {POLICY}. Rule Collection Group: rcg-platform. "
        f"Rule Collection: {collection}. Rule: {rule}"
    )
    if kind == "net":
        target = dst if ":" in dst else f"{dst}:443"
        msg = f"TCP request from {src}:{sport} to {target}. {suffix}"
        category, operation = "AzureFirewallNetworkRule", "AzureFirewallNetworkRuleLog"
    else:
        msg = f"HTTPS request from {src}:{sport} to {dst}:443. {suffix}"
        category, operation = "AzureFirewallApplicationRule", "AzureFirewallApplicationRuleLog"
    return {
        "TenantId": WORKSPACE_TENANT,
        "TimeGenerated": iso7(at(hms)),
        "ResourceId": FW_ID.upper(),
        "Category": category,
        "ResourceGroup": "RG-CONNECTIVITY-PROD",
        "SubscriptionId": SUB,
        "ResourceProvider": "MICROSOFT.NETWORK",
        "Resource": "FW-HUB",
        "ResourceType": "AZUREFIREWALLS",
        "OperationName": operation,
        "msg_s": msg,
        "Type": "AzureDiagnostics",
        "_ResourceId": FW_ID,
    }


FW_LEGACY_TYPES = {"TimeGenerated": "datetime", "SubscriptionId": "guid"}


def fw_network_csv_row(record: tuple) -> dict:
    hms, src, sport, dst, dport, action, collection, rule, reason = record
    return {
        "TenantId": WORKSPACE_TENANT,
        "TimeGenerated [UTC]": portal_time(at(hms)),
        "Protocol": "TCP",
        "SourceIp": src,
        "SourcePort": sport,
        "DestinationIp": dst,
        "DestinationPort": dport,
        "Action": action,
        "Policy": POLICY,
        "RuleCollectionGroup": "rcg-platform",
        "RuleCollection": collection,
        "Rule": rule,
        "ActionReason": reason,
        "SourceSystem": "",
        "Type": "AZFWNetworkRule",
        "_ResourceId": FW_ID,
    }


def fw_application_row(record: tuple) -> dict:
    hms, src, sport, fqdn, action, collection, rule = record
    return {
        "TenantId": WORKSPACE_TENANT,
        "TimeGenerated": iso7(at(hms)),
        "Protocol": "HTTPS",
        "SourceIp": src,
        "SourcePort": sport,
        "DestinationPort": 443,
        "Fqdn": fqdn,
        "TargetUrl": "",
        "Action": action,
        "ActionReason": "",
        "Policy": POLICY,
        "RuleCollectionGroup": "rcg-platform",
        "RuleCollection": collection,
        "Rule": rule,
        "WebCategory": "",
        "IsTlsInspected": False,
        "IsExplicitProxyRequest": False,
        "SourceSystem": "Azure",
        "Type": "AZFWApplicationRule",
        "_ResourceId": FW_ID,
    }


FW_APPLICATION_TYPES = {
    "TimeGenerated": "datetime",
    "SourcePort": "int",
    "DestinationPort": "int",
    "IsTlsInspected": "bool",
    "IsExplicitProxyRequest": "bool",
}


def flow_tuples(flow: tuple) -> list[tuple[datetime, str, str]]:
    """(time, mac, tuple text) for the begin and, when the flow ended, the end tuple."""
    start, end, src, sport, dst, dport, pout, bout, pin, bin_, _rule = flow
    mac = NICS[src]
    epoch = int(at(start).timestamp() * 1000) + 117
    rows = [(at(start), mac, f"{epoch},{src},{dst},{sport},{dport},6,O,B,NX,0,0,0,0")]
    if end is not None:
        epoch_end = int(at(end).timestamp() * 1000) + 402
        rows.append(
            (
                at(end),
                mac,
                f"{epoch_end},{src},{dst},{sport},{dport},6,O,E,NX,{pout},{bout},{pin},{bin_}",
            )
        )
    return rows


# --------------------------------------------------------------------------- file writers


def query_api_json(rows: list[dict], types: dict[str, str]) -> str:
    """A Log Analytics query API response body (what `POST /v1/workspaces/{id}/query` returns)."""
    names = list(rows[0])
    columns = [{"name": n, "type": types.get(n, "string")} for n in names]
    table = {
        "name": "PrimaryResult",
        "columns": columns,
        "rows": [[r[n] for n in names] for r in rows],
    }
    return json.dumps({"tables": [table]}, indent=1) + "\n"


def portal_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def vnet_flow_blobs() -> dict[str, str]:
    """VNet flow log v4 PT1H.json blobs of vnet-spoke-app, one per hour."""
    flow_log = (
        f"/SUBSCRIPTIONS/{SUB.upper()}/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/"
        "MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/FLOWLOGS/FL-VNET-SPOKE-APP"
    )
    target = (
        f"/subscriptions/{SUB}/resourceGroups/rg-network-prod/providers/Microsoft.Network/"
        "virtualNetworks/vnet-spoke-app"
    )
    grouped: dict[tuple[datetime, str], dict[str, list[str]]] = {}
    for flow in FLOWS:
        for moment, mac, text in flow_tuples(flow):
            minute = moment.replace(second=0, microsecond=0)
            grouped.setdefault((minute, mac), {}).setdefault(flow[-1], []).append(text)
    blobs: dict[str, list[dict]] = {}
    for (minute, mac), by_rule in sorted(grouped.items()):
        record = {
            "time": iso7(minute + timedelta(seconds=59, microseconds=412000)),
            "flowLogVersion": 4,
            "flowLogGUID": guid("flowlog", "vnet-spoke-app"),
            "macAddress": mac,
            "category": "FlowLogFlowEvent",
            "flowLogResourceID": flow_log,
            "targetResourceID": target,
            "operationName": "FlowLogFlowEvent",
            "flowRecords": {
                "flows": [
                    {
                        "aclID": guid("acl", "nsg-snet-vm"),
                        "flowGroups": [
                            {"rule": rule, "flowTuples": tuples}
                            for rule, tuples in sorted(by_rule.items())
                        ],
                    }
                ]
            },
        }
        path = (
            f"insights-logs-flowlogflowevent/flowLogResourceID=/{SUB.upper()}/NETWORKWATCHERRG/"
            f"NETWORKWATCHER_WESTEUROPE/FL-VNET-SPOKE-APP/y=2026/m=11/d=20/h={minute.hour:02d}/"
            f"m=00/macAddress={mac}/PT1H.json"
        )
        blobs.setdefault(path, []).append(record)
    return {
        path: json.dumps({"records": recs}, separators=(",", ":")) + "\n"
        for path, recs in blobs.items()
    }


DEV_VAULT = "kv-contoso-dev"
DEV_VAULT_ID = f"/SUBSCRIPTIONS/{SUB.upper()}/RESOURCEGROUPS/RG-KV-DEV/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{DEV_VAULT.upper()}"
# Another vault's archive sits in the same export: netlogs must read it and leave it out.
KV_DEV_ARCHIVE = session(
    "10:12:07.330", "10.2.1.4", "public", "mi-orders", "java",
    [(0.2, "SecretGet", 200, "orders-db-connection"), (0.4, "SecretGet", 404, "orders-feature-flags")],
)


def kv_raw_record(row: dict, index: int) -> dict:
    """One Key Vault AuditEvent record as diagnostic settings archive it to storage."""
    uri, obj = _secret_uri(row)
    uri, obj = (u.replace(KV_HOST, f"{DEV_VAULT}.vault.azure.net") for u in (uri, obj))
    signature = {200: "OK", 401: "Unauthorized", 404: "NotFound"}[row["status"]]
    record = {
        "time": iso7(row["time"]), "category": "AuditEvent", "operationName": row["op"],
        "resultType": "Success", "correlationId": guid("corr-dev", str(index)),
        "callerIpAddress": "20.61.15.33", "identity": {"claim": _claims(row)},
        "properties": {"id": obj, "clientInfo": row["ua"], "httpStatusCode": row["status"],
                       "requestUri": uri, "isAccessPolicyMatch": False},
        "resourceId": DEV_VAULT_ID, "operationVersion": "7.5", "resultSignature": signature,
        "durationMs": str(5 + index * 3),
    }
    return record


def kv_dev_archive() -> dict[str, str]:
    records = [kv_raw_record(r, i) for i, r in enumerate(KV_DEV_ARCHIVE)]
    path = f"storage/insights-logs-auditevent/resourceId={DEV_VAULT_ID}/y=2026/m=11/d=20/h=10/m=00/PT1H.json"
    return {path: json.dumps({"records": records}, indent=1) + "\n"}


def files() -> dict[str, str]:
    """Relative path under logs/ -> file content."""
    by_time = lambda rows: sorted(rows, key=lambda r: r["time"])  # noqa: E731
    kv_legacy = [kv_legacy_row(r, i) for i, r in enumerate(by_time(KV_LEGACY))]
    kv_rs = [kv_resource_specific_row(r, i) for i, r in enumerate(by_time(KV_RESOURCE_SPECIFIC))]
    out = {
        "log-analytics/AzureDiagnostics-keyvault-2026-11-20T10.json": query_api_json(
            kv_legacy, KV_LEGACY_TYPES
        ),
        "log-analytics/AzureDiagnostics-firewall-2026-11-20T10.json": query_api_json(
            [fw_legacy_row(r, i) for i, r in enumerate(FW_LEGACY)], FW_LEGACY_TYPES
        ),
        "log-analytics/AZKVAuditLogs-2026-11-20T11.az.json": json.dumps(kv_rs, indent=2) + "\n",
        "log-analytics/AZFWApplicationRule-2026-11-20T11.json": query_api_json(
            [fw_application_row(r) for r in FW_APPLICATION_RS], FW_APPLICATION_TYPES
        ),
        "portal/AZFWNetworkRule-2026-11-20T11-UTC.csv": portal_csv(
            [fw_network_csv_row(r) for r in FW_NETWORK_RS]
        ),
    }
    for path, text in vnet_flow_blobs().items():
        out[f"storage/{path}"] = text
    out.update(kv_dev_archive())
    return out


def main() -> None:
    for relative, text in sorted(files().items()):
        target = OUT / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="")
        print(f"wrote {target.relative_to(OUT.parent)}")


if __name__ == "__main__":
    main()
