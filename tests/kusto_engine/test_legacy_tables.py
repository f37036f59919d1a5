"""Differential over the older tables: the sample scenario's firewall rows before a settings
switch as legacy rule-log text in AzureDiagnostics (msg_s) and its flows as NSG-era Traffic
Analytics rows (AzureNetworkAnalytics_CL), the rest in the resource-specific tables. The kusto
engine reads them in the same unions, and both engines give the same facts and verdicts."""

from __future__ import annotations

from datetime import timedelta

import duckdb_kql
import pytest

from netlogs.correlate.kusto_facts import FactLegs, fact_query, facts_frame
from netlogs.pipeline.kusto_trace import trace_in_kusto
from netlogs.pipeline.trace import trace
from netlogs.sources.files import FileSource
from netlogs.topology.loader import load_topology
from tests.kusto_engine.conftest import SAMPLE, DuckdbExecutor, Scenario, canonical_tables
from tests.kusto_engine.la_tables import legacy_la_tables, load_into_duckdb, write_query_api_files
from tests.kusto_engine.test_differential import (
    _verdicts,
    assert_same_facts,
    context_of,
    local_facts,
)


@pytest.fixture(scope="module")
def legacy_scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    topology = load_topology(SAMPLE / "topology.yaml")
    tables = canonical_tables(topology, SAMPLE / "logs")
    newest = tables.kv_requests.get_column("time").max()
    switch = newest - timedelta(minutes=10)  # type: ignore[operator]  # most rows before it
    frames = legacy_la_tables(tables, switch)
    folder = tmp_path_factory.mktemp("legacy-la")
    write_query_api_files(frames, folder)
    con = duckdb_kql.connect()
    load_into_duckdb(con, frames)
    return Scenario(topology, folder, frames, con)


def test_the_older_tables_hold_evidence(legacy_scenario: Scenario) -> None:
    """Guards the comparison: both halves of each family have rows to the vault."""
    frames = legacy_scenario.frames
    assert frames["AzureDiagnostics"].height >= 8 and frames["AZFWNetworkRule"].height >= 1
    assert frames["AzureNetworkAnalytics_CL"].height >= 3
    messages = frames["AzureDiagnostics"].get_column("msg_s")
    assert messages.str.contains("Allow..", literal=True).any()
    assert messages.str.contains(". Action: allow", literal=True).any()


def test_same_facts_column_by_column(legacy_scenario: Scenario) -> None:
    ctx = context_of(legacy_scenario)
    local = local_facts(legacy_scenario, ctx)
    kusto = facts_frame(
        duckdb_kql.query(legacy_scenario.con, fact_query("facts_clients", ctx).text).pl()
    )
    assert local.height >= 10 and local.get_column("covered").sum() > 0
    assert local.get_column("fw_deny").sum() > 0 and local.get_column("flow_out").sum() > 0
    assert_same_facts(local, kusto)


def test_switched_off_legs_lose_those_rows(legacy_scenario: Scenario) -> None:
    """The legs really read the older tables: without them the facts differ."""
    ctx = context_of(legacy_scenario)
    off = FactLegs(firewall_diagnostics=False, nsg_flows=False)
    text = fact_query("facts_clients", ctx, legs=off).text
    kusto = facts_frame(duckdb_kql.query(legacy_scenario.con, text).pl())
    local = local_facts(legacy_scenario, ctx)
    assert kusto.get_column("fw_allow").sum() < local.get_column("fw_allow").sum()
    assert kusto.get_column("flow_out").sum() < local.get_column("flow_out").sum()


def test_same_verdicts_and_no_fallback(legacy_scenario: Scenario) -> None:
    request = legacy_scenario.request()
    local = trace(request, FileSource(legacy_scenario.logs), legacy_scenario.topology)
    kusto = trace_in_kusto(request, DuckdbExecutor(legacy_scenario.con), legacy_scenario.topology)
    assert len(local.flows) >= 10
    assert _verdicts(kusto) == _verdicts(local)
    read = {s.table: s.rows for s in kusto.sources}
    assert read["AzureDiagnostics/AzureFirewallNetworkRule"] > 0
    assert (
        read["AzureNetworkAnalytics_CL"]
        == legacy_scenario.frames["AzureNetworkAnalytics_CL"].height
    )
