"""The kv-ledger estate's Key Vault audit records, as the vault's diagnostic setting writes them to
storage (shared by the end-to-end trace tests of this folder)."""

from __future__ import annotations

SUB = "5f0c1b2a-0000-4000-8000-000000000001"
KV_ID = f"/SUBSCRIPTIONS/{SUB}/RESOURCEGROUPS/RG-APP/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-LEDGER"
PE_ID = (f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.Network/"
         "privateEndpoints/pe-ledger")


def kv_record(minute: int, caller: str) -> dict[str, object]:
    return {
        "time": f"2026-11-20T10:{minute:02d}:02.5000000Z", "category": "AuditEvent",
        "operationName": "SecretGet", "operationVersion": "7.4", "resultType": "Success",
        "resultSignature": "OK", "resultDescription": "", "durationMs": "7",
        "callerIpAddress": caller, "correlationId": "",
        "identity": {"claim": {"oid": "6a1c...", "appid": "9f2e..."}},
        "properties": {"id": "https://kv-ledger.vault.azure.net/secrets/s1",
                       "clientInfo": "azsdk-python-keyvault-secrets/4.8", "httpStatusCode": 200,
                       "requestUri": "https://kv-ledger.vault.azure.net/secrets/s1?api-version=7.4",
                       "privateEndpointId": PE_ID},
        "resourceId": KV_ID,
    }
