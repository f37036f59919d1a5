"""Canonical evidence tables written back as the Log Analytics tables the kusto engine reads.

The differential tests give both engines the SAME Log Analytics rows: the local engine reads
them as query-API JSON files (through the file source and the real normalizers), the kusto
engine queries them in duckdb-kql. Only the families and columns the facts need are written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from netlogs.kql import load_table_schemas
from netlogs.model import EvidenceTables
from tests.kusto_engine.kql_answers import forget

# The documented columns of each table (kql/schemas/tables.json) and their DuckDB types.
_SCHEMAS = load_table_schemas()
_DUCKDB_TYPES = {
    "string": "VARCHAR",
    "guid": "VARCHAR",
    "datetime": "TIMESTAMP",
    "real": "DOUBLE",
    "long": "BIGINT",
    "int": "INTEGER",
    "bool": "BOOLEAN",
    "dynamic": "JSON",
    "timespan": "INTERVAL",
}

_KUSTO_TYPES = {
    pl.String: "string",
    pl.Int32: "int",
    pl.Int64: "long",
    pl.Boolean: "bool",
    pl.Float64: "real",
}
_AUTH_TYPE = {
    "public": "PublicIP",
    "service_endpoint": "Subnet",
    "trusted_service": "TrustedService",
}


def _kv(kv: pl.DataFrame) -> pl.DataFrame:
    vault_id = pl.lit("/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/")
    properties = pl.when(pl.col("private_endpoint_id").is_not_null()).then(
        pl.concat_str(pl.lit('{"privateEndpointId":"'), "private_endpoint_id", pl.lit('"}'))
    )
    return kv.select(
        pl.col("time").alias("TimeGenerated"),
        pl.concat_str(vault_id, "vault").fill_null("").alias("_ResourceId"),
        pl.col("caller_ip").fill_null("").alias("CallerIpAddress"),
        pl.col("operation").fill_null("").alias("OperationName"),
        pl.col("http_status").alias("HttpStatusCode"),
        pl.col("result_signature").fill_null("").alias("ResultSignature"),
        pl.col("error_code").fill_null("").alias("ResultDescription"),
        properties.fill_null("{}").alias("Properties"),
        pl.col("subnet_id").fill_null("").alias("SubnetId"),
        pl.col("via").replace_strict(_AUTH_TYPE, default="").alias("AddressAuthorizationType"),
        pl.col("row_id").alias("Id"),
        pl.col("correlation_id").fill_null("").alias("CorrelationId"),
        pl.lit("AZKVAuditLogs").alias("Type"),
    )


def _firewall_id(fw: pl.DataFrame) -> pl.Expr:
    prefix = pl.lit(
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/azureFirewalls/"
    )
    return pl.concat_str(prefix, pl.col("firewall")).fill_null("").alias("_ResourceId")


def _fw_common(fw: pl.DataFrame) -> list[pl.Expr]:
    return [
        pl.col("time").alias("TimeGenerated"),
        _firewall_id(fw),
        pl.col("protocol").fill_null("").alias("Protocol"),
        pl.col("src_ip").fill_null("").alias("SourceIp"),
        pl.col("src_port").alias("SourcePort"),
        pl.col("dst_port").alias("DestinationPort"),
        pl.col("action").fill_null("").alias("Action"),
        pl.col("action_reason").fill_null("").alias("ActionReason"),
        pl.col("policy").fill_null("").alias("Policy"),
        pl.col("rule_collection_group").fill_null("").alias("RuleCollectionGroup"),
        pl.col("rule_collection").fill_null("").alias("RuleCollection"),
        pl.col("rule").fill_null("").alias("Rule"),
    ]


def _network_rules(fw: pl.DataFrame) -> pl.DataFrame:
    rows = fw.filter(pl.col("kind") == "network")
    return rows.select(
        *_fw_common(rows),
        pl.col("dst_ip").fill_null("").alias("DestinationIp"),
        pl.lit("AZFWNetworkRule").alias("Type"),
    )


def _application_rules(fw: pl.DataFrame) -> pl.DataFrame:
    rows = fw.filter(pl.col("kind") == "application")
    return rows.select(
        *_fw_common(rows),
        pl.col("fqdn").fill_null("").alias("Fqdn"),
        pl.col("target_url").fill_null("").alias("TargetUrl"),
        pl.lit("AZFWApplicationRule").alias("Type"),
    )


def _flows(flows: pl.DataFrame) -> pl.DataFrame:
    denied = pl.col("decision").str.to_lowercase().str.starts_with("d").fill_null(False) | (
        pl.col("flow_state") == "D"
    ).fill_null(False)
    count = pl.col("flow_count").fill_null(1)
    outbound = pl.col("direction") == "O"
    return flows.select(
        pl.coalesce("time_end", "time_start").alias("TimeGenerated"),
        pl.col("time_start").alias("FlowStartTime"),
        pl.col("time_end").alias("FlowEndTime"),
        pl.lit("FlowLog").alias("SubType"),
        pl.col("src_ip").fill_null("").alias("SrcIp"),
        pl.col("dst_ip").fill_null("").alias("DestIp"),
        pl.col("dst_port").alias("DestPort"),
        pl.col("direction").fill_null("").alias("FlowDirection"),
        pl.when(denied).then(pl.lit("D")).otherwise(pl.lit("A")).alias("FlowStatus"),
        pl.when(~denied & outbound)
        .then(count)
        .otherwise(0)
        .cast(pl.Int64)
        .alias("AllowedOutFlows"),
        pl.when(~denied & ~outbound)
        .then(count)
        .otherwise(0)
        .cast(pl.Int64)
        .alias("AllowedInFlows"),
        pl.when(denied & outbound).then(count).otherwise(0).cast(pl.Int64).alias("DeniedOutFlows"),
        pl.when(denied & ~outbound).then(count).otherwise(0).cast(pl.Int64).alias("DeniedInFlows"),
        pl.col("rule").fill_null("").alias("AclRule"),
        pl.lit("").alias("NsgRule"),
        pl.lit("").alias("SrcPublicIps"),
        pl.lit("").alias("DestPublicIps"),
        pl.lit("NTANetAnalytics").alias("Type"),
    )


def la_tables(tables: EvidenceTables) -> dict[str, pl.DataFrame]:
    """The Log Analytics tables (name -> rows) holding ``tables``' Key Vault, firewall and flow
    rows, sorted by time."""
    frames = {
        "AZKVAuditLogs": _kv(tables.kv_requests),
        "AZFWNetworkRule": _network_rules(tables.fw_events),
        "AZFWApplicationRule": _application_rules(tables.fw_events),
        "NTANetAnalytics": _flows(tables.flows),
    }
    return {
        name: frame.sort("TimeGenerated", maintain_order=True) for name, frame in frames.items()
    }


def _firewall_message(fw: pl.DataFrame) -> pl.Expr:
    """The legacy ``msg_s`` text of each event, in the shapes seen in the wild: trailing
    ". " or none, "Allow.." (double period), lower-case actions, policy fields, "No rule
    matched" free text, and a stated reason (see normalize/firewall_msg.py)."""
    i = pl.int_range(pl.len())
    destination = pl.coalesce("dst_ip", "fqdn")
    port = pl.col("dst_port").cast(pl.String).fill_null("")
    head = pl.concat_str(
        pl.when(pl.col("kind") == "application").then(pl.lit("HTTPS")).otherwise(
            pl.col("protocol").fill_null("TCP")
        ),
        pl.lit(" request from "), "src_ip", pl.lit(":"), pl.col("src_port").cast(pl.String),
        pl.lit(" to "), destination, pl.lit(":"), port,
    )  # fmt: skip
    action = pl.when(i % 5 == 1).then(pl.col("action").str.to_lowercase()).otherwise("action")
    dots = pl.when(i % 4 == 2).then(pl.lit("..")).otherwise(pl.lit("."))
    rule = pl.concat_str(
        pl.when(i % 3 == 0).then(pl.lit(" Policy: pol-1. Rule Collection Group: rcg.")),
        pl.lit(" Rule Collection: "), pl.col("rule_collection").fill_null("rc"),
        pl.lit(". Rule: "), "rule",
        ignore_nulls=True,
    )  # fmt: skip
    reason = pl.when(i % 2 == 0).then(
        pl.concat_str(pl.lit(" "), "action_reason")
    ).otherwise(pl.concat_str(pl.lit(" Reason: "), "action_reason"))
    tail = pl.when(pl.col("rule").is_not_null()).then(rule).otherwise(reason).fill_null("")
    end = pl.when(i % 3 == 1).then(pl.lit(". ")).otherwise(pl.lit(""))
    return pl.concat_str(head, pl.lit(". Action: "), action, dots, tail, end)


