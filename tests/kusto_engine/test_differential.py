"""Differential: the pushed-down KQL (run by duckdb-kql) and the local engine agree, client
for client, on the facts table and on the verdicts, over the same Log Analytics rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from netlogs.correlate import CorrelationContext, correlate_evidence
from netlogs.correlate.context import TIMELINE_PER_KIND
from netlogs.correlate.kusto_facts import FACTS_SCHEMA, fact_query, facts_frame
from netlogs.model import (
    CollectedEvidence,
    EvidenceQuery,
    EvidenceTables,
    LogFamily,
    TimeWindow,
    TraceResult,
)
from netlogs.normalize import normalize_evidence
from netlogs.normalize.ledger import EARLIEST_EVIDENCE, account_evidence
from netlogs.pipeline.kusto_trace import trace_in_kusto
from netlogs.pipeline.scope import find_vault, required_firewall, vault_private_endpoints
from netlogs.pipeline.trace import _context, evidence_query, trace
from netlogs.sources.files import FileSource
from tests.kusto_engine.conftest import DuckdbExecutor, Scenario
from tests.kusto_engine.kql_answers import kql_frame

# every row of the scenarios is a sane time: no clock decides which rows are used
SANE_TIMES = TimeWindow(EARLIEST_EVIDENCE, datetime(2100, 1, 1, tzinfo=timezone.utc))


def _verdicts(result) -> list[tuple[str, str, str, bool, str]]:  # type: ignore[no-untyped-def]
    return [
        (f.client_ip, f.verdict.value, f.vault_outcome.value, f.violation, f.cause)
        for f in result.flows
    ]


def test_sample_scenario_same_verdicts(sample_scenario: Scenario) -> None:
    request = sample_scenario.request()
    local = trace(request, FileSource(sample_scenario.logs), sample_scenario.topology)
    kusto = trace_in_kusto(request, DuckdbExecutor(sample_scenario.con), sample_scenario.topology)
    assert len(local.flows) >= 10  # every verdict of the scenario, not an empty comparison
    assert _verdicts(kusto) == _verdicts(local)
    assert [(f.client_ip, f.requests, f.snat_candidates) for f in kusto.flows] == [
        (f.client_ip, f.requests, f.snat_candidates) for f in local.flows
    ]
    assert [(f.client_ip, f.http_status, f.operations) for f in kusto.flows] == [
        (f.client_ip, f.http_status, f.operations) for f in local.flows
    ]
    assert kusto.engine is not None and kusto.engine.name == "kusto"
    assert local.engine is None
    # the JSON document keeps the engine record (and a local result stays without one)
    from netlogs.report.json import trace_result_to_dict
    from netlogs.report.json_read import trace_result_from_dict

    assert trace_result_from_dict(trace_result_to_dict(kusto)).engine == kusto.engine
    assert "engine" not in trace_result_to_dict(local)


def cited_rows(result) -> list[tuple[str, list[tuple[str, str]], int]]:  # type: ignore[no-untyped-def]
    """Per client: its cited rows as (family, time), and how many were not cited. Row ids are
    each engine's own (the kusto engine builds them from the row's fields), so rows are named
    by family and time: the first and last N times of a kind are the same however rows at one
    instant are ordered."""
    return [
        (
            f.client_ip,
            sorted((row.source.value, row.time.isoformat()) for row in f.evidence),
            f.evidence_omitted,
        )
        for f in result.flows
    ]


@pytest.mark.parametrize("per_kind", [1, 4, 20, None], ids=["1", "4", "default-20", "all"])
def test_same_cited_rows_client_for_client(sample_scenario: Scenario, per_kind: int | None) -> None:
    request = sample_scenario.request(evidence_per_kind=per_kind)
    local = trace(request, FileSource(sample_scenario.logs), sample_scenario.topology)
    kusto = trace_in_kusto(request, DuckdbExecutor(sample_scenario.con), sample_scenario.topology)
    assert cited_rows(kusto) == cited_rows(local)
    cited = sum(len(f.evidence) for f in local.flows)
    omitted = sum(f.evidence_omitted for f in local.flows)
    assert cited >= len(local.flows)
    if per_kind is None:
        assert omitted == 0 and cited > 50
    elif per_kind == 20:  # the sample has at most 20 rows of a kind: only the flows of clients
        # the vault served are left out (and counted)
        every = trace(
            sample_scenario.request(evidence_per_kind=None),
            FileSource(sample_scenario.logs),
            sample_scenario.topology,
        )
        assert_only_served_clients_flows_left_out(local, every)
    else:  # the cap bites: rows are left out and counted
        assert omitted > 0


def assert_only_served_clients_flows_left_out(capped: TraceResult, every: TraceResult) -> None:
    for flow, full in zip(capped.flows, every.flows, strict=True):
        left_out = set(full.evidence) - set(flow.evidence)
        assert {row.source for row in left_out} <= {LogFamily.FLOW}, flow.client_ip
        assert len(left_out) == flow.evidence_omitted
    assert sum(f.evidence_omitted for f in capped.flows) > 0


def context_of(scenario: Scenario, **changes: object) -> CorrelationContext:
    """The correlation context the local pipeline builds for the scenario's files."""
    request = scenario.request(**changes)
    topology = scenario.topology
    vault = find_vault(topology, request.vault)
    firewall = required_firewall(topology, vault, request.required_firewall)
    lead = request.reuse_window + request.clock_skew
    query = evidence_query(
        topology,
        vault,
        vault_private_endpoints(topology, vault),
        request.window,
        firewall_lead=lead,
        firewall_trail=request.clock_skew,
    )
    collected = FileSource(scenario.logs).collect(query)
    tables = used_rows(collected, query)
    assert request.window is not None
    return _context(
        request, topology, (vault, firewall), tables,
        window=request.window, collected=collected, as_of=request.now,
    )  # fmt: skip


