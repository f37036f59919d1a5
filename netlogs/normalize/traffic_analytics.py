"""Traffic Analytics rows (``AzureNetworkAnalytics_CL``, ``NTANetAnalytics``) -> ``flows``.

Traffic Analytics aggregates per processing interval and drops the source port; numbers come
back as reals (``443.0``). Column names differ between the NSG-era custom table (``SrcIP_s``,
``DestPort_d``), the VNet-era table (``SrcIp``, ``DestPort``) and common projections without
suffixes (``SrcIP``, ``DestPort``), so every field accepts all three spellings.

For AzurePublic / ExternalPublic flows the private side is only in ``VMIP_s`` and the public
side in ``PublicIPs_s`` (``ip|start|end|...`` entries, space separated): such a row becomes one
flow per public IP. An intra-VNet flow is reported at both NICs (``O`` at the source, ``I`` at the
destination); the ``I`` copy is dropped when its ``O`` twin is present.
"""

from __future__ import annotations

import polars as pl

from netlogs.model import SetAsideReason
from netlogs.normalize.common import ROW_ID, integer, text, utc_time
from netlogs.schemas import FLOWS, conform

_IP = r"(\d{1,3}(?:\.\d{1,3}){3})"
_DEDUPE_KEY = ("_interval", "src_ip", "dst_ip", "dst_port", "protocol")


def _public_ips(frame: pl.DataFrame) -> pl.Expr:
    """A list of the row's public IPs (msticpy's expanded ``AllExtIPs`` or ``PublicIPs_s``)."""
    single = text(frame, "AllExtIPs")
    many = text(frame, "PublicIPs_s", "PublicIPs")
    listed = many.str.extract_all(r"\d{1,3}(?:\.\d{1,3}){3}")
    return pl.when(single.is_not_null()).then(pl.concat_list(single)).otherwise(listed)


def _first_ip(frame: pl.DataFrame, *names: str) -> pl.Expr:
    return text(frame, *names).str.extract(_IP)


def _sum(frame: pl.DataFrame, *names: str) -> pl.Expr:
    present = [integer(frame, name) for name in names if name in frame.columns]
    return pl.sum_horizontal(present) if present else pl.lit(None, dtype=pl.Int64)


def _decision(frame: pl.DataFrame) -> pl.Expr:
    status = text(frame, "FlowStatus_s", "FlowStatus").str.to_uppercase()
    allowed = _sum(
        frame, "AllowedInFlows_d", "AllowedOutFlows_d", "AllowedInFlows", "AllowedOutFlows"
    )
    from_counts = pl.when(allowed > 0).then(pl.lit("allowed")).otherwise(pl.lit("denied"))
    return (
        pl.when(status == "A")
        .then(pl.lit("allowed"))
        .when(status == "D")
        .then(pl.lit("denied"))
        .otherwise(from_counts)
    )


def _prepare(frame: pl.DataFrame) -> pl.DataFrame:
    direction = text(frame, "FlowDirection_s", "FlowDirection").str.to_uppercase()
    return frame.with_columns(
        direction.alias("_direction"),
        _public_ips(frame).alias("_ext"),
        text(frame, "VMIP_s", "VMIPAddress").alias("_vm_ip"),
        text(frame, "FlowType_s", "FlowType").alias("_flow_type"),
    ).explode("_ext")


def normalize_traffic_analytics(
    frame: pl.DataFrame, source_table: str
) -> tuple[pl.DataFrame, str, tuple[tuple[str, int], ...]]:
    """Traffic Analytics rows -> (flows, a note on rows merged or skipped, those rows by reason).

    Only ``SubType == FlowLog`` rows are flows; other subtypes (``Topology`` ...) are Traffic
    Analytics internals, set aside as unrelated. The inbound twin of an intra-VNet flow is a
    duplicate. A row listing several public addresses becomes one flow per address, and the
    ledger counts those flows.
    """
    subtype = text(frame, "SubType_s", "SubType")
    flow_rows = frame.filter(subtype.is_null() | (subtype == "FlowLog"))
    skipped = frame.height - flow_rows.height
    prepared = _prepare(flow_rows)
    kind = (
        "traffic_analytics_vnet" if source_table == "NTANetAnalytics" else "traffic_analytics_nsg"
    )
    out = prepared.select(
        *_times(prepared),
        *_addresses(prepared),
        *_attributes(prepared),
        pl.lit(kind).alias("flow_log_kind"),
        pl.col("_flow_type"),
        pl.lit(source_table).alias("source_table"),
        pl.col(ROW_ID).alias("row_id"),
    )
    deduped = _drop_intra_vnet_twins(out)
    twins = out.height - deduped.height
    notes = [f"{twins} intra-VNet flows reported at both NICs counted once"] if twins else []
    if skipped:
        notes.append(f"{skipped} rows of SubType other than FlowLog skipped")
    set_aside = tuple(
        (reason.value, rows)
        for reason, rows in ((SetAsideReason.DUPLICATE, twins), (SetAsideReason.UNRELATED, skipped))
        if rows
    )
    return conform(deduped, FLOWS), "; ".join(notes), set_aside


