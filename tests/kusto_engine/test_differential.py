"""Differential: the pushed-down KQL (run by duckdb-kql) and the local engine agree, client
for client, on the facts table and on the verdicts, over the same Log Analytics rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import polars as pl
from polars.testing import assert_frame_equal

from netlogs.correlate import correlate_evidence
from netlogs.correlate.kusto_facts import FACTS_SCHEMA, facts_frame
from netlogs.pipeline.kusto_trace import trace_in_kusto
from netlogs.pipeline.trace import trace
from netlogs.sources.files import FileSource
from tests.kusto_engine.conftest import DuckdbExecutor, Scenario


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