def local_facts(scenario: Scenario, ctx: CorrelationContext) -> pl.DataFrame:
    query = evidence_query(
        scenario.topology, ctx.vault,
        vault_private_endpoints(scenario.topology, ctx.vault), ctx.window,
        firewall_lead=ctx.reuse_window + ctx.clock_skew, firewall_trail=ctx.clock_skew,
    )  # fmt: skip
    collected = FileSource(scenario.logs).collect(query)
    tables = used_rows(collected, query)
    return correlate_evidence(tables, ctx).clients


def kusto_facts(scenario: Scenario, ctx: CorrelationContext) -> pl.DataFrame:
    text = fact_query("facts_clients", ctx).text
    return facts_frame(kql_frame(scenario.con, text))


def assert_same_facts(local: pl.DataFrame, kusto: pl.DataFrame) -> None:
    assert kusto.schema == local.schema
    assert kusto.columns == list(FACTS_SCHEMA)
    assert kusto.get_column("client_ip").to_list() == local.get_column("client_ip").to_list()
    for column in local.columns[1:]:  # column by column: a failure names the column
        assert_frame_equal(kusto.select("client_ip", column), local.select("client_ip", column))


def test_sample_scenario_same_facts_column_by_column(sample_scenario: Scenario) -> None:
    ctx = context_of(sample_scenario)
    local = local_facts(sample_scenario, ctx)
    assert local.height >= 10 and local.get_column("covered").sum() > 0
    assert local.get_column("snat_candidate_count").max() >= 2  # an ambiguous SNAT address
    assert_same_facts(local, kusto_facts(sample_scenario, ctx))


@pytest.mark.parametrize(
    "changes",
    [
        {"required_firewall": "fw-hub"},
        {"reuse_window": timedelta(minutes=2), "clock_skew": timedelta(seconds=0)},
        {"reuse_window": timedelta(hours=1)},
    ],
    ids=["required-firewall", "short-reuse-no-skew", "long-reuse"],
)
def test_same_facts_under_other_tolerances(
    sample_scenario: Scenario, changes: dict[str, object]
) -> None:
    ctx = context_of(sample_scenario, **changes)
    assert_same_facts(local_facts(sample_scenario, ctx), kusto_facts(sample_scenario, ctx))


def local_facts_of(
    source: object, topology: object, request: object
) -> tuple[CorrelationContext, pl.DataFrame]:
    """(context, local facts) the way ``pipeline.trace`` builds them for ``source``."""
    from netlogs.model import TraceRequest
    from netlogs.topology.model import Topology

    assert isinstance(request, TraceRequest) and isinstance(topology, Topology)
    assert request.window is not None
    vault = find_vault(topology, request.vault)
    firewall = required_firewall(topology, vault, request.required_firewall)
    query = evidence_query(
        topology, vault, vault_private_endpoints(topology, vault), request.window,
        firewall_lead=request.reuse_window + request.clock_skew,
        firewall_trail=request.clock_skew,
    )  # fmt: skip
    collected = source.collect(query)  # type: ignore[attr-defined]
    tables = used_rows(collected, query)
    ctx = _context(
        request, topology, (vault, firewall), tables,
        window=request.window, collected=collected, as_of=request.now,
    )  # fmt: skip
    return ctx, correlate_evidence(tables, ctx).clients


def used_rows(collected: CollectedEvidence, query: EvidenceQuery) -> EvidenceTables:
    """The rows the local engine uses: the one filter of a trace, with its row ledger."""
    tables = normalize_evidence(collected.raw_tables, collected.parse_issues)
    return account_evidence(tables, query, SANE_TIMES).tables


def test_timeline_labels_leave_the_server_only_when_a_timeline_is_drawn(
    sample_scenario: Scenario,
) -> None:
    ctx = context_of(sample_scenario)

    def cited_labels(timeline_per_kind: int) -> pl.Series:
        drawn = replace(ctx, timeline_per_kind=timeline_per_kind)
        rows = kql_frame(sample_scenario.con, fact_query("facts_cited", drawn).text)
        return rows.filter(pl.col("part") == "cited").get_column("label")

    without, labelled = cited_labels(0), cited_labels(TIMELINE_PER_KIND)
    assert without.len() == labelled.len() > 50
    assert set(without.to_list()) == {""}  # no HTML timeline: no byte spent on labels
    assert labelled.str.len_bytes().min() > 0
