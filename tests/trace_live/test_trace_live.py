"""`netlogs trace --workspace` end to end: the real CLI, the real ``LogsQueryClient`` and
``DefaultAzureCredential`` (stub ``az``), over TLS to a fake workspace holding the sample scenario.

The same two hours are traced offline (``--logs sample_data/logs``) with the same window and clock;
online and offline must reach the same verdict for every client.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from netlogs import kql
from netlogs.json_schemas import TRACE_V1, schema_errors
from netlogs.testing import Run, invoke
from tests.sources.log_analytics.fake_query_api import FakeRequest, Reply
from tests.sources.log_analytics.la_bodies import forbidden_body, low_memory_body
from tests.trace_live.trace_live_scenario import ScenarioWorkspace, query_body
from tests.trace_live.trace_live_support import FAKE_TOKEN, SAMPLE, WORKSPACE, trace_args

EVIDENCE_TEMPLATES = [t.name for t in kql.list_templates() if t.family != "probe"]
# What the probe-planned run sends to the sample workspace: the probe, then one query per
# template whose table (or AzureDiagnostics categories) has rows in the window
SENT_TEMPLATES = {
    "coverage_probe",
    "keyvault_requests_azkvauditlogs",
    "keyvault_requests_azurediagnostics",
    "firewall_network_rules",
    "firewall_application_rules",
    "firewall_legacy_messages",
}
FIREWALL_BYPASS = "REACHED_BYPASSING_FIREWALL"
# What each flow is compared on: everything that states the finding, not the evidence row ids
# (those name the file offline and the template@workspace live).
FINDING = ("verdict", "violation", "vault_outcome", "requests", "http_status", "snat_candidates")


@pytest.fixture(scope="module")
def offline() -> Run:
    return invoke(trace_args("--logs", str(SAMPLE / "logs")))


@pytest.fixture
def live(live_trace: Any, scenario: ScenarioWorkspace) -> tuple[Run, Any]:
    run, api = live_trace(scenario)
    return run, api


def by_client(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {flow["client_ip"]: flow for flow in document["flows"]}


def test_live_and_offline_reach_the_same_verdict_for_every_client(
    live: tuple[Run, Any], offline: Run
) -> None:
    run, _ = live
    assert "Traceback" not in run.stderr and "Traceback" not in offline.stderr
    assert run.code == offline.code == 1, run.stderr  # the scenario has violations on purpose
    online_flows, offline_flows = by_client(run.document), by_client(offline.document)
    assert len(online_flows) == 14
    assert online_flows.keys() == offline_flows.keys()
    for ip, flow in online_flows.items():
        for key in FINDING:
            assert flow[key] == offline_flows[ip][key], (ip, key)
    assert run.document["summary"] == offline.document["summary"]
    assert schema_errors(run.document, TRACE_V1) == []  # live documents: the same schema
    # a few spot checks against the hand-written table in sample_data/README.md
    assert online_flows["10.0.1.10"]["verdict"] == FIREWALL_BYPASS
    assert online_flows["10.2.1.4"]["verdict"] == "REACHED_VIA_FIREWALL"  # SNAT stitched back
    assert online_flows["10.2.1.11"]["verdict"] == "NOT_REACHED"


def test_the_only_differences_are_flow_log_archives_and_the_latency_anchor(
    live: tuple[Run, Any], offline: Run
) -> None:
    """Two legitimate differences, asserted rather than skipped.

    1. The VNet flow logs ship as raw storage-account JSON; a workspace holds flows only as
       Traffic Analytics rows (NTANetAnalytics), which the scenario has none of. Offline
       evidence therefore cites flow tuples that the live run cannot; no verdict rests on them.
    2. Ingestion latency is counted back from ``--now`` live (the query runs now) but from the
       newest row offline (an export is as old as its newest record): so the "may not be in the
       Key Vault logs yet" boundary is 11:50:00 live and 11:46:40 offline.
    """
    run, _ = live
    online_flows, offline_flows = by_client(run.document), by_client(offline.document)
    cited_offline = {e["source"] for f in offline_flows.values() for e in f["evidence"]}
    cited_online = {e["source"] for f in online_flows.values() for e in f["evidence"]}
    assert "flow" in cited_offline and "flow" not in cited_online
    nta = next(s for s in run.document["sources"] if s["table"] == "NTANetAnalytics")
    # present, no flow of the vault yet, and the window ends inside Traffic Analytics' delay
    assert (nta["rows"], nta["status"]) == (0, "pending")
    assert "may still be arriving" in nta["detail"]
    legacy_ta = next(s for s in run.document["sources"] if s["table"] == "AzureNetworkAnalytics_CL")
    assert legacy_ta["status"] == "missing" and "not present in workspace" in legacy_ta["detail"]
    pending = "10.2.1.12"
    assert "after 2026-11-20T11:50:00Z" in online_flows[pending]["cause"]
    assert "after 2026-11-20T11:46:40Z" in offline_flows[pending]["cause"]
    for ip, flow in online_flows.items():
        if ip != pending:
            assert flow["cause"] == offline_flows[ip]["cause"], ip


def test_every_query_sent_is_recorded_with_its_kql_hash_and_workspace(
    live: tuple[Run, Any],
) -> None:
    run, api = live
    queries = run.document["queries"]
    # one probe, then one query per template with rows (was 29: every template x 1-hour chunk)
    assert len(queries) == len(SENT_TEMPLATES) == len(api.requests)
    assert {q["name"] for q in queries} == SENT_TEMPLATES
    per_table = Counter(q["name"] for q in queries)
    assert max(per_table.values()) == 1
    for record in queries:
        assert record["workspace"] == WORKSPACE
        assert record["kql"].startswith(f"// netlogs template {record['name']}:")
        assert record["sha256"] == hashlib.sha256(record["kql"].encode()).hexdigest()
    sent = sorted((r.query, r.timespan, r.workspace) for r in api.requests)
    recorded = sorted((q["kql"], q["timespan"], q["workspace"]) for q in queries)
    assert sent == recorded  # the JSON shows exactly what went over the wire
    ledger = run.document["ledger"]
    assert {e["status"] for e in ledger} == {"complete", "missing", "pending"}
    assert {e["template"] for e in ledger if e["status"] == "pending"} == {"flows_ntanetanalytics"}
    assert {e["query_sha256"] for e in ledger} - {""} == {q["sha256"] for q in queries}
    assert {e["template"] for e in ledger} == {*EVIDENCE_TEMPLATES, "coverage_probe"}
    kv_rows = sum(e["rows"] for e in ledger if e["template"].startswith("keyvault_"))
    assert kv_rows == 14 + 23  # AZKVAuditLogs + the vault's AzureDiagnostics rows


def test_the_token_reaches_the_service_but_no_output(
    live_trace: Any, scenario: ScenarioWorkspace, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    files = ("--json", str(out / "t.json"), "--html", str(out / "t.html"))
    run, api = live_trace(scenario, extra=(*files, "--markdown", str(out / "t.md")))
    assert run.code == 1, run.stderr
    assert {r.headers.get("authorization") for r in api.requests} == {f"Bearer {FAKE_TOKEN}"}
    written = {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}
    assert sorted(written) == ["t.html", "t.json", "t.md"]
    for text in (run.stdout, run.stderr, *written.values()):
        assert FAKE_TOKEN not in text and "Bearer" not in text
    assert json.loads(written["t.json"])["queries"] == run.document["queries"]


def test_forbidden_workspace_is_one_error_line_and_exit_2(
    live_trace: Any, scenario: ScenarioWorkspace
) -> None:
    def refuse_keyvault(template: str, request: FakeRequest) -> Reply | None:
        return Reply(403, forbidden_body()) if template.startswith("keyvault_") else None

    scenario_403 = ScenarioWorkspace(scenario.tables, override=refuse_keyvault)
    run, _ = live_trace(scenario_403)
    assert run.code == 2
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    assert f"workspace {WORKSPACE}" in lines[0] and "HTTP 403" in lines[0]
    assert "Log Analytics Reader" in lines[0]
    assert FAKE_TOKEN not in run.stderr


def test_partial_firewall_answer_never_proves_a_bypass(
    live_trace: Any, scenario: ScenarioWorkspace, offline: Run
) -> None:
    def partial_network_rules(template: str, request: FakeRequest) -> Reply | None:
        if template != "firewall_network_rules":
            return None
        from tests.trace_live.trace_live_scenario import project

        frame = project(scenario.rows_for(template, request), request.query)
        return Reply(200, low_memory_body(query_body(frame)))

    run, _ = live_trace(ScenarioWorkspace(scenario.tables, override=partial_network_rules))
    assert "Traceback" not in run.stderr
    document = run.document
    network = next(s for s in document["sources"] if s["table"] == "AZFWNetworkRule")
    assert network["family"] == "firewall" and network["status"] == "partial"
    assert "E_LOW_MEMORY_CONDITION" in network["detail"]
    ledger = [e for e in document["ledger"] if e["template"] == "firewall_network_rules"]
    assert {e["status"] for e in ledger} == {"partial"}
    flows = by_client(document)
    assert FIREWALL_BYPASS not in {flow["verdict"] for flow in flows.values()}
    # the jump host's bypass was proven by the firewall's silence; a partial answer proves no
    # silence, so that flow (and only that one) becomes INCONCLUSIVE and the gap names it
    jump = flows["10.0.1.10"]
    assert jump["verdict"] == "INCONCLUSIVE" and "partial" in jump["cause"]
    gap = next(g for g in document["gaps"] if g["kind"] == "partial_data")
    assert "10.0.1.10" in gap["clients"] and "AZFWNetworkRule" in gap["message"]
    complete = by_client(offline.document)
    changed = {ip for ip, flow in flows.items() if flow["verdict"] != complete[ip]["verdict"]}
    assert changed == {"10.0.1.10"}  # rows that did arrive still prove the other paths
    assert run.code == 1  # the service-endpoint and public-endpoint violations remain


def test_endpoint_and_ca_bundle_also_come_from_the_environment(
    scenario: ScenarioWorkspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    live_trace: Any,  # sets up the stub `az` and the credential chain
) -> None:
    from tests.sources.log_analytics.fake_query_api import FakeQueryApi

    with FakeQueryApi(scenario, tmp_path) as api:
        monkeypatch.setenv("NETLOGS_LA_ENDPOINT", api.endpoint)
        monkeypatch.setenv("NETLOGS_CA_BUNDLE", str(api.ca_file))
        run = invoke(trace_args("--workspace", WORKSPACE))
    assert run.code == 1, run.stderr
    assert len(api.requests) == len(SENT_TEMPLATES)
    assert {r.workspace for r in api.requests} == {WORKSPACE}


def test_the_coverage_probe_lags_decide_what_is_still_pending(
    live_trace: Any, scenario: ScenarioWorkspace
) -> None:
    """Live, the workspace's probe says how late rows arrive (offline only defaults exist)."""
    fast = ScenarioWorkspace(scenario.tables, lags={"keyvault": "00:01:00", "firewall": "00:01:00"})
    run, _ = live_trace(fast)
    assert run.code == 1, run.stderr
    latency = {
        g["message"].split(" logs after ")[0]: g
        for g in run.document["gaps"]
        if g["kind"] == "latency"
    }
    assert "after 2026-11-20T11:59:00Z" in latency["Key Vault"]["message"]
    assert "after 2026-11-20T11:59:00Z" in latency["firewall"]["message"]
    assert latency["Key Vault"]["next_step"].endswith("after 2026-11-20T12:01:00Z")
    # vm-orders-02's connection (11:56:40) is now settled, so "not yet observable" no longer
    # holds; the ambiguous 10.0.0.70 requests (11:30) are too early to be its own.
    orders_02 = by_client(run.document)["10.2.1.12"]
    assert orders_02["verdict"] == "NOT_REACHED"
