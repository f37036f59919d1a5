"""``correlate_evidence``: canonical tables in, per-client evidence out (no verdicts yet)."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl

from netlogs.correlate.context import CorrelationContext
from netlogs.correlate.evidence import cite_evidence, rows_by_client
from netlogs.correlate.facts import (
    client_facts,
    firewall_facts,
    flow_facts,
    keyed_counts,
    request_facts,
    vault_flow_records,
)
from netlogs.correlate.firewall import vault_firewall_records
from netlogs.correlate.requests import attributed_requests
from netlogs.model import EvidenceRow, EvidenceTables
from netlogs.schemas import FLOWS, FW_EVENTS, KV_REQUESTS

# The canonical columns correlation reads; a source may load only these (other columns are ignored).
COLUMNS_USED: Mapping[str, tuple[str, ...]] = {
    "kv_requests": (
        "time",
        "vault",
        "caller_ip",
        "operation",
        "http_status",
        "error_code",
        "via",
        "private_endpoint_id",
        "subnet_id",
        "source_table",
        "row_id",
    ),
    "fw_events": (
        "time",
        "firewall",
        "kind",
        "src_ip",
        "src_port",
        "dst_ip",
        "dst_port",
        "fqdn",
        "action",
        "rule",
        "action_reason",
        "source_table",
        "row_id",
    ),
    "flows": (
        "time_start",
        "time_end",
        "src_ip",
        "dst_ip",
        "src_port",
        "dst_port",
        "direction",
        "decision",
        "flow_state",
        "rule",
        "flow_count",
        "source_table",
        "row_id",
    ),
}


@dataclass(frozen=True)
class CorrelatedEvidence:
    """What the logs say per original client IP, before any verdict.

    ``clients`` has one row per client (sorted): request counts by outcome and arrival, firewall
    coverage, firewall and flow-log counts (columns documented in ``netlogs.correlate.facts``).
    ``firewalls_seen`` lists the (lower-case) firewall names with any record in the window;
    ``unnamed_firewall_rows`` is true when some records carry no firewall name.
    """

    clients: pl.DataFrame
    http_status: Mapping[str, Mapping[str, int]]
    operations: Mapping[str, Mapping[str, int]]
    evidence: Mapping[str, tuple[EvidenceRow, ...]]
    evidence_omitted: Mapping[str, int]
    timeline: pl.DataFrame
    firewalls_seen: frozenset[str]
    unnamed_firewall_rows: bool
    requests: pl.DataFrame  # attributed vault requests (for reports and tests)

    @property
    def client_ips(self) -> tuple[str, ...]:
        """Every original client IP with evidence, sorted (ask the model for their paths)."""
        return tuple(str(ip) for ip in self.clients.get_column("client_ip").to_list())


def correlate_evidence(tables: EvidenceTables, ctx: CorrelationContext) -> CorrelatedEvidence:
    """Join Key Vault, firewall and flow-log rows per original client IP (vectorized)."""
    kv = _canonical(tables.kv_requests, KV_REQUESTS, "kv_requests")
    fw_events = _canonical(tables.fw_events, FW_EVENTS, "fw_events")
    records = vault_firewall_records(fw_events, ctx)
    flows = vault_flow_records(_canonical(tables.flows, FLOWS, "flows"), ctx)
    requests, snat_fits = attributed_requests(kv, records, ctx)
    facts_plan = client_facts(
        [
            request_facts(requests, snat_fits, ctx),
            firewall_facts(records, ctx),
            flow_facts(flows, ctx),
        ]
    )
    cited = cite_evidence(requests, records, flows, ctx)
    # The facts query runs on a worker thread (polars holds no GIL while it runs) so the second
    # core works while this thread builds the evidence rows and count dicts in Python.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="netlogs-facts") as worker:
        pending_facts = worker.submit(facts_plan.collect)
        evidence = rows_by_client(cited.cited)
        http_status, operations = keyed_counts(requests, "http_status", "operation")
        clients = pending_facts.result()
    # any record (not only to the vault) shows that a firewall's logging is live in the window
    in_window = pl.col("time").is_between(ctx.window.start, ctx.window.end)
    seen = fw_events.select(pl.col("firewall").filter(in_window).unique()).get_column("firewall")
    names = seen.drop_nulls().str.to_lowercase().to_list()
    return CorrelatedEvidence(
        clients=clients,
        http_status=http_status,
        operations=operations,
        evidence=evidence,
        evidence_omitted=cited.omitted,
        timeline=cited.timeline,
        firewalls_seen=frozenset(str(n) for n in names),
        unnamed_firewall_rows=seen.null_count() > 0,
        requests=requests,
    )


def _canonical(frame: pl.DataFrame, schema: Mapping[str, pl.DataType], table: str) -> pl.DataFrame:
    """The used columns with canonical dtypes: cast where needed, null where absent."""
    fixes = [
        (
            pl.col(name).cast(schema[name]) if name in frame.columns else pl.lit(None, schema[name])
        ).alias(name)
        for name in COLUMNS_USED[table]
        if name not in frame.columns or frame.schema[name] != schema[name]
    ]
    return frame.with_columns(fixes) if fixes else frame
