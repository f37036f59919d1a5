"""Which Log Analytics table a set of rows came from, judged by its columns (never a file name).

Exports and API answers often lack a ``Type`` column, and column sets overlap, so the rules go
from the most specific marker column to the least. ``Type`` is used only when no rule matches.
"""

from __future__ import annotations

import polars as pl

from netlogs.normalize import canonical_table_of

KNOWN_TABLES = frozenset(
    {
        "AzureDiagnostics",
        "AZKVAuditLogs",
        "AZFWNetworkRule",
        "AZFWApplicationRule",
        "AZFWNatRule",
        "AZFWThreatIntel",
        "AZFWFlowTrace",
        "AZFWIdpsSignature",
        "AZFWDnsQuery",
        "AZFWNetworkRuleAggregation",
        "AZFWApplicationRuleAggregation",
        "AZFWNatRuleAggregation",
        "AzureNetworkAnalytics_CL",
        "NTANetAnalytics",
        "ASimNetworkSessionLogs",
    }
)

# (table, columns that must all be present), most specific first.
_RULES: tuple[tuple[str, frozenset[str]], ...] = (
    ("AZKVAuditLogs", frozenset({"CallerIpAddress", "OperationName"})),
    ("AZFWNatRule", frozenset({"TranslatedIp", "SourceIp"})),
    ("AZFWDnsQuery", frozenset({"QueryName", "QueryType", "SourceIp"})),
    ("AZFWFlowTrace", frozenset({"Flag", "SourceIp", "DestinationIp"})),
    ("AZFWThreatIntel", frozenset({"ThreatDescription", "SourceIp"})),
    ("AZFWIdpsSignature", frozenset({"SignatureId", "SourceIp"})),
    ("AZFWApplicationRule", frozenset({"Fqdn", "SourceIp", "Action"})),
    ("AZFWNetworkRule", frozenset({"SourceIp", "DestinationIp", "DestinationPort", "Action"})),
    ("ASimNetworkSessionLogs", frozenset({"SrcIpAddr", "DstIpAddr", "DvcAction"})),
    ("NTANetAnalytics", frozenset({"SrcIp", "DestIp", "FlowType"})),
    ("NTANetAnalytics", frozenset({"FlowEncryption", "FlowType"})),
    ("AzureNetworkAnalytics_CL", frozenset({"FlowType_s"})),
    ("AzureNetworkAnalytics_CL", frozenset({"SubType_s", "FASchemaVersion_s"})),
    ("AzureNetworkAnalytics_CL", frozenset({"FlowType", "FlowDirection", "L4Protocol"})),
)

# Any of these makes a row set AzureDiagnostics (suffix-typed columns of KV or firewall rows).
_DIAGNOSTICS_MARKERS = frozenset(
    {
        "msg_s",
        "CallerIPAddress",
        "httpStatusCode_d",
        "requestUri_s",
        "DestinationIp_s",
        "ResourceProvider",
        "identity_claim_oid_g",
        "privateEndpointId_s",
    }
)


# Columns only other tables have: rows with one of them are never taken for a table netlogs
# reads, even when a projection dropped their ``Type`` (AzureActivity has ``CallerIpAddress``
# and ``OperationName`` like AZKVAuditLogs; sign-in logs carry addresses and results).
_FOREIGN_MARKERS = frozenset(
    {
        "OperationNameValue",
        "ActivityStatusValue",
        "CategoryValue",
        "ResourceProviderValue",
        "UserPrincipalName",
        "AppDisplayName",
        "ConditionalAccessStatus",
    }
)


def detect_table(frame: pl.DataFrame) -> str | None:
    """The Log Analytics table (or ``canonical:<name>``) of these rows, or None when unknown."""
    columns = set(frame.columns)
    canonical = canonical_table_of(columns)
    if canonical is not None:
        return f"canonical:{canonical}"
    if columns & _FOREIGN_MARKERS:
        return None
    for table, needed in _RULES:
        if needed <= columns:
            return table
    if columns & _DIAGNOSTICS_MARKERS:
        return "AzureDiagnostics"
    return _table_from_type_column(frame)


def _table_from_type_column(frame: pl.DataFrame) -> str | None:
    if "Type" not in frame.columns or frame.is_empty():
        return None
    values = frame.get_column("Type").cast(pl.String).drop_nulls().unique().to_list()
    if len(values) == 1 and values[0] in KNOWN_TABLES:
        return str(values[0])
    return None
