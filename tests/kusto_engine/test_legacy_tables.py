"""Differential over the older tables: the sample scenario's firewall rows before a settings
switch as legacy rule-log text in AzureDiagnostics (msg_s) and its flows as NSG-era Traffic
Analytics rows (AzureNetworkAnalytics_CL), the rest in the resource-specific tables. The kusto
engine reads them in the same unions, and both engines give the same facts and verdicts."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb_kql
import polars as pl
import pytest

from netlogs.correlate.kusto_facts import FactLegs, fact_query, facts_frame
from netlogs.model import GapKind, SourceStatus, TraceResult
from netlogs.pipeline.kusto_trace import kusto_or_local, trace_in_kusto
from netlogs.pipeline.trace import trace
from netlogs.sources.files import FileSource
from netlogs.topology.loader import load_topology
from tests.kusto_engine.conftest import SAMPLE, DuckdbExecutor, Scenario, canonical_tables
from tests.kusto_engine.kql_answers import kql_frame
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
        kql_frame(legacy_scenario.con, fact_query("facts_clients", ctx).text)
    )
    assert local.height >= 10 and local.get_column("covered").sum() > 0
    assert local.get_column("fw_deny").sum() > 0 and local.get_column("flow_out").sum() > 0
    assert_same_facts(local, kusto)


def test_switched_off_legs_lose_those_rows(legacy_scenario: Scenario) -> None:
    """The legs really read the older tables: without them the facts differ."""
    ctx = context_of(legacy_scenario)
    off = FactLegs(firewall_diagnostics=False, nsg_flows=False)
    text = fact_query("facts_clients", ctx, legs=off).text
    kusto = facts_frame(kql_frame(legacy_scenario.con, text))
    local = local_facts(legacy_scenario, ctx)
    assert kusto.get_column("fw_allow").sum() < local.get_column("fw_allow").sum()
    assert kusto.get_column("flow_out").sum() < local.get_column("flow_out").sum()


def test_same_verdicts_and_no_fallback(legacy_scenario: Scenario) -> None:
    request = legacy_scenario.request()
    local = trace(request, FileSource(legacy_scenario.logs), legacy_scenario.topology)
    kusto = trace_in_kusto(request, DuckdbExecutor(legacy_scenario.con), legacy_scenario.topology)
    assert len(local.flows) >= 10
    assert _verdicts(kusto) == _verdicts(local)
    # a cited row names the table it was read from (an older table, not its successor)
    assert _cited_tables(kusto) == _cited_tables(local)
    cited = {table for _, _, table in _cited_tables(kusto)}
    assert {"AzureDiagnostics", "AzureNetworkAnalytics_CL"} <= cited
    read = {s.table: s.rows for s in kusto.sources}
    assert read["AzureDiagnostics/AzureFirewallNetworkRule"] > 0
    assert (
        read["AzureNetworkAnalytics_CL"]
        == legacy_scenario.frames["AzureNetworkAnalytics_CL"].height
    )


def _cited_tables(result: TraceResult) -> set[tuple[str, datetime, str]]:
    return {(f.client_ip, e.time, e.table) for f in result.flows for e in f.evidence
            if e.source.value in ("firewall", "flow")}


# Rule-log text shapes seen in the wild, each from its own client to the vault's endpoint
# (10.1.2.4) or FQDN; the comment says what both engines must make of it.
SHAPES = [
    # a deny by the default action: the free text is the reason
    ("AzureFirewallNetworkRuleLog",
     "TCP request from 10.9.0.1:40001 to 10.1.2.4:443. Action: Deny. No rule matched. "
     "Proceeding with default action"),
    # a stated reason
    ("AzureFirewallNetworkRuleLog",
     "TCP request from 10.9.0.2:40002 to 10.1.2.4:443. Action: Deny. Reason: blocked by policy."),
    # an application rule whose name holds ", ", followed by a web category
    ("AzureFirewallApplicationRuleLog",
     "HTTPS request from 10.9.0.3:40003 to kv-contoso-prod.vault.azure.net:443. Action: Allow. "
     "Policy: p. Rule Collection Group: g. Rule Collection: c. Rule: Azure-to-KV, HTTPS. "
     "Web Category: ComputersAndTechnology"),
    # IDPS and threat intelligence: not rule decisions, left out
    ("AzureFirewallNetworkRuleLog",
     "TCP request from 10.9.0.4:40004 to 10.1.2.4:443. Action: drop. Signature: 2028816. "
     "IDS: JA3 Hash. Priority: 3. Classification: Unknown Traffic"),
    ("AzureFirewallThreatIntelLog",
     "TCP request from 10.9.0.5:40005 to 10.1.2.4:443. Action: Deny. ThreatIntel: Bot Networks"),
    # DNAT: left out
    ("AzureFirewallNatRuleLog",
     "TCP request from 10.9.0.6:40006 to 10.1.2.4:443 was DNAT'ed to 10.1.2.4:443"),
    # cut short: unparsed, reported
    ("AzureFirewallNetworkRuleLog", "TCP request from 10.9.0.7:40007 to 10.1.2.4:443. Act"),
    # lower case, double period, trailing ". "
    ("AzureFirewallNetworkRuleLog",
     "UDP request from 10.9.0.8:40008 to 10.1.2.4:443. Action: allow.. Rule Collection: rc. "
     "Rule: r8. "),
    # ICMP without ports: counted, never a SYN retry
    ("AzureFirewallNetworkRuleLog",
     "ICMP Type=8 request from 10.9.0.9 to 10.1.2.4. Action: Deny. "),
    # another address that only starts like the vault's: not the vault
    ("AzureFirewallNetworkRuleLog",
     "TCP request from 10.9.0.10:40010 to 10.1.2.40:443. Action: Allow. Rule: other"),
]  # fmt: skip


@pytest.fixture(scope="module")
def shapes_scenario(
    legacy_scenario: Scenario, tmp_path_factory: pytest.TempPathFactory
) -> Scenario:
    base = legacy_scenario.frames["AzureDiagnostics"]
    at = base.get_column("TimeGenerated").min()
    extra = pl.DataFrame(
        {
            "TimeGenerated": [at + timedelta(seconds=90 * i) for i in range(len(SHAPES))],  # type: ignore[operator]
            "ResourceProvider": ["MICROSOFT.NETWORK"] * len(SHAPES),
            "Category": [
                "AzureFirewallApplicationRule"
                if "Application" in op
                else "AzureFirewallNetworkRule"
                for op, _ in SHAPES
            ],
            "OperationName": [op for op, _ in SHAPES],
            "Resource": ["FW-HUB"] * len(SHAPES),
            "_ResourceId": [base.get_column("_ResourceId")[0]] * len(SHAPES),
            "msg_s": [text for _, text in SHAPES],
            "Type": ["AzureDiagnostics"] * len(SHAPES),
        },
        schema=base.schema,
    )
    frames = {
        **legacy_scenario.frames,
        "AzureDiagnostics": pl.concat([base, extra]).sort("TimeGenerated", maintain_order=True),
    }
    folder = tmp_path_factory.mktemp("legacy-shapes")
    write_query_api_files(frames, folder)
    con = duckdb_kql.connect()
    load_into_duckdb(con, frames)
    return Scenario(legacy_scenario.topology, folder, frames, con)


def test_text_shapes_give_the_same_facts(shapes_scenario: Scenario) -> None:
    ctx = context_of(shapes_scenario)
    local = local_facts(shapes_scenario, ctx)
    kusto = facts_frame(
        kql_frame(shapes_scenario.con, fact_query("facts_clients", ctx).text)
    )
    assert_same_facts(local, kusto)
    rows = {r["client_ip"]: r for r in local.to_dicts()}
    assert rows["10.9.0.1"]["fw_deny_rule"] == "No rule matched. Proceeding with default action"
    assert rows["10.9.0.2"]["fw_deny_rule"] == "blocked by policy"
    assert rows["10.9.0.3"]["fw_snat_allow"] == 1 and rows["10.9.0.8"]["fw_allow"] == 1
    assert rows["10.9.0.9"]["fw_deny"] == 1
    assert not {"10.9.0.4", "10.9.0.5", "10.9.0.6", "10.9.0.7", "10.9.0.10"} & set(rows)


def test_unparsed_text_is_reported_by_both_engines(shapes_scenario: Scenario) -> None:
    request = shapes_scenario.request()
    local = trace(request, FileSource(shapes_scenario.logs), shapes_scenario.topology)
    kusto = trace_in_kusto(request, DuckdbExecutor(shapes_scenario.con), shapes_scenario.topology)
    # same verdicts; the causes name the partial table each engine's way
    assert [v[:4] for v in _verdicts(kusto)] == [v[:4] for v in _verdicts(local)]
    assert any("rows mentioning the vault could not be read" in f.cause for f in kusto.flows)
    partial = [s for s in kusto.sources if s.status is SourceStatus.PARTIAL]
    assert [(s.table, s.set_aside) for s in partial] == [
        ("AzureDiagnostics/AzureFirewallNetworkRule", (("unparseable", 1),))
    ]
    local_gaps = [g for g in local.gaps if g.kind is GapKind.UNPARSED_ROWS]
    kusto_gaps = [g for g in kusto.gaps if g.kind is GapKind.UNPARSED_ROWS]
    assert len(local_gaps) == 1 and "1 row(s) could not be read" in local_gaps[0].message
    assert len(kusto_gaps) == 1
    assert "AzureFirewallNetworkRule: 1 row(s) mentioning the vault" in kusto_gaps[0].message


def test_auto_no_longer_falls_back_for_them(legacy_scenario: Scenario) -> None:
    """``--engine auto`` on a workspace runs the older tables in Kusto (no local fallback)."""
    request, topology = legacy_scenario.request(), legacy_scenario.topology
    source = FileSource(legacy_scenario.logs)
    result = kusto_or_local(request, DuckdbExecutor(legacy_scenario.con), source, topology)
    assert result.engine is not None and result.engine.name == "kusto"
    assert not any("local engine used" in g.message for g in result.gaps)
