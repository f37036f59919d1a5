"""``correlate_evidence``: canonical tables in, per-client evidence out (no verdicts yet)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import polars as pl

from netlogs.correlate.context import CorrelationContext
from netlogs.correlate.evidence import (
    CitedEvidence,
    cite_evidence,
    firewall_evidence,
    flow_evidence,
    omitted_by_client,
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
from netlogs.frames import IN_MEMORY, STREAMING
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


class Citations:
    """What each flow cites besides its verdict facts: evidence rows and counts by value.

    ``evidence`` holds the first and last rows of each family per client (time-ordered),
    ``evidence_omitted`` how many rows per client were not cited, ``timeline`` the rows drawn
    on the HTML report; ``http_status`` and ``operations`` count requests per client by value.
    The frames are still being built when correlation returns (the cited rows first); the first
    read of a field waits for its frame (and raises what building raised) and turns it into
    Python objects.
    """

    def __init__(self, counts: Future[list[pl.DataFrame]], cited: Future[CitedEvidence]) -> None:
        self._counts = counts  # keyed_counts frames: HTTP status, operation
        self._cited = cited

    @cached_property
    def evidence(self) -> Mapping[str, tuple[EvidenceRow, ...]]:
        return rows_by_client(self._cited.result().cited)

    @cached_property
    def evidence_omitted(self) -> Mapping[str, int]:
        return omitted_by_client(self._cited.result().omitted)

    @property
    def timeline(self) -> pl.DataFrame:
        return self._cited.result().timeline

    @cached_property
    def http_status(self) -> Mapping[str, Mapping[str, int]]:
        return counts_by_client(self._counts.result()[0])

    @cached_property
    def operations(self) -> Mapping[str, Mapping[str, int]]:
        return counts_by_client(self._counts.result()[1])


@dataclass(frozen=True)
class CorrelatedEvidence:
    """What the logs say per original client IP, before any verdict.

    ``client_ips`` lists every original client IP with evidence, sorted: ask the model for
    their paths while ``clients`` is still being built (reading it waits). ``clients`` has one
    row per client (same order): request counts by outcome and arrival, firewall coverage,
    firewall and flow-log counts (columns documented in ``netlogs.correlate.facts``).
    ``firewalls_seen`` lists the (lower-case) firewall names with any record in the window;
    ``unnamed_firewall_rows`` is true when some records carry no firewall name.
    The ``citations`` are built after the facts: see ``Citations``.
    """

    client_ips: tuple[str, ...]
    facts: Future[pl.DataFrame]
    firewalls_seen: frozenset[str]
    unnamed_firewall_rows: bool
    requests: pl.DataFrame  # attributed vault requests (for reports and tests)
    citations: Citations

    @property
    def clients(self) -> pl.DataFrame:
        return self.facts.result()

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
    thread follows the critical path (firewall records, then request attribution) while a
    worker prepares the vault requests, the flow records and each family's counts. The worker
    then joins the per-client facts and builds the citations (evidence rows, counts by value)
    after this function has returned, while the caller asks the model for the clients' paths
    and weighs the facts in Python, so the second core is not idle then. Those are a few large
    polars queries, so the worker seldom waits for the GIL the caller's Python holds.
    """
    kv = _canonical(tables.kv_requests, KV_REQUESTS, "kv_requests")
    fw_events = _canonical(tables.fw_events, FW_EVENTS, "fw_events")
    flow_rows = _canonical(tables.flows, FLOWS, "flows")
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="netlogs-correlate")
    try:
        prepared = worker.submit(vault_requests, kv, ctx)
        flows = worker.submit(vault_flow_records, flow_rows, ctx)
        flow_counts = worker.submit(_collected, flow_facts, flows, ctx)
        records = vault_firewall_records(fw_events, ctx)
        firewall_counts = worker.submit(firewall_facts(records, ctx).collect, engine=STREAMING)
        seen = worker.submit(_firewalls_seen, fw_events, ctx)
        requests, snat_fits = attributed_requests(prepared.result(), records, ctx)
        family_counts = [firewall_counts.result(), flow_counts.result()]
        facts = worker.submit(_joined_facts, requests, snat_fits, family_counts, ctx)
        cited = worker.submit(_cited_evidence, requests, records, flows.result(), ctx)
        by_value = keyed_counts(requests, "http_status", "operation")
        counts = worker.submit(pl.collect_all, by_value, engine=IN_MEMORY)
    finally:
        worker.shutdown(wait=False)  # the worker goes on with the facts and the citations
    clients = pl.concat(
        [
            requests.lazy().select("client_ip"),
            *(c.lazy().select("client_ip") for c in family_counts),
        ]
    )
    client_ips = clients.unique().sort("client_ip").collect(engine=STREAMING)  # as client_facts
    names, unnamed = seen.result()
    return CorrelatedEvidence(
        client_ips=tuple(str(ip) for ip in client_ips.get_column("client_ip").to_list()),
        facts=facts,
        firewalls_seen=names,
        unnamed_firewall_rows=unnamed,
        requests=requests,
        citations=Citations(counts, cited),
    )


def _collected(
    facts: Callable[[pl.DataFrame, CorrelationContext], pl.LazyFrame],
    rows: Future[pl.DataFrame],
    ctx: CorrelationContext,
) -> pl.DataFrame:
    return facts(rows.result(), ctx).collect(engine=STREAMING)


def _firewalls_seen(
    fw_events: pl.DataFrame, ctx: CorrelationContext
) -> tuple[frozenset[str], bool]:
    """(lower-case names of the firewalls with any record in the window, whether some records
    carry no name): any record, not only to the vault, shows that a firewall's logging is live."""
    in_window = pl.col("time").is_between(ctx.window.start, ctx.window.end)
    seen = fw_events.select(pl.col("firewall").filter(in_window).unique()).get_column("firewall")
    names = seen.drop_nulls().str.to_lowercase().to_list()
    return frozenset(str(n) for n in names), seen.null_count() > 0


def _joined_facts(
    requests: pl.DataFrame,
    snat_fits: pl.DataFrame,
    family_counts: list[pl.DataFrame],
    ctx: CorrelationContext,
) -> pl.DataFrame:
    parts = [request_facts(requests, snat_fits, ctx), *(c.lazy() for c in family_counts)]
    return client_facts(parts).collect(engine=IN_MEMORY)


def _cited_evidence(
    requests: pl.DataFrame, records: pl.DataFrame, flows: pl.DataFrame, ctx: CorrelationContext
) -> CitedEvidence:
    """Evidence of the three families (Key Vault, firewall, flow: that order breaks time ties)."""
    families = [request_evidence(requests), firewall_evidence(records), flow_evidence(flows)]
    return cite_evidence(families, ctx)


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
