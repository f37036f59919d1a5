"""``correlate_evidence``: canonical tables in, per-client evidence out (no verdicts yet)."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl

from netlogs.correlate.context import CorrelationContext
from netlogs.correlate.evidence import (
    FamilyEvidence,
    cite_evidence,
    firewall_evidence,
    flow_evidence,
    request_evidence,
    rows_by_client,
)
from netlogs.correlate.facts import (
    client_facts,
    counts_by_client,
    firewall_facts,
    flow_facts,
    keyed_counts,
    request_facts,
    vault_flow_records,
)
from netlogs.correlate.firewall import vault_firewall_records
from netlogs.correlate.requests import attributed_requests, vault_requests
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
    """Join Key Vault, firewall and flow-log rows per original client IP (vectorized).

    Two lanes share the machine's cores (polars releases the GIL inside every operation): this
    thread follows the critical path, firewall records then request attribution; a worker
    prepares the vault requests and the flow records, then the facts and evidence of each
    family as soon as its rows are final, and last the joined per-client facts and counts
    while this thread builds the cited evidence rows in Python.
    """
    kv = _canonical(tables.kv_requests, KV_REQUESTS, "kv_requests")
    fw_events = _canonical(tables.fw_events, FW_EVENTS, "fw_events")
    flow_rows = _canonical(tables.flows, FLOWS, "flows")
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="netlogs-correlate") as worker:
        prepared = worker.submit(vault_requests, kv, ctx)
        flow_lane = worker.submit(_flow_lane, flow_rows, ctx)
        records = vault_firewall_records(fw_events, ctx)
        firewall_lane = worker.submit(_firewall_lane, records, ctx)
        requests, snat_fits = attributed_requests(prepared.result(), records, ctx)
        request_part = request_evidence(requests, ctx)
        flow_counts, flow_part = flow_lane.result()
        firewall_counts, firewall_part = firewall_lane.result()
        cited = cite_evidence([request_part, firewall_part, flow_part])
        facts = client_facts(
            [request_facts(requests, snat_fits, ctx), firewall_counts.lazy(), flow_counts.lazy()]
        )
        plans = [facts, *keyed_counts(requests, "http_status", "operation")]
        collected = worker.submit(pl.collect_all, plans)
        evidence = rows_by_client(cited.cited)
        clients, status_counts, operation_counts = collected.result()
    http_status, operations = counts_by_client(status_counts), counts_by_client(operation_counts)
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


def _flow_lane(
    flow_rows: pl.DataFrame, ctx: CorrelationContext
) -> tuple[pl.DataFrame, FamilyEvidence]:
    """(counts per client of the outbound flows to the vault, their evidence)."""
    flows = vault_flow_records(flow_rows, ctx)
    return flow_facts(flows, ctx).collect(), flow_evidence(flows, ctx)


def _firewall_lane(
    records: pl.DataFrame, ctx: CorrelationContext
) -> tuple[pl.DataFrame, FamilyEvidence]:
    """(firewall record counts per client, their evidence)."""
    return firewall_facts(records, ctx).collect(), firewall_evidence(records, ctx)


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
