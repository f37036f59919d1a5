"""Canonical evidence tables: the only column names used after normalization.

Every normalizer returns frames with exactly these columns and dtypes (missing values are null);
``conform`` enforces that once so correlation can trust the types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from collections.abc import Mapping

UTC_TIME = pl.Datetime("us", "UTC")

KV_REQUESTS: Mapping[str, pl.DataType] = {
    "time": UTC_TIME,
    "vault": pl.String(),
    "caller_ip": pl.String(),
    "operation": pl.String(),
    "http_status": pl.Int32(),
    "result_signature": pl.String(),
    "error_code": pl.String(),  # ForbiddenByFirewall | ForbiddenByConnection | ForbiddenByRbac ...
    "via": pl.String(),  # private_endpoint | service_endpoint | public | unknown (as logged)
    "private_endpoint_id": pl.String(),
    "subnet_id": pl.String(),
    "identity": pl.String(),  # oid / appid / mirid, whichever the row has
    "request_uri": pl.String(),
    "client_info": pl.String(),
    "correlation_id": pl.String(),
    "duration_ms": pl.Int64(),
    "source_table": pl.String(),
    "row_id": pl.String(),
}

FW_EVENTS: Mapping[str, pl.DataType] = {
    "time": UTC_TIME,
    "firewall": pl.String(),
    "kind": pl.String(),  # network | application | nat | dns | flowtrace | threatintel | idps
    "src_ip": pl.String(),
    "src_port": pl.Int32(),
    "dst_ip": pl.String(),
    "dst_port": pl.Int32(),
    "fqdn": pl.String(),
    "target_url": pl.String(),
    "protocol": pl.String(),
    "action": pl.String(),  # Allow | Deny | Alert | Drop | DNAT | Request ...
    "policy": pl.String(),
    "rule_collection_group": pl.String(),
    "rule_collection": pl.String(),
    "rule": pl.String(),
    "action_reason": pl.String(),
    "source_table": pl.String(),
    "row_id": pl.String(),
}

FLOWS: Mapping[str, pl.DataType] = {
    "time_start": UTC_TIME,
    "time_end": UTC_TIME,
    "src_ip": pl.String(),
    "dst_ip": pl.String(),
    "src_port": pl.Int32(),  # null for Traffic Analytics aggregates
    "dst_port": pl.Int32(),
    "protocol": pl.String(),  # T | U | I ...
    "direction": pl.String(),  # I | O
    "decision": pl.String(),  # allowed | denied
    "flow_state": pl.String(),  # B | C | E | D (null where the format has none)
    "nic": pl.String(),
    "subnet": pl.String(),
    "vm": pl.String(),
    "rule": pl.String(),
    "private_endpoint_id": pl.String(),
    "flow_log_kind": pl.String(),  # nsg_v1 | nsg_v2 | vnet_v4 | traffic_analytics_nsg | ..._vnet
    "flow_count": pl.Int64(),
    "packets": pl.Int64(),
    "bytes": pl.Int64(),
    "source_table": pl.String(),
    "row_id": pl.String(),
    # appended (normalize): VNet flow log v4 encryption field (X | NX | NX_HW_NOT_SUPPORTED ...)
    "flow_encryption": pl.String(),
}

DNS_QUERIES: Mapping[str, pl.DataType] = {
    "time": UTC_TIME,
    "client_ip": pl.String(),
    "query_name": pl.String(),
    "query_type": pl.String(),
    "response_code": pl.String(),
    "answers": pl.String(),
    "source_table": pl.String(),
    "row_id": pl.String(),
}

CANONICAL: Mapping[str, Mapping[str, pl.DataType]] = {
    "kv_requests": KV_REQUESTS,
    "fw_events": FW_EVENTS,
    "flows": FLOWS,
    "dns": DNS_QUERIES,
}


def empty_frame(schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """An empty frame with the canonical columns."""
    return pl.DataFrame(schema=dict(schema))


def conform(frame: pl.DataFrame, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Select, order and cast to the canonical schema; absent columns become null."""
    # with_columns broadcasts literals to the frame's height (select would yield one null row
    # for a frame that has none of the columns)
    missing = [pl.lit(None).alias(name) for name in schema if name not in frame.columns]
    widened = frame.with_columns(missing) if missing else frame
    return widened.select(pl.col(name).cast(dtype) for name, dtype in schema.items())


# One row per evidence record drawn on the HTML timeline (built by correlate, read by report/html).
TIMELINE: Mapping[str, pl.DataType] = {
    "time": UTC_TIME,
    "client_ip": pl.String(),
    "family": pl.String(),  # keyvault | firewall | flow
    "label": pl.String(),  # e.g. "SecretGet 200", "Allow allow-kv", "O B 10.1.2.4:443"
    "outcome": pl.String(),  # ok | denied | error
    "row_id": pl.String(),
}
