"""Key Vault ``AuditEvent`` -> ``kv_requests``.

Three shapes: raw storage / Event Hub records (``callerIpAddress``, ``durationMs`` as a string,
nested ``identity.claim``), legacy ``AzureDiagnostics`` (``CallerIPAddress``, ``httpStatusCode_d``
as a real, flattened claims in two naming styles) and ``AZKVAuditLogs`` (``CallerIpAddress``,
``Identity`` and ``Properties`` as dynamic JSON). Allowed/denied is decided on the HTTP status,
never on ``ResultType`` (which says Success for some 403s).
"""

from __future__ import annotations

import polars as pl

from netlogs.normalize.common import ROW_ID, integer, last_segment, pick, text, utc_time
from netlogs.schemas import KV_REQUESTS, conform

_LONG_OID = "http://schemas.microsoft.com/identity/claims/objectidentifier"
_LONG_OID_COLUMN = "identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g"

# Description text -> inner error code, for rows that carry the message but not the code.
_ERROR_TEXT = (
    (r"(?i)client address is not authorized|not allowed by NSP rules", "ForbiddenByFirewall"),
    (r"(?i)public network access is disabled", "ForbiddenByConnection"),
    (r"(?i)caller is not authorized to perform action", "ForbiddenByRbac"),
    (r"(?i)does not have \S+ \S+ permission", "ForbiddenByPolicy"),
)

_VIA_BY_AUTH_TYPE = {
    "privatelink": "private_endpoint",
    "privateendpoint": "private_endpoint",
    "subnet": "service_endpoint",
    "virtualnetwork": "service_endpoint",
    "publicip": "public",
    "trustedservice": "trusted_service",
}


def json_text(frame: pl.DataFrame, column: str, path: str) -> pl.Expr:
    """A value inside a dynamic column (JSON text or a struct); null when absent."""
    if column not in frame.columns:
        return pl.lit(None, dtype=pl.String)
    dtype = frame.schema[column]
    source = pl.col(column).struct.json_encode() if isinstance(dtype, pl.Struct) else pl.col(column)
    return source.cast(pl.String).str.json_path_match(path)


def _blob(frame: pl.DataFrame, *names: str) -> pl.Expr:
    """Every free-text / dynamic column that may carry an error code, joined for one regex."""
    parts = []
    for name in names:
        if name in frame.columns:
            dtype = frame.schema[name]
            expr = (
                pl.col(name).struct.json_encode() if isinstance(dtype, pl.Struct) else pl.col(name)
            )
            parts.append(expr.cast(pl.String).fill_null(""))
    return pl.concat_str(parts, separator=" | ") if parts else pl.lit("")


def _error_code(frame: pl.DataFrame) -> pl.Expr:
    blob = _blob(
        frame,
        "ResultDescription",
        "resultDescription",
        "properties_s",
        "Properties",
        "AdditionalFields",
        "properties.error",
        "properties.innerError",
    )
    inferred = pl.lit(None, dtype=pl.String)
    for pattern, code in reversed(_ERROR_TEXT):
        inferred = pl.when(blob.str.contains(pattern)).then(pl.lit(code)).otherwise(inferred)
    return pl.coalesce(blob.str.extract(r"\b(ForbiddenBy[A-Za-z]+)\b"), inferred)


def _identity(frame: pl.DataFrame) -> pl.Expr:
    return pl.coalesce(
        text(frame, "identity_claim_xms_mirid_s", "identity.claim.xms_mirid"),
        json_text(frame, "Identity", "$.claim.xms_mirid"),
        text(frame, "identity_claim_oid_g", "identity_claim_oid_s", "identity.claim.oid"),
        json_text(frame, "Identity", "$.claim.oid"),
        text(frame, _LONG_OID_COLUMN, f"identity.claim.{_LONG_OID}"),
        json_text(frame, "Identity", f"$.claim['{_LONG_OID}']"),
        text(frame, "identity_claim_appid_g", "identity_claim_appid_s", "identity.claim.appid"),
        json_text(frame, "Identity", "$.claim.appid"),
    )


def _network_columns(frame: pl.DataFrame) -> list[pl.Expr]:
    pe_id = pl.coalesce(
        text(frame, "privateEndpointId_s", "properties.privateEndpointId"),
        json_text(frame, "Properties", "$.privateEndpointId"),
    )
    subnet_id = text(frame, "subnetId_s", "SubnetId", "properties.subnetId")
    auth_type = text(
        frame, "addrAuthType_s", "AddressAuthorizationType", "properties.addrAuthType"
    ).str.to_lowercase()
    by_auth = auth_type.replace_strict(_VIA_BY_AUTH_TYPE, default=None, return_dtype=pl.String)
    via = (
        pl.when(pe_id.is_not_null())
        .then(pl.lit("private_endpoint"))
        .when(subnet_id.is_not_null())
        .then(pl.lit("service_endpoint"))
        .otherwise(pl.coalesce(by_auth, pl.lit("unknown")))
    )
    return [via.alias("via"), pe_id.alias("private_endpoint_id"), subnet_id.alias("subnet_id")]


def normalize_keyvault(frame: pl.DataFrame, source_table: str) -> pl.DataFrame:
    """Key Vault audit rows of any of the three shapes -> ``kv_requests``."""
    out = frame.select(
        utc_time(frame, "TimeGenerated", "time").alias("time"),
        last_segment(pick(frame, "Resource", "_ResourceId", "ResourceId", "resourceId")).alias(
            "vault"
        ),
        text(frame, "CallerIPAddress", "CallerIpAddress", "callerIpAddress").alias("caller_ip"),
        text(frame, "OperationName", "operationName").alias("operation"),
        integer(
            frame,
            "httpStatusCode_d",
            "HttpStatusCode",
            "properties.httpStatusCode",
            "httpStatusCode_s",
        ).alias("http_status"),
        text(frame, "ResultSignature", "resultSignature").alias("result_signature"),
        _error_code(frame).alias("error_code"),
        *_network_columns(frame),
        _identity(frame).alias("identity"),
        text(frame, "requestUri_s", "RequestUri", "properties.requestUri").alias("request_uri"),
        text(frame, "clientInfo_s", "ClientInfo", "properties.clientInfo").alias("client_info"),
        text(frame, "CorrelationId", "correlationId").alias("correlation_id"),
        integer(frame, "DurationMs", "durationMs").alias("duration_ms"),
        pl.lit(source_table).alias("source_table"),
        pl.col(ROW_ID).alias("row_id"),
    )
    return conform(out, KV_REQUESTS)


def control_plane_operation(operation: pl.Expr) -> pl.Expr:
    """True for Key Vault management operations (``VaultGet``, ``VaultPut``, ``VaultPatch``,
    ``VaultDelete``, ``VaultList``, ``VaultRecover``, ``VaultPurge``, ...).

    They reach the vault through Azure Resource Manager, never through its network endpoints:
    an engineer opening the vault in the portal or an Azure Policy compliance scan logs them
    with its own public address. Every ARM operation on the vault resource is named ``Vault*``;
    the data plane names its object first (``SecretGet``, ``KeySign``, ``Authentication``).
    """
    return operation.str.contains(r"^Vault[A-Z]").fill_null(False)
