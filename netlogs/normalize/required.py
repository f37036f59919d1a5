"""The columns a verdict cannot do without, per table and raw shape.

An export that lacks one of them (a column dropped or renamed on the way) would otherwise be
read as rows with nulls that every later filter quietly discards: its evidence would vanish
without a word. Each need lists the column names the normalizers accept for it (any one will
do); the first is the one named when all are missing. Tables not listed here need nothing
beyond what their detection already requires. (A firewall row without its firewall's name is
still evidence: the filters keep it.)
"""

from __future__ import annotations

import polars as pl

from netlogs.normalize.dispatch import diagnostics_parts, raw_firewall_is_dns

Need = tuple[str, ...]  # column names that carry one fact; the first is the usual one

_TIME: Need = ("TimeGenerated", "time")
_RAW_TIME: Need = ("time", "TimeGenerated")
_DIAG_ID: Need = ("Resource", "ResourceId", "_ResourceId")
_RAW_ID: Need = ("resourceId", "ResourceId", "_ResourceId")

_KV_TABLE = (_TIME, ("_ResourceId", "ResourceId", "Resource"), ("CallerIpAddress",))
_KV_RAW = (_RAW_TIME, _RAW_ID, ("callerIpAddress",))
_KV_DIAG = (_TIME, _DIAG_ID, ("CallerIPAddress",))
_FW_RULE = (_TIME, ("SourceIp",), ("DestinationIp",), ("Action",))

REQUIRED: dict[str, tuple[Need, ...]] = {
    "AZKVAuditLogs": _KV_TABLE,
    "raw:keyvault": _KV_RAW,
    "AZFWNetworkRule": _FW_RULE,
    "AZFWFlowTrace": _FW_RULE,
    "AZFWThreatIntel": _FW_RULE,
    "AZFWIdpsSignature": _FW_RULE,
    "AZFWApplicationRule": (_TIME, ("SourceIp",), ("Fqdn", "DestinationIp"), ("Action",)),
    "AZFWNatRule": (_TIME, ("SourceIp",), ("DestinationIp",)),
    "AZFWDnsQuery": (_TIME, ("SourceIp",), ("QueryName",)),
    "ASimNetworkSessionLogs": (
        ("TimeGenerated", "EventStartTime"),
        ("SrcIpAddr",),
        ("DstIpAddr",),
        ("DvcAction",),
    ),
    "AzureNetworkAnalytics_CL": (("FlowStartTime_t", "FlowStartTime", "TimeGenerated"),),
    "NTANetAnalytics": (("FlowStartTime", "FlowStartTime_t", "TimeGenerated"),),
}

# AzureDiagnostics and the raw firewall shapes mix kinds of rows; each kind has its own needs.
_BY_PART: dict[str, tuple[Need, ...]] = {
    "kv": _KV_DIAG,
    "fw_text": (_TIME, ("msg_s", "msg")),
    "fw_structured": (
        _TIME,
        ("SourceIP", "SourceIp", "SourceIp_s"),
        ("DestinationIp_s", "Fqdn_s", "DestinationIp"),
        ("Action_s", "TranslatedIp_s", "Action"),
    ),
    "dns_text": (_TIME, ("msg_s", "msg")),
    "dns_structured": (_TIME, ("SourceIP", "SourceIp", "SourceIp_s"), ("QueryName_s",)),
    "raw:azfw_legacy": (_RAW_TIME, ("properties.msg", "msg")),
    "raw:azfw_structured": (
        _RAW_TIME,
        ("properties.SourceIp",),
        ("properties.DestinationIp", "properties.Fqdn"),
        ("properties.Action", "properties.TranslatedIp"),
    ),
    "raw:dns": (_RAW_TIME,),
}

_PART_NAMES = {
    "kv": "Key Vault AuditEvent rows",
    "fw_text": "firewall rule-log rows",
    "fw_structured": "structured firewall rows",
    "dns_text": "firewall DNS proxy rows",
    "dns_structured": "firewall DNS query rows",
}


def missing_column(table: str, frame: pl.DataFrame) -> str | None:
    """What ``table``'s rows lack that a verdict needs (``"<column>"`` or ``"<column> (<rows>)"``),
    or None when every needed column is there. Rows of an empty frame need nothing."""
    if frame.is_empty():
        return None
    for part, needs in _needs(table, frame):
        for need in needs:
            if not any(name in frame.columns for name in need):
                return f"{need[0]} ({_PART_NAMES[part]})" if part in _PART_NAMES else need[0]
    return None


def _needs(table: str, frame: pl.DataFrame) -> list[tuple[str, tuple[Need, ...]]]:
    if table == "AzureDiagnostics":
        return [(part, _BY_PART[part]) for part in diagnostics_parts(frame) if part in _BY_PART]
    if table in ("raw:azfw_legacy", "raw:azfw_structured"):
        dns = frame.select(raw_firewall_is_dns(frame).fill_null(False).alias("dns"))["dns"]
        parts = [("raw:dns", _BY_PART["raw:dns"])] if dns.any() else []
        if not dns.all():
            parts.append((table, _BY_PART[table]))
        return parts
    return [(table, REQUIRED[table])] if table in REQUIRED else []