def _legacy_firewall(fw: pl.DataFrame) -> pl.DataFrame:
    """Network and application events as legacy AzureDiagnostics rule-log rows (msg_s)."""
    rows = fw.filter(pl.col("kind").is_in(["network", "application"]))
    application = pl.col("kind") == "application"
    return rows.select(
        pl.col("time").alias("TimeGenerated"),
        pl.lit("MICROSOFT.NETWORK").alias("ResourceProvider"),
        pl.when(application).then(pl.lit("AzureFirewallApplicationRule"))
        .otherwise(pl.lit("AzureFirewallNetworkRule")).alias("Category"),
        pl.when(application).then(pl.lit("AzureFirewallApplicationRuleLog"))
        .otherwise(pl.lit("AzureFirewallNetworkRuleLog")).alias("OperationName"),
        pl.col("firewall").str.to_uppercase().fill_null("").alias("Resource"),
        _firewall_id(rows),
        _firewall_message(rows).alias("msg_s"),
        pl.lit("AzureDiagnostics").alias("Type"),
    )  # fmt: skip


def _nsg_flows(flows: pl.DataFrame) -> pl.DataFrame:
    """Flows as NSG-era Traffic Analytics rows; flows to public addresses in the schema-1
    shape (no SrcIP_s/DestIP_s: the VM in VMIP_s, the remote side in PublicIPs_s)."""
    modern = _flows(flows)
    public = ~pl.col("DestIp").str.starts_with("10.") & (pl.col("FlowDirection") == "O")
    entry = pl.concat_str(pl.col("DestIp"), pl.lit("|1|0|0|0|0|0"))
    return modern.select(
        "TimeGenerated",
        pl.col("FlowStartTime").alias("FlowStartTime_t"),
        pl.col("FlowEndTime").alias("FlowEndTime_t"),
        pl.lit("FlowLog").alias("SubType_s"),
        pl.lit("2").alias("FASchemaVersion_s"),
        pl.when(public).then(pl.lit("AzurePublic")).otherwise(pl.lit("IntraVNet")).alias("FlowType_s"),
        pl.when(public).then(pl.lit("")).otherwise("SrcIp").alias("SrcIP_s"),
        pl.when(public).then(pl.lit("")).otherwise("DestIp").alias("DestIP_s"),
        pl.when(public).then("SrcIp").otherwise(pl.lit("")).alias("VMIP_s"),
        pl.when(public).then(entry).otherwise(pl.lit("")).alias("PublicIPs_s"),
        pl.col("DestPort").cast(pl.Float64).alias("DestPort_d"),
        pl.col("FlowDirection").alias("FlowDirection_s"),
        pl.col("FlowStatus").alias("FlowStatus_s"),
        *(pl.col(c).cast(pl.Float64).alias(f"{c}_d") for c in (
            "AllowedInFlows", "AllowedOutFlows", "DeniedInFlows", "DeniedOutFlows")),
        pl.col("AclRule").alias("NSGRule_s"),
        pl.lit("AzureNetworkAnalytics_CL").alias("Type"),
    )  # fmt: skip