def _times(frame: pl.DataFrame) -> list[pl.Expr]:
    return [
        utc_time(frame, "FlowStartTime_t", "FlowStartTime", "TimeGenerated").alias("time_start"),
        utc_time(frame, "FlowEndTime_t", "FlowEndTime", "TimeGenerated").alias("time_end"),
        utc_time(
            frame, "FlowIntervalEndTime_t", "FlowIntervalEndTime", "FlowEndTime_t", "FlowEndTime"
        ).alias("_interval"),
    ]


def _addresses(frame: pl.DataFrame) -> list[pl.Expr]:
    """Source and destination, falling back to the VM IP / public IP pair for public flows."""
    outbound = pl.col("_direction") == "O"
    return [
        pl.coalesce(
            text(frame, "SrcIP_s", "SrcIp", "SrcIP"),
            _first_ip(frame, "SrcPublicIPs_s", "SrcPublicIps"),
            pl.when(outbound).then(pl.col("_vm_ip")).otherwise(pl.col("_ext")),
        ).alias("src_ip"),
        pl.coalesce(
            text(frame, "DestIP_s", "DestIp", "DestIP"),
            _first_ip(frame, "DestPublicIPs_s", "DestPublicIps"),
            pl.when(outbound).then(pl.col("_ext")).otherwise(pl.col("_vm_ip")),
        ).alias("dst_ip"),
        integer(frame, "DestPort_d", "DestPort").alias("dst_port"),
    ]


def _attributes(frame: pl.DataFrame) -> list[pl.Expr]:
    return [
        text(frame, "L4Protocol_s", "L4Protocol").str.to_uppercase().alias("protocol"),
        pl.col("_direction").alias("direction"),
        _decision(frame).alias("decision"),
        text(frame, "NIC_s", "NIC1_s", "SrcNic", "DestNic").alias("nic"),
        text(frame, "Subnet_s", "Subnet1_s", "SrcSubnet", "DestSubnet").alias("subnet"),
        text(frame, "VM_s", "VM1_s", "VMName", "SrcVm", "DestVm").alias("vm"),
        text(frame, "NSGRule_s", "NsgRule", "AclRule").alias("rule"),
        text(frame, "PrivateEndpointResourceId").alias("private_endpoint_id"),
        _flow_count(frame).alias("flow_count"),
        _sum(
            frame, "InboundPackets_d", "OutboundPackets_d", "PacketsSrcToDest", "PacketsDestToSrc"
        ).alias("packets"),
        _sum(frame, "InboundBytes_d", "OutboundBytes_d", "BytesSrcToDest", "BytesDestToSrc").alias(
            "bytes"
        ),
    ]


def _flow_count(frame: pl.DataFrame) -> pl.Expr:
    counted = _sum(
        frame,
        "AllowedInFlows_d",
        "AllowedOutFlows_d",
        "DeniedInFlows_d",
        "DeniedOutFlows_d",
        "AllowedInFlows",
        "AllowedOutFlows",
        "DeniedInFlows",
        "DeniedOutFlows",
    )
    return pl.coalesce(counted, integer(frame, "FlowCount_d", "TotalAllowedFlows"))


def _drop_intra_vnet_twins(flows: pl.DataFrame) -> pl.DataFrame:
    """Drop the inbound copy of a flow whose outbound copy (source NIC) is also present."""
    intra = pl.col("_flow_type").is_in(["IntraVNet", "InterVNet"]) & pl.col("src_ip").is_not_null()
    outbound_keys = flows.filter(intra & (pl.col("direction") == "O")).select(_DEDUPE_KEY).unique()
    inbound = flows.filter(intra & (pl.col("direction") == "I"))
    twins = inbound.join(outbound_keys, on=list(_DEDUPE_KEY), how="semi", nulls_equal=True)
    return flows.join(twins.select("row_id"), on="row_id", how="anti")
