"""The kusto engine's DNS leg: firewall DNS proxy rows for the vault's names (AZFWDnsQuery and
legacy AzureFirewallDnsProxy text in AzureDiagnostics) give the same per-client DNS facts as
the local engine (queries, first query, answers not logged) and the same causes on the flows."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb_kql
import polars as pl
import pytest

from netlogs.model import LogFamily
from netlogs.pipeline.kusto_dns import dns_findings_of, dns_query
from netlogs.pipeline.kusto_trace import trace_in_kusto
from netlogs.pipeline.scope import vault_private_endpoints
from netlogs.pipeline.trace import evidence_query, trace
from netlogs.sources.files import FileSource
from netlogs.verdicts.dns import dns_findings
from tests.kusto_engine.conftest import DuckdbExecutor, Scenario
from tests.kusto_engine.kql_answers import kql_frame
from tests.kusto_engine.la_tables import load_into_duckdb, write_query_api_files
from tests.kusto_engine.test_differential import context_of, used_rows

NAME = "kv-contoso-prod.vault.azure.net."
ALIAS = "kv-contoso-prod.privatelink.vaultcore.azure.net."


def _structured(at: datetime) -> pl.DataFrame:
    """AZFWDnsQuery rows: two clients, names in any case, an upstream error, another name."""
    rows = [
        ("10.2.1.4", 0, NAME, "A", "NOERROR", None),
        ("10.2.1.4", 40, ALIAS.upper(), "A", "NOERROR", None),
        ("10.2.1.4", 65, NAME, "AAAA", "", 2),
        ("10.1.1.4", 10, ALIAS, "A", "NXDOMAIN", None),
        ("10.1.1.4", 12, "www.example.com.", "A", "NOERROR", None),
    ]
    return pl.DataFrame(
        {
            "TimeGenerated": [at + timedelta(seconds=s) for _, s, *_ in rows],
            "_ResourceId": ["/subscriptions/s/providers/microsoft.network/azurefirewalls/fw-hub"]
            * len(rows),
            "SourceIp": [r[0] for r in rows],
            "SourcePort": [50000 + i for i in range(len(rows))],
            "QueryId": [100 + i for i in range(len(rows))],
            "QueryName": [r[2] for r in rows],
            "QueryType": [r[3] for r in rows],
            "ResponseCode": [r[4] for r in rows],
            "ErrorNumber": pl.Series([r[5] for r in rows], dtype=pl.Int64),
            "Type": ["AZFWDnsQuery"] * len(rows),
        }
    )


def _legacy(at: datetime) -> pl.DataFrame:
    """AzureFirewallDnsProxy text: ASCII hyphen and en dash, and an Error line (no client)."""
    messages = [
        f"DNS Request: 10.2.2.4:61248 - 31105 A IN {NAME} udp 60 false 512 NOERROR "
        "qr,rd,ra 216 0.003410663s",
        f"DNS Request: 10.2.2.4:48197 – 15676 A IN {ALIAS} udp 55 false 512 NOERROR "
        "- 0 2.000301956s",
        f"DNS Request: 10.2.1.4:48198 - 15677 A IN {NAME} udp 55 false 512 NOERROR qr,rd 0 0.01s",
        f" Error: 2 {NAME} A: read udp 10.0.1.5:49126->168.63.129.160:53: i/o timeout",
    ]
    return pl.DataFrame(
        {
            "TimeGenerated": [at + timedelta(seconds=7 * i) for i in range(len(messages))],
            "ResourceProvider": ["MICROSOFT.NETWORK"] * len(messages),
            "Category": ["AzureFirewallDnsProxy"] * len(messages),
            "OperationName": ["AzureFirewallDnsProxyLog"] * len(messages),
            "Resource": ["FW-HUB"] * len(messages),
            "msg_s": messages,
            "Type": ["AzureDiagnostics"] * len(messages),
        }
    )


@pytest.fixture(scope="module")
def dns_scenario(sample_scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    window = sample_scenario.request().window
    assert window is not None
    at = window.start + timedelta(minutes=5)
    frames = {
        **sample_scenario.frames,
        "AZFWDnsQuery": _structured(at),
        "AzureDiagnostics": _legacy(at + timedelta(minutes=1)),
    }
    folder = tmp_path_factory.mktemp("dns-la")
    write_query_api_files(frames, folder)
    con = duckdb_kql.connect()
    load_into_duckdb(con, frames)
    return Scenario(sample_scenario.topology, folder, frames, con)


def test_same_dns_facts_per_client(dns_scenario: Scenario) -> None:
    ctx = context_of(dns_scenario)
    vault = ctx.vault
    query = evidence_query(
        dns_scenario.topology, vault, vault_private_endpoints(dns_scenario.topology, vault),
        ctx.window, firewall_lead=ctx.reuse_window + ctx.clock_skew,
    )  # fmt: skip
    collected = FileSource(dns_scenario.logs).collect(query)
    tables = used_rows(collected, query)
    local = dns_findings(tables.dns, ctx)
    text = dns_query(vault.name, ctx.window, proxy_text=True).text
    kusto = dns_findings_of(kql_frame(dns_scenario.con, text))
    assert set(local) == {"10.2.1.4", "10.1.1.4", "10.2.2.4"}
    assert local["10.2.1.4"].queries == 4  # three structured (one an error) and one text row
    for client, found in local.items():
        mine = kusto[client]
        assert (mine.queries, mine.first_query, mine.answers_logged) == (
            found.queries, found.first_query, found.answers_logged,
        ), client  # fmt: skip
        assert mine.private_answer is None and mine.public_answer is None
    assert set(kusto) == set(local)
    cited = kusto["10.2.1.4"].cited
    assert [r.table for r in cited] == ["AZFWDnsQuery", "AzureDiagnostics"]  # first and last
    assert all(r.source is LogFamily.DNS for r in cited)
    assert cited[0].summary == (
        "10.2.1.4 asked A kv-contoso-prod.vault.azure.net: NOERROR (answer not logged)"
    )


def test_without_the_text_leg_the_proxy_rows_are_not_read(dns_scenario: Scenario) -> None:
    ctx = context_of(dns_scenario)
    text = dns_query(ctx.vault.name, ctx.window, proxy_text=False).text
    kusto = dns_findings_of(kql_frame(dns_scenario.con, text))
    assert "10.2.2.4" not in kusto and kusto["10.2.1.4"].queries == 3


def test_same_causes_on_the_flows(dns_scenario: Scenario) -> None:
    request = dns_scenario.request()
    local = trace(request, FileSource(dns_scenario.logs), dns_scenario.topology)
    kusto = trace_in_kusto(request, DuckdbExecutor(dns_scenario.con), dns_scenario.topology)
    asked = [f for f in local.flows if "DNS proxy logged" in f.cause]
    assert len(asked) >= 2
    assert [(f.client_ip, f.cause, f.expected_path) for f in kusto.flows] == [
        (f.client_ip, f.cause, f.expected_path) for f in local.flows
    ]
    for flow in kusto.flows:
        dns_rows = [r for r in flow.evidence if r.source is LogFamily.DNS]
        if flow.client_ip == "10.2.1.4":
            assert len(dns_rows) == 2
    tables = {s.table for s in kusto.sources}
    assert {"AZFWDnsQuery", "AzureDiagnostics/AzureFirewallDnsProxy"} <= tables
