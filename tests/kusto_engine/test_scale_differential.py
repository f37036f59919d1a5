"""Differential at scale: benchmarks/scale_data.py at 0.1x (100k requests, 1M firewall rows,
500k flows) as Log Analytics tables; the pushed-down KQL in duckdb-kql and the local engine
give the same facts, client for client, and the same verdicts."""

from __future__ import annotations

from dataclasses import replace

import duckdb_kql
import polars as pl
import pytest

from benchmarks.scale_data import generate
from benchmarks.scale_estate import scale_request, scale_topology
from netlogs.correlate.kusto_facts import fact_query, facts_frame
from netlogs.model import CollectedEvidence, EvidenceQuery, EvidenceTables, RawTable
from netlogs.normalize.common import with_row_ids
from netlogs.pipeline.kusto_trace import trace_in_kusto
from netlogs.pipeline.trace import trace
from netlogs.schemas import DNS_QUERIES, empty_frame
from tests.kusto_engine.conftest import DuckdbExecutor
from tests.kusto_engine.kql_answers import kql_frame
from tests.kusto_engine.la_tables import la_tables, load_into_duckdb
from tests.kusto_engine.test_differential import assert_same_facts, cited_rows


class RawSource:
    """The Log Analytics rows as a live source would return them (no files)."""

    def __init__(self, frames: dict[str, pl.DataFrame]) -> None:
        self.raw = tuple(RawTable(n, with_row_ids(f, n), n) for n, f in frames.items())

    def collect(self, query: EvidenceQuery) -> CollectedEvidence:
        return CollectedEvidence(raw_tables=self.raw)


@pytest.fixture(scope="module")
def scale(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("scale")
    generate(0.1, out)
    canonical = EvidenceTables(
        kv_requests=pl.read_parquet(out / "kv_requests.parquet"),
        fw_events=pl.read_parquet(out / "fw_events.parquet"),
        flows=pl.read_parquet(out / "flows.parquet"),
        dns=empty_frame(DNS_QUERIES),
    )
    frames = la_tables(canonical)
    con = duckdb_kql.connect()
    load_into_duckdb(con, frames)
    newest = frames["AZKVAuditLogs"].get_column("TimeGenerated").max()
    request = replace(scale_request(out), now=newest, timeline=False)
    return frames, con, request


def test_scale_same_facts_and_verdicts(scale) -> None:  # type: ignore[no-untyped-def]
    frames, con, request = scale
    topology = scale_topology()
    executor = DuckdbExecutor(con)
    kusto = trace_in_kusto(request, executor, topology)
    local = trace(request, RawSource(frames), topology)
    assert len(local.flows) > 1000
    verdicts = {f.verdict.value for f in local.flows}
    assert len(verdicts) >= 3  # bypassing, via firewall and undecided clients are all there
    assert [(f.client_ip, f.verdict, f.vault_outcome, f.requests) for f in kusto.flows] == [
        (f.client_ip, f.verdict, f.vault_outcome, f.requests) for f in local.flows
    ]
    assert [f.snat_candidates for f in kusto.flows] == [f.snat_candidates for f in local.flows]
    # the same cited rows (default cap: 20 per client and kind) and rows left out, per client
    assert cited_rows(kusto) == cited_rows(local)
    assert sum(f.evidence_omitted for f in local.flows) > 0
    # and the facts table itself, column by column (same context as the trace above)
    from tests.kusto_engine.test_differential import local_facts_of

    ctx, local_facts = local_facts_of(RawSource(frames), topology, request)
    kusto_rows = kql_frame(con, fact_query("facts_clients", ctx).text)
    assert_same_facts(local_facts, facts_frame(kusto_rows))
