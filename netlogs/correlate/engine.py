"""``correlate_evidence``: canonical tables in, per-client evidence out (no verdicts yet)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import polars as pl

from netlogs.correlate.citations import (
    CitedEvidence,
    PickedRows,
    cite_evidence,
    omitted_by_client,
    pick_rows,
    rows_by_client,
)
from netlogs.correlate.cited_families import firewall_evidence, flow_evidence, request_evidence
from netlogs.correlate.context import CorrelationContext
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
from netlogs.correlate.requests import attributed_requests, reached_the_vault, vault_requests
from netlogs.frames import collect, collect_all
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
class Citations:
    """What each flow cites besides its verdict facts: evidence rows and counts by value.

    ``evidence`` holds the first and last rows of each family per client (time-ordered),
    ``evidence_omitted`` how many rows per client were not cited, ``timeline`` the rows drawn
    on the HTML report; ``http_status`` and ``operations`` count requests per client by value.
    """

    evidence: Mapping[str, tuple[EvidenceRow, ...]]
    evidence_omitted: Mapping[str, int]
    timeline: pl.DataFrame
    http_status: Mapping[str, Mapping[str, int]]
    operations: Mapping[str, Mapping[str, int]]


@dataclass(frozen=True)
class CorrelatedEvidence:
    """What the logs say per original client IP, before any verdict.

    ``client_ips`` lists every original client IP with evidence, sorted. ``clients`` has one
    row per client (same order): request counts by outcome and arrival, firewall coverage,
    firewall and flow-log counts (columns documented in ``netlogs.correlate.facts``).
    ``firewalls_seen`` lists the (lower-case) firewall names with any record in the window;
    ``unnamed_firewall_rows`` is true when some records carry no firewall name.
    """

    client_ips: tuple[str, ...]
    clients: pl.DataFrame
    firewalls_seen: frozenset[str]
    unnamed_firewall_rows: bool
    requests: pl.DataFrame  # attributed vault requests (for reports and tests)
    citations: Citations

    @property
    def evidence(self) -> Mapping[str, tuple[EvidenceRow, ...]]:
        return self.citations.evidence

    @property
    def evidence_omitted(self) -> Mapping[str, int]:
        return self.citations.evidence_omitted

    @property
    def timeline(self) -> pl.DataFrame:
        return self.citations.timeline

    @property
    def http_status(self) -> Mapping[str, Mapping[str, int]]:
        return self.citations.http_status

    @property
    def operations(self) -> Mapping[str, Mapping[str, int]]:
        return self.citations.operations


def correlate_evidence(tables: EvidenceTables, ctx: CorrelationContext) -> CorrelatedEvidence:
    """Join Key Vault, firewall and flow-log rows per original client IP (vectorized).

    Two lanes share the machine's cores (polars releases the GIL inside every operation): this
    thread follows the critical path (firewall records, request attribution, then the per-client
    facts and the counts by value) while a worker prepares the vault requests, the flow
    records, each family's counts, the firewall and flow rows to cite (during attribution),
    and then the cited rows with their Python objects (while this thread runs polars queries).
    The worker is joined before this function returns: the result holds plain values only.
    """
    kv = _canonical(tables.kv_requests, KV_REQUESTS, "kv_requests")
    fw_events = _canonical(tables.fw_events, FW_EVENTS, "fw_events")
    flow_rows = _canonical(tables.flows, FLOWS, "flows")
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="netlogs-correlate")
    try:
        return _correlated(worker, (kv, fw_events, flow_rows), ctx)
    finally:  # joined here, whatever happened: queued work is dropped if this thread failed
        worker.shutdown(wait=True, cancel_futures=True)


def _correlated(
    worker: ThreadPoolExecutor,
    tables: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
    ctx: CorrelationContext,
) -> CorrelatedEvidence:
    """``correlate_evidence``'s two lanes: this thread and ``worker`` (see there)."""
    kv, fw_events, flow_rows = tables
    prepared = worker.submit(vault_requests, kv, ctx)
    flows = worker.submit(vault_flow_records, flow_rows, ctx)
    flow_counts = worker.submit(lambda: collect(flow_facts(flows.result(), ctx)))
    seen = worker.submit(_firewalls_seen, fw_events, ctx)
    records = vault_firewall_records(fw_events, ctx)
    picked = worker.submit(
        lambda: pick_rows([firewall_evidence(records), flow_evidence(flows.result())], ctx)
    )
    requests, snat_fits = attributed_requests(prepared.result(), records, ctx)
    cited = worker.submit(lambda: _cited_evidence(requests, picked.result(), ctx))
    family_counts = [firewall_facts(records, ctx).cache(), flow_counts.result().lazy()]
    clients, client_ips, *counts = collect_all(
        [
            client_facts([request_facts(requests, snat_fits, ctx), *family_counts]),
            _client_ips(requests, family_counts),
            *keyed_counts(requests, "http_status", "operation"),
        ]
    )
    names, unnamed = seen.result()
    return CorrelatedEvidence(
        client_ips=tuple(str(ip) for ip in client_ips.get_column("client_ip").to_list()),
        clients=clients,
        firewalls_seen=names,
        unnamed_firewall_rows=unnamed,
        requests=requests,
        citations=_with_counts(cited.result(), counts),
    )


