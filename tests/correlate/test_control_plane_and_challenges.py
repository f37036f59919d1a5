"""Key Vault control-plane operations are no arrivals; 401 challenges prove no path (contract §5).

The rows are raw ``AuditEvent`` records (storage / Event Hub shape) read from a file, normalised
and judged: the same way a trace reads them.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl

from netlogs.model import EvidenceQuery, Verdict
from netlogs.normalize import normalize_evidence
from netlogs.sources.files import FileSource

KV_ID = "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1"
ARM_URI = (
    "https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/"
    "Microsoft.KeyVault/vaults/kv1?api-version=2022-07-01"
)
LONG_OID = "http://schemas.microsoft.com/identity/claims/objectidentifier"
NOT_AUTHORIZED = "Client address is not authorized and caller is not a trusted service."
PUBLIC_DISABLED = (
    "Public network access is disabled and request is not from a trusted service nor via an "
    "approved private link."
)


def audit_row(
    b: ModuleType, minutes: float, operation: str, caller: str, status: int, **extra: Any
) -> dict[str, Any]:
    """One AuditEvent record in the raw storage shape (durationMs a string, nested claims)."""
    control = operation.startswith("Vault")
    claim = {LONG_OID: "0b1e..."} if control else {"oid": "0b1e...", "appid": "04b0..."}
    uri = ARM_URI if control else "https://kv1.vault.azure.net/secrets/s1/?api-version=7.4"
    signature = {200: "OK", 401: "Unauthorized", 403: "Forbidden"}[status]
    row: dict[str, Any] = {
        "time": b.at(minutes).strftime("%Y-%m-%dT%H:%M:%S.%f0Z"),
        "category": "AuditEvent",
        "operationName": operation,
        "operationVersion": "2022-07-01" if control else "7.4",
        "resultType": "Success",
        "resultSignature": signature,
        "resultDescription": extra.pop("description", ""),
        "durationMs": "12",
        "callerIpAddress": caller,
        "correlationId": "",
        "identity": {"claim": claim},
        "properties": {
            "id": "https://kv1.vault.azure.net/",
            "clientInfo": "azure-resource-manager/2.0" if control else "azsdk-python-keyvault/4.8",
            "requestUri": uri,
            "httpStatusCode": status,
            **extra,
        },
        "resourceId": KV_ID,
    }
    return row


def kv_frame(tmp_path: Path, records: list[dict[str, Any]]) -> pl.DataFrame:
    (tmp_path / "PT1H.json").write_text(json.dumps({"records": records}), encoding="utf-8")
    query = EvidenceQuery("kv1", "kv1.vault.azure.net", (), (), None)
    return normalize_evidence(FileSource(tmp_path).collect(query).raw_tables).kv_requests


def test_portal_and_policy_scans_make_no_flow(b: ModuleType, tmp_path: Path) -> None:
    """A VaultGet from the portal and an Azure Policy compliance scan (VaultGet, VaultList),
    plus a VaultPatch from the CLI: ARM operations with public callers. None is an arrival; the
    one data-plane client through the firewall is judged alone."""
    records = [
        audit_row(b, 1, "VaultGet", "52.174.10.20", 200),  # engineer opening the portal blade
        audit_row(b, 2, "VaultGet", "20.50.1.1", 200),  # Azure Policy compliance scan
        audit_row(b, 2.5, "VaultList", "20.50.1.1", 200),
        audit_row(b, 3, "VaultPatch", "198.51.100.77", 200),
        audit_row(b, 5, "SecretGet", "10.2.1.4", 200, privateEndpointId="/pe/pe-kv"),
    ]
    kv = kv_frame(tmp_path, records)
    assert kv.height == 5  # read and kept: the rule is applied where arrivals are decided
    fw = b.fw_rows([{"time": b.at(4), "src_ip": "10.2.1.4", "src_port": 50000}])
    flows, _ = b.judge(kv, fw)
    assert set(flows) == {"10.2.1.4"}
    assert flows["10.2.1.4"].verdict is Verdict.REACHED_VIA_FIREWALL
    assert all(f.verdict is not Verdict.REACHED_VIA_PUBLIC_ENDPOINT for f in flows.values())


def test_control_plane_only_vault_has_no_flow(b: ModuleType, tmp_path: Path) -> None:
    records = [audit_row(b, m, op, "52.174.10.20", 200)
               for m, op in ((1, "VaultGet"), (2, "VaultPut"), (3, "VaultDelete"),
                             (4, "VaultRecover"), (5, "VaultPurge"))]
    flows, _ = b.judge(kv_frame(tmp_path, records))
    assert flows == {}


def test_refused_direct_client_is_blocked_despite_its_challenge(
    b: ModuleType, tmp_path: Path
) -> None:
    """401 challenge (no token) then 403 ForbiddenByConnection from a public caller: the
    challenge must not count as reaching the public endpoint."""
    records = [
        audit_row(b, 1, "Authentication", "198.51.100.23", 401),
        audit_row(b, 1.1, "SecretGet", "198.51.100.23", 403, description=PUBLIC_DISABLED),
        audit_row(b, 2, "Authentication", "198.51.100.23", 401),
        audit_row(b, 2.1, "SecretGet", "198.51.100.23", 403, description=PUBLIC_DISABLED),
    ]
    flows, _ = b.judge(kv_frame(tmp_path, records))
    flow = flows["198.51.100.23"]
    assert flow.verdict is Verdict.BLOCKED_BY_VAULT_NETWORK_RULES
    assert "ForbiddenByConnection" in flow.cause and not flow.violation
    assert flow.vault_outcome.value == "denied_network"


def test_refused_snated_client_is_blocked_despite_its_challenge(
    b: ModuleType, tmp_path: Path
) -> None:
    """The firewall SNATs the client (application rule) to an instance address; the vault's
    network rules refuse the authenticated request (403 ForbiddenByFirewall)."""
    app = {"kind": "application", "dst_ip": None, "fqdn": "kv1.vault.azure.net",
           "source_table": "AZFWApplicationRule", "rule": "allow-kv-fqdn"}
    fw = b.fw_rows([{**app, "time": b.at(0.5), "src_ip": "10.2.1.5", "src_port": 1}])
    records = [
        audit_row(b, 1, "Authentication", "10.0.0.69", 401),
        audit_row(b, 1.1, "SecretGet", "10.0.0.69", 403, description=NOT_AUTHORIZED),
    ]
    flows, _ = b.judge(kv_frame(tmp_path, records), fw)
    assert set(flows) == {"10.2.1.5"}
    flow = flows["10.2.1.5"]
    assert flow.verdict is Verdict.BLOCKED_BY_VAULT_NETWORK_RULES
    assert "ForbiddenByFirewall" in flow.cause


def test_only_challenges_are_inconclusive_not_an_arrival(b: ModuleType, tmp_path: Path) -> None:
    records = [audit_row(b, 1, "Authentication", "198.51.100.23", 401)]
    flows, _ = b.judge(kv_frame(tmp_path, records))
    flow = flows["198.51.100.23"]
    assert flow.verdict is Verdict.INCONCLUSIVE
    assert "401 Authentication challenge" in flow.cause
