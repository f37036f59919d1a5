"""Evidence in tables the kusto engine does not read (legacy AzureDiagnostics categories,
AzureNetworkAnalytics_CL): `--engine auto` falls back to the local engine with a note, an explicit
`--engine kusto` refuses instead of leaving those rows out of the verdicts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import duckdb_kql
import polars as pl
import pytest

from netlogs.errors import UnreadTablesError
from netlogs.pipeline.kusto_trace import kusto_or_local
from netlogs.pipeline.trace import trace
from netlogs.sources.files import FileSource
from tests.kusto_engine.conftest import DuckdbExecutor, Scenario
from tests.kusto_engine.la_tables import load_into_duckdb


def _with_legacy(scenario: Scenario, offset: timedelta) -> Any:
    """The scenario's tables plus three Key Vault AuditEvent rows in AzureDiagnostics, and one
    firewall row of another provider (not evidence), ``offset`` after the window's start."""
    request = scenario.request()
    assert request.window is not None
    at = request.window.start + offset
    legacy = pl.DataFrame(
        {
            "TimeGenerated": [at, at, at, at],
            "ResourceProvider": ["MICROSOFT.KEYVAULT"] * 3 + ["MICROSOFT.WEB"],
            "Category": ["AuditEvent"] * 3 + ["AppServiceHTTPLogs"],
            "Resource": ["KV-CONTOSO-PROD"] * 3 + ["APP-1"],
        }
    )
    con = duckdb_kql.connect()
    load_into_duckdb(con, {**scenario.frames, "AzureDiagnostics": legacy})
    return con


def test_auto_falls_back_to_local_with_a_note(sample_scenario: Scenario) -> None:
    con = _with_legacy(sample_scenario, timedelta(minutes=5))
    request, topology = sample_scenario.request(), sample_scenario.topology
    source = FileSource(sample_scenario.logs)
    result = kusto_or_local(request, DuckdbExecutor(con), source, topology)
    assert result.engine is None  # the local engine's result
    assert "AzureDiagnostics/AuditEvent (3 rows)" in result.gaps[0].message
    assert "local engine used (--engine auto)" in result.gaps[0].message
    local = trace(request, FileSource(sample_scenario.logs), topology)
    assert [(f.client_ip, f.verdict) for f in result.flows] == [
        (f.client_ip, f.verdict) for f in local.flows
    ]


def test_explicit_kusto_refuses(sample_scenario: Scenario) -> None:
    con = _with_legacy(sample_scenario, timedelta(minutes=5))
    with pytest.raises(UnreadTablesError, match=r"AuditEvent \(3 rows\).*use --engine local"):
        kusto_or_local(
            sample_scenario.request(), DuckdbExecutor(con), None, sample_scenario.topology
        )


def test_legacy_rows_outside_the_window_do_not_matter(sample_scenario: Scenario) -> None:
    con = _with_legacy(sample_scenario, timedelta(days=-3))
    result = kusto_or_local(
        sample_scenario.request(), DuckdbExecutor(con), None, sample_scenario.topology
    )
    assert result.engine is not None and result.engine.name == "kusto"


def test_structured_categories_in_azurediagnostics_are_refused(sample_scenario: Scenario) -> None:
    """AZFW* categories sent to AzureDiagnostics (flattened columns) are not read: refused."""
    request = sample_scenario.request()
    assert request.window is not None
    rows = pl.DataFrame(
        {
            "TimeGenerated": [request.window.start + timedelta(minutes=1)] * 2,
            "ResourceProvider": ["MICROSOFT.NETWORK"] * 2,
            "Category": ["AZFWNetworkRule", "AZFWDnsQuery"],
            "Resource": ["FW-HUB"] * 2,
        }
    )
    con = duckdb_kql.connect()
    load_into_duckdb(con, {**sample_scenario.frames, "AzureDiagnostics": rows})
    with pytest.raises(UnreadTablesError, match=r"AZFWNetworkRule \(1 rows\)") as raised:
        kusto_or_local(request, DuckdbExecutor(con), None, sample_scenario.topology)
    assert "AzureDiagnostics/AZFWDnsQuery (1 rows)" in str(raised.value)
