"""Tiny canonical frames and a context for the hub-and-spoke example (semantics §8.0, E19).

Shared by tests/correlate and tests/verdicts through the ``b`` fixture (conftest.py loads it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import polars as pl

from netlogs.correlate import CorrelationContext, FirewallAddresses
from netlogs.model import EvidenceTables, LogFamily, SourceStatus, TimeWindow
from netlogs.schemas import DNS_QUERIES, FLOWS, FW_EVENTS, KV_REQUESTS, conform, empty_frame
from netlogs.topology.model import KeyVault

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
PE_IP = "10.1.2.4"
VAULT = KeyVault(name="kv1", public_ips=("198.51.100.10",), public_network_access="Disabled")
FW = FirewallAddresses(
    name="fw-hub",
    frontend_ips=("10.0.0.68",),
    snat_prefixes=("10.0.0.64/26",),
    public_ips=("203.0.113.9",),
)
ALL_COMPLETE = {family: SourceStatus.COMPLETE for family in LogFamily}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def kv_rows(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    base = {
        "vault": "kv1",
        "operation": "SecretGet",
        "http_status": 200,
        "source_table": "AZKVAuditLogs",
        "private_endpoint_id": "/pe/pe-kv",
    }
    full = [{**base, "row_id": f"kv-{i}", **row} for i, row in enumerate(rows)]
    return conform(pl.DataFrame(full, infer_schema_length=None), KV_REQUESTS)


def fw_rows(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    base = {
        "firewall": "fw-hub",
        "kind": "network",
        "dst_ip": PE_IP,
        "dst_port": 443,
        "protocol": "TCP",
        "action": "Allow",
        "rule": "allow-kv",
        "source_table": "AZFWNetworkRule",
    }
    full = [{**base, "row_id": f"fw-{i}", **row} for i, row in enumerate(rows)]
    return conform(pl.DataFrame(full, infer_schema_length=None), FW_EVENTS)


def flow_rows(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    base = {
        "dst_ip": PE_IP,
        "dst_port": 443,
        "protocol": "T",
        "direction": "O",
        "decision": "allowed",
        "flow_state": "B",
        "flow_log_kind": "vnet_v4",
        "source_table": "raw:vnet_flow",
    }
    full = [{**base, "row_id": f"flow-{i}", **row} for i, row in enumerate(rows)]
    return conform(pl.DataFrame(full, infer_schema_length=None), FLOWS)


def tables(
    kv: pl.DataFrame | None = None,
    fw: pl.DataFrame | None = None,
    flows: pl.DataFrame | None = None,
) -> EvidenceTables:
    return EvidenceTables(
        kv_requests=kv if kv is not None else empty_frame(KV_REQUESTS),
        fw_events=fw if fw is not None else empty_frame(FW_EVENTS),
        flows=flows if flows is not None else empty_frame(FLOWS),
        dns=empty_frame(DNS_QUERIES),
    )


def context(**changes: Any) -> CorrelationContext:
    values: dict[str, Any] = {
        "vault": VAULT,
        "private_endpoint_ips": (PE_IP,),
        "firewalls": (FW,),
        "required_firewall": "fw-hub",
        "window": TimeWindow(T0, at(120)),
        "now": at(24 * 60),
        "source_status": ALL_COMPLETE,
    }
    values.update(changes)
    return CorrelationContext(**values)


def run(
    kv: pl.DataFrame | None = None,
    fw: pl.DataFrame | None = None,
    flows: pl.DataFrame | None = None,
    **changes: Any,
) -> tuple[Any, CorrelationContext]:
    """Correlate the frames under ``context(**changes)``; returns (correlated, context)."""
    from netlogs.correlate import correlate_evidence

    ctx = context(**changes)
    return correlate_evidence(tables(kv, fw, flows), ctx), ctx


def judge(
    kv: pl.DataFrame | None = None,
    fw: pl.DataFrame | None = None,
    flows: pl.DataFrame | None = None,
    **changes: Any,
) -> tuple[dict[str, Any], tuple[Any, ...]]:
    """Correlate and judge; returns ({client_ip: FlowResult}, gaps)."""
    from netlogs.verdicts import judge_flows

    correlated, ctx = run(kv, fw, flows, **changes)
    results, gaps = judge_flows(correlated, ctx)
    return {flow.client_ip: flow for flow in results}, gaps
