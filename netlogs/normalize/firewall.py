"""Azure Firewall rule logs -> ``fw_events``.

Three generations share one output: the legacy text categories (``msg`` / ``msg_s``, parsed in
firewall_msg.py), the structured ``AZFW*`` categories (resource-specific tables, their raw
Event Hub / storage form with a flat ``properties`` object, and the same properties flattened
into ``AzureDiagnostics`` as ``SourceIP`` / ``DestinationIp_s`` / ``DestinationPort_d``), and
Sentinel's ASIM NetworkSession projection of firewall rows.
"""

from __future__ import annotations

import polars as pl

from netlogs.normalize.common import (
    ROW_ID,
    capitalized,
    integer,
    last_segment,
    pick,
    text,
    utc_time,
)
from netlogs.normalize.firewall_msg import parse_firewall_messages
from netlogs.schemas import FW_EVENTS, conform

# Category / table name -> fw_events.kind for the structured generation.
STRUCTURED_KINDS = {
    "AZFWNetworkRule": "network",
    "AZFWApplicationRule": "application",
    "AZFWNatRule": "nat",
    "AZFWThreatIntel": "threatintel",
    "AZFWFlowTrace": "flowtrace",
    "AZFWIdpsSignature": "idps",
    "AZFWNetworkRuleAggregation": "network",
    "AZFWApplicationRuleAggregation": "application",
    "AZFWNatRuleAggregation": "nat",
}


def firewall_name(frame: pl.DataFrame) -> pl.Expr:
    """Firewall name (lower case) from whichever resource name or id column the rows have."""
    if "Resource" in frame.columns:  # AzureDiagnostics: the bare name, no id to take apart
        return text(frame, "Resource").str.to_lowercase()
    return last_segment(pick(frame, "_ResourceId", "ResourceId", "resourceId", "Dvc"))


def normalize_legacy_messages(
    frame: pl.DataFrame, source_table: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Legacy rule-log rows (raw ``properties.msg`` or AzureDiagnostics ``msg_s``)."""
    prepared = frame.select(
        utc_time(frame, "TimeGenerated", "time").alias("time"),
        firewall_name(frame).alias("firewall"),
        text(frame, "OperationName", "operationName").fill_null("").alias("operation"),
        text(frame, "Category", "category").fill_null("").alias("category"),
        pick(frame, "msg_s", "properties.msg", "msg").cast(pl.String).fill_null("").alias("msg"),
        pl.col("_line"),
        pl.col(ROW_ID),
    )
    return parse_firewall_messages(prepared, source_table)


def _field(name: str) -> tuple[str, str, str]:
    """A structured property as a table column, an AzureDiagnostics column, a raw property."""
    return (name, f"{name}_s", f"properties.{name}")


def _structured_reason(frame: pl.DataFrame) -> pl.Expr:
    translated = text(frame, "TranslatedIp", "TranslatedIp_s", "properties.TranslatedIp")
    translated_port = integer(
        frame, "TranslatedPort", "TranslatedPort_d", "properties.TranslatedPort"
    )
    return pl.coalesce(
        text(frame, *_field("ActionReason")),
        text(frame, *_field("ThreatDescription")),
        pl.lit("Flag ") + text(frame, *_field("Flag")),
        pl.lit("DNAT'ed to ") + translated + pl.lit(":") + translated_port.cast(pl.String),
        text(frame, *_field("Description")),
    )


def normalize_structured(frame: pl.DataFrame, source_table: str) -> pl.DataFrame:
    """Structured rows: AZFW* tables, raw AZFW* records, or AZFW* categories in AzureDiagnostics."""
    category = pick(frame, "Category", "category", "Type").cast(pl.String)
    if source_table in STRUCTURED_KINDS:
        category = pl.lit(source_table)
    kind = category.replace_strict(STRUCTURED_KINDS, default="network", return_dtype=pl.String)

    action = text(frame, *_field("Action"))
    out = frame.select(
        utc_time(frame, "TimeGenerated", "time").alias("time"),
        firewall_name(frame).alias("firewall"),
        kind.alias("kind"),
        text(frame, "SourceIp", "SourceIP", "properties.SourceIp").alias("src_ip"),
        integer(frame, "SourcePort", "SourcePort_d", "properties.SourcePort").alias("src_port"),
        text(frame, *_field("DestinationIp")).alias("dst_ip"),
        integer(frame, "DestinationPort", "DestinationPort_d", "properties.DestinationPort").alias(
            "dst_port"
        ),
        text(frame, *_field("Fqdn")).str.to_lowercase().alias("fqdn"),
        text(frame, *_field("TargetUrl"), "properties.Url", "Url_s").alias("target_url"),
        text(frame, *_field("Protocol")).str.to_uppercase().alias("protocol"),
        pl.when(kind == "nat")
        .then(pl.coalesce(capitalized(action), pl.lit("DNAT")))
        .otherwise(capitalized(action))
        .alias("action"),
        text(frame, *_field("Policy")).alias("policy"),
        text(frame, *_field("RuleCollectionGroup")).alias("rule_collection_group"),
        text(frame, *_field("RuleCollection")).alias("rule_collection"),
        text(frame, *_field("Rule")).alias("rule"),
        _structured_reason(frame).alias("action_reason"),
        pl.lit(source_table).alias("source_table"),
        pl.col(ROW_ID).alias("row_id"),
    )
    return conform(out, FW_EVENTS)


def normalize_asim_sessions(frame: pl.DataFrame, source_table: str) -> pl.DataFrame:
    """Sentinel ASIM NetworkSession rows built from firewall logs (already parsed by ASIM)."""
    out = frame.select(
        utc_time(frame, "TimeGenerated", "EventStartTime").alias("time"),
        firewall_name(frame).alias("firewall"),
        pl.lit("network").alias("kind"),
        text(frame, "SrcIpAddr").alias("src_ip"),
        integer(frame, "SrcPortNumber").alias("src_port"),
        text(frame, "DstIpAddr").alias("dst_ip"),
        integer(frame, "DstPortNumber").alias("dst_port"),
        text(frame, "NetworkProtocol").str.to_uppercase().alias("protocol"),
        capitalized(text(frame, "DvcAction")).alias("action"),
        text(frame, "NetworkRuleName", "RuleName").alias("rule"),
        pl.lit(source_table).alias("source_table"),
        pl.col(ROW_ID).alias("row_id"),
    )
    return conform(out, FW_EVENTS)