def legacy_la_tables(tables: EvidenceTables, switch: Any) -> dict[str, pl.DataFrame]:
    """Like ``la_tables``, with the firewall and flow rows before ``switch`` in the older
    tables (firewall text in AzureDiagnostics, NSG-era Traffic Analytics), as in a workspace
    whose settings moved to resource-specific tables at that instant."""
    early, late = pl.col("time") < switch, pl.col("time") >= switch
    flow_early = pl.col("time_start") < switch
    recent = EvidenceTables(
        kv_requests=tables.kv_requests,
        fw_events=tables.fw_events.filter(late),
        flows=tables.flows.filter(~flow_early),
        dns=tables.dns,
    )
    frames = la_tables(recent)
    frames["AzureDiagnostics"] = _legacy_firewall(tables.fw_events.filter(early))
    frames["AzureNetworkAnalytics_CL"] = _nsg_flows(tables.flows.filter(flow_early))
    return {
        name: frame.sort("TimeGenerated", maintain_order=True) for name, frame in frames.items()
    }


def _cell(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
    return value


def _kusto_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    return _KUSTO_TYPES.get(type(dtype), "string")


def write_query_api_files(frames: dict[str, pl.DataFrame], folder: Path) -> None:
    """One Log Analytics query-API JSON file per table (what the local engine reads)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        columns = [{"name": c, "type": _kusto_type(frame.schema[c])} for c in frame.columns]
        rows = [[_cell(v) for v in row] for row in frame.iter_rows()]
        body = {"tables": [{"name": "PrimaryResult", "columns": columns, "rows": rows}]}
        (folder / f"{name}.json").write_text(json.dumps(body), encoding="utf-8")


def undocumented_nulls(table: str, present: Sequence[str]) -> list[str]:
    """SELECT items giving ``table`` every documented column ``present`` lacks, as null: a
    workspace's table has them all, so a query naming a column that clashes with one (DuckDB
    compares names without case) fails here too."""
    return [
        f'CAST(NULL AS {_DUCKDB_TYPES[kind]}) AS "{column}"'
        for column, kind in _SCHEMAS.get(table, {}).items()
        if column not in present
    ]


def load_into_duckdb(con: Any, frames: dict[str, pl.DataFrame]) -> None:
    """Create one DuckDB table per Log Analytics table (``Properties`` as JSON: dynamic)."""
    forget(con)  # answers kept for the tables before this load are not theirs
    for name, frame in frames.items():
        arrow = frame.with_columns(
            pl.col(c).dt.replace_time_zone(None)
            for c in frame.columns
            if isinstance(frame.schema[c], pl.Datetime)
        ).to_arrow()
        con.register("_incoming", arrow)
        casts = ", ".join(
            [
                f'CAST("{c}" AS JSON) AS "{c}"' if c == "Properties" else f'"{c}"'
                for c in frame.columns
            ]
            + undocumented_nulls(name, frame.columns)
        )
        con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT {casts} FROM _incoming')
        con.unregister("_incoming")
