"""The kusto engine's queries, rendered as netlogs sends them, pass Microsoft's Kusto parser
and semantic analysis against the documented table schemas (as every kql/ template does)."""

from __future__ import annotations

from typing import Any

import pytest

from netlogs.correlate.kusto_facts import FactLegs, fact_query, sources_query
from netlogs.pipeline.kusto_dns import dns_query
from tests.kql.conftest import KustoRun
from tests.kusto_engine.conftest import Scenario
from tests.kusto_engine.test_differential import context_of


@pytest.mark.kusto
def test_fact_queries_have_no_errors_or_warnings(
    kusto: KustoRun, sample_scenario: Scenario
) -> None:
    ctx = context_of(sample_scenario)
    off = FactLegs(firewall_diagnostics=False, nsg_flows=False)
    queries = [
        fact_query("facts_clients", ctx),
        fact_query("facts_cited", ctx),
        fact_query("facts_unparsed", ctx),
        fact_query("facts_set_aside", ctx),
        sources_query(ctx),
        dns_query(ctx.vault.name, ctx.window, proxy_text=True),
    ]
    sent = [{"id": q.name, "text": q.text} for q in queries]
    sent.append(
        {
            "id": "facts_clients_without_older_tables",
            "text": fact_query("facts_clients", ctx, legs=off).text,
        }
    )
    results = kusto(sent)
    diagnostics: dict[str, list[dict[str, Any]]] = {r["id"]: r["diagnostics"] for r in results}
    assert set(diagnostics) == {
        "facts_clients", "facts_cited", "facts_unparsed", "facts_set_aside", "facts_sources",
        "facts_dns", "facts_clients_without_older_tables",
    }  # fmt: skip
    for name, found in diagnostics.items():
        assert found == [], (name, found)


@pytest.mark.kusto
def test_parser_sees_a_broken_fact_query(kusto: KustoRun, sample_scenario: Scenario) -> None:
    """Guards the guard: the long query is really analysed (a wrong column is an error)."""
    text = fact_query("facts_clients", context_of(sample_scenario)).text
    broken = text.replace("CallerIpAddress", "CallerIPAddress", 1)
    [result] = kusto([{"id": "broken", "text": broken}])
    assert any(d["severity"] == "Error" for d in result["diagnostics"])
