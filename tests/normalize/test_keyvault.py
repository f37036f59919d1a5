"""Key Vault rows in all three shapes -> kv_requests."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest

from netlogs.model import EvidenceQuery, RawTable
from netlogs.normalize import normalize_evidence
from netlogs.sources.files import FileSource

LOGS = Path(__file__).resolve().parents[1] / "fixtures" / "logs"
QUERY = EvidenceQuery("kv", "kv.vault.azure.net", (), (), None)
LONG_OID = "identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g"
KV_ID = "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PROD"


def _kv(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    return normalize_evidence([RawTable(table, frame, "t")]).kv_requests


def test_raw_samples(tmp_path: Path) -> None:
    for name in ("keyvault_AuditEvent_raw_records_securathesis_2022.json",
                 "docs_keyvault_storage_blob_PT1H_sample.json"):
        (tmp_path / name).write_bytes((LOGS / name).read_bytes())
    kv = normalize_evidence(FileSource(tmp_path).collect(QUERY).raw_tables).kv_requests
    assert kv["operation"].to_list() == [
        "VaultGet", "VaultPut", "KeyGet", "CertificateList", "SecretGet"]
    assert kv["vault"].to_list() == ["contosokeyvault"] + ["securaallkeyvault"] * 4
    assert kv["duration_ms"].to_list() == [78, 104, 245, 131, 9]  # strings in the raw JSON
    assert kv["http_status"].to_list() == [200] * 5
    # long-URI claim (control plane) and short oid claim (data plane) both give the object id
    assert kv["identity"].to_list() == ["d9da5048-2737-4770-bd64-XXXXXXXXXXXX"] + [
        "30a6c29d-de7c-4830-815f-9b3bb366e975"] * 4
    assert kv["caller_ip"].to_list()[:2] == ["104.40.82.76", "<Redacted>"]
    assert kv["time"][4] == datetime(2022, 6, 30, 11, 59, 25, 411179, tzinfo=timezone.utc)
    assert kv["via"].to_list() == ["unknown"] * 5
    assert kv["request_uri"][4].startswith("https://securaallkeyvault.vault.azure.net/secrets/")
    assert kv["row_id"][0] == "docs_keyvault_storage_blob_PT1H_sample.json:1"


def test_azure_diagnostics_columns() -> None:
    frame = pl.DataFrame({
        "TimeGenerated": [datetime(2024, 5, 1, 10, tzinfo=timezone.utc)] * 4,
        "ResourceProvider": ["MICROSOFT.KEYVAULT"] * 4,
        "Category": ["AuditEvent"] * 4,
        "Resource": ["KV-PROD"] * 4,
        "OperationName": ["SecretGet"] * 4,
        "CallerIPAddress": ["10.1.2.4", "20.1.1.1", "10.0.0.68", "52.1.1.1"],
        "httpStatusCode_d": [200.0, 403.0, 200.0, 403.0],
        "ResultSignature": ["OK", "Forbidden", "OK", "Forbidden"],
        "ResultType": ["Success"] * 4,  # says Success for 403s too: never used
        "ResultDescription": ["", "Client address is not authorized and caller is not a "
                              "trusted service.\r\nClient address: 20.1.1.1", "",
                              "Public network access is disabled and request is not from a "
                              "trusted service nor via an approved private link."],
        "privateEndpointId_s": ["/subscriptions/s/.../privateEndpoints/pe-kv", "", "", ""],
        "subnetId_s": ["", "", "/subscriptions/s/.../subnets/snet-fw", ""],
        "addrAuthType_s": ["", "PublicIP", "Subnet", "PublicIP"],
        "identity_claim_oid_g": [None, "o-2", None, None],
        LONG_OID: ["o-long", None, None, None],
        "identity_claim_xms_mirid_s": [None, None, "/sub/s/mi/app", None],
        "DurationMs": [12, 3, 5, 1],
    })
    kv = _kv("AzureDiagnostics", frame)
    assert kv["http_status"].to_list() == [200, 403, 200, 403]
    assert kv["vault"].to_list() == ["kv-prod"] * 4
    assert kv["via"].to_list() == ["private_endpoint", "public", "service_endpoint", "public"]
    assert kv["private_endpoint_id"][0].endswith("pe-kv") and kv["subnet_id"][1] is None
    assert kv["error_code"].to_list() == [None, "ForbiddenByFirewall", None,
                                          "ForbiddenByConnection"]
    assert kv["identity"].to_list() == ["o-long", "o-2", "/sub/s/mi/app", None]


@pytest.mark.parametrize(("text", "code"), [
    ('{"error":{"code":"Forbidden","innererror":{"code":"ForbiddenByRbac"}}}', "ForbiddenByRbac"),
    ("Caller is not authorized to perform action on resource.", "ForbiddenByRbac"),
    ("The user, group or application 'x' does not have secrets get permission on key vault",
     "ForbiddenByPolicy"),
    ("Request was not allowed by NSP rules and the client address is not authorized",
     "ForbiddenByFirewall"),
    ("", None),
])
def test_error_code_from_description_or_properties(text: str, code: str | None) -> None:
    frame = pl.DataFrame({"Category": ["AuditEvent"], "CallerIPAddress": ["1.1.1.1"],
                          "properties_s": [text], "httpStatusCode_d": [403.0]})
    assert _kv("AzureDiagnostics", frame)["error_code"].to_list() == [code]


def test_azkvauditlogs_dynamic_columns() -> None:
    frame = pl.DataFrame({
        "TimeGenerated": ["2024-05-01T10:00:00Z", "2024-05-01T10:00:01Z"],
        "_ResourceId": [KV_ID.lower()] * 2,
        "OperationName": ["SecretGet", "Authentication"],
        "CallerIpAddress": ["10.1.2.4", "10.2.1.4"],
        "HttpStatusCode": [200, 401],
        "ResultSignature": ["OK", "Unauthorized"],
        "Identity": [json.dumps({"claim": {"http://schemas.microsoft.com/identity/claims/"
                                           "objectidentifier": "o-x", "appid": "a"}}), None],
        "Properties": [json.dumps({"privateEndpointId": "/pe/pe-kv"}), "{}"],
        "AddressAuthorizationType": [None, "TrustedService"],
        "SubnetId": [None, None],
        "DurationMs": [7, None],
    })
    kv = _kv("AZKVAuditLogs", frame)
    assert kv["identity"].to_list() == ["o-x", None]
    assert kv["via"].to_list() == ["private_endpoint", "trusted_service"]
    assert kv["private_endpoint_id"].to_list() == ["/pe/pe-kv", None]
    assert kv["source_table"].to_list() == ["AZKVAuditLogs"] * 2
    assert kv["http_status"].to_list() == [200, 401]


def test_string_status_and_blank_caller_ip_column_fallback() -> None:
    frame = pl.DataFrame({"Category": ["AuditEvent"], "CallerIPAddress": [""],
                          "CallerIpAddress": ["10.9.9.9"], "httpStatusCode_d": ["403.0"]})
    kv = _kv("AzureDiagnostics", frame)
    assert kv["caller_ip"].to_list() == ["10.9.9.9"]
    assert kv["http_status"].to_list() == [403]