def _client_ips(requests: pl.DataFrame, family_counts: list[pl.LazyFrame]) -> pl.LazyFrame:
    """Every original client IP with evidence, sorted as ``client_facts`` sorts them."""
    clients = [requests.lazy().select("client_ip"), *(c.select("client_ip") for c in family_counts)]
    return pl.concat(clients).unique().sort("client_ip")


def citations_of(cited: CitedEvidence, counts: Sequence[pl.DataFrame]) -> Citations:
    """The citations as Python objects, from the cited frames and the ``keyed_counts`` frames
    (HTTP status, operation)."""
    return _with_counts(_cited_objects(cited), counts)


def _cited_objects(cited: CitedEvidence) -> Citations:
    """The cited rows as Python objects; no counts by value yet (see ``_with_counts``)."""
    return Citations(
        evidence=rows_by_client(cited.cited),
        evidence_omitted=omitted_by_client(cited.omitted),
        timeline=cited.timeline,
        http_status={},
        operations={},
    )


def _firewalls_seen(
    fw_events: pl.DataFrame, ctx: CorrelationContext
) -> tuple[frozenset[str], bool]:
    """(lower-case names of the firewalls with any record in the window, whether some records
    carry no name): any record, not only to the vault, shows that a firewall's logging is live."""
    in_window = pl.col("time").is_between(ctx.window.start, ctx.window.end)
    seen = fw_events.select(pl.col("firewall").filter(in_window).unique()).get_column("firewall")
    names = seen.drop_nulls().str.to_lowercase().to_list()
    return frozenset(str(n) for n in names), seen.null_count() > 0


def _cited_evidence(
    requests: pl.DataFrame, picked: list[PickedRows], ctx: CorrelationContext
) -> Citations:
    """Evidence of the three families (Key Vault, firewall, flow: that order breaks time ties)
    as Python objects; the counts by value are filled in by ``_with_counts``.

    Run on the worker: its Python (the cited rows' objects) overlaps this thread's polars
    queries. Measured only together with the Enum-keyed sort and the outcome codes of
    ``citations``: correlation alone at 0.3x, 1.472 -> 1.341 s CPU and 2.63 -> 2.36 s wall
    (medians, 10 + 10 interleaved in one process; benchmarks/RESULTS-trace.md).
    """
    reached = requests.filter(reached_the_vault()).get_column("client_ip").unique()
    cited = cite_evidence([*pick_rows([request_evidence(requests)], ctx), *picked], reached, ctx)
    return _cited_objects(cited)


def _with_counts(citations: Citations, counts: Sequence[pl.DataFrame]) -> Citations:
    """``citations`` with the counts by value (HTTP status, operation) of ``keyed_counts``."""
    by_status, by_operation = counts
    return replace(
        citations,
        http_status=counts_by_client(by_status),
        operations=counts_by_client(by_operation),
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
