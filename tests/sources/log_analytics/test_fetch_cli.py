"""`netlogs fetch` end to end: the real CLI and DefaultAzureCredential (stub `az`), HTTPS fake."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import polars as pl
import pytest

from netlogs.testing import invoke
from tests.sources.log_analytics.fake_query_api import FakeRequest, Reply
from tests.sources.log_analytics.la_bodies import (
    fixture_json,
    forbidden_body,
    network_rule_rows,
    probe_body,
    syntax_error_body,
    table_body,
)
from tests.sources.log_analytics.la_support import (
    WINDOW_START,
    WORKSPACE,
    network_rule_template,
)

AZ_OK = """#!/bin/sh
echo '{"accessToken": "test-token-not-a-secret", "expiresOn": "2099-01-01 00:00:00.000000",
 "expires_on": 4070908800, "tokenType": "Bearer", "subscription": "s", "tenant": "t"}'
"""
AZ_LOGGED_OUT = """#!/bin/sh
echo "ERROR: Please run 'az login' to setup account." >&2
exit 1
"""


def template_of(request: FakeRequest) -> str:
    """Rendered queries start with ``// netlogs template NAME: ...``."""
    first = request.query.splitlines()[0]
    return first.split("template", 1)[1].split(":", 1)[0].strip()


LEAD_START = "2026-11-20T09:49:55Z"  # the window less the reuse window + skew (keep-alives)


def in_window_network_rules(request: FakeRequest) -> bool:
    """The network-rule query (one chunk: the window and the firewall lead before it)."""
    return template_of(request) == network_rule_template()


def firewall_rows_else_empty(request: FakeRequest) -> Reply:
    """A workspace with 5 network-rule rows, empty Key Vault tables, nothing else."""
    if template_of(request) == "coverage_probe":
        return Reply(
            200, probe_body({"AZFWNetworkRule": 5, "AZKVAuditLogs": 0, "AzureDiagnostics": 0})
        )
    if in_window_network_rules(request):
        return Reply(200, table_body(network_rule_rows(5, WINDOW_START)))
    return Reply(200, table_body([]))


def first_then(first: Reply, then=firewall_rows_else_empty):
    calls: list[FakeRequest] = []

    def responder(request: FakeRequest) -> Reply:
        if in_window_network_rules(request):
            calls.append(request)
            if len(calls) == 1:
                return first
        return then(request)

    return responder


@pytest.fixture
def run_fetch(tmp_path, monkeypatch, fake_api):
    """Run `netlogs fetch` against the fake; returns (exit code, stdout, stderr, out dir, api)."""

    def run(responder, az_script: str = AZ_OK, extra: tuple[str, ...] = ()):
        api = fake_api(responder)
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir(exist_ok=True)
        az = bin_dir / "az"
        az.write_text(az_script)
        az.chmod(az.stat().st_mode | stat.S_IEXEC)
        monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
        monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "AzureCliCredential")
        monkeypatch.setenv("NETLOGS_LA_ENDPOINT", api.endpoint)
        monkeypatch.setenv("NETLOGS_CA_BUNDLE", str(api.ca_file))
        out = tmp_path / "evidence"
        args = [
            "fetch",
            "--workspace",
            WORKSPACE,
            "--vault",
            "kv-contoso-prod",
            "--start",
            "2026-11-20T10:00:00Z",
            "--end",
            "2026-11-20T11:00:00Z",
            "--retries",
            "1",
            "--out",
            str(out),
            *extra,
        ]
        run = invoke(args)
        return run.code, run.stdout, run.stderr, out, api

    return run


def ledger_of(out: Path) -> list[dict]:
    return json.loads((out / "ledger.json").read_text())["entries"]


def fw_entry(out: Path, start: str = LEAD_START) -> dict:
    """The network-rule ledger entry of the chunk starting at ``start`` (default: the window)."""
    entries = ledger_of(out)
    return next(
        e for e in entries if e["template"] == network_rule_template() and e["start"] == start
    )


def test_fetch_success_writes_tables_ledger_and_queries(run_fetch):
    code, stdout, stderr, out, api = run_fetch(firewall_rows_else_empty)

    assert code == 0, stderr
    assert "Traceback" not in stderr and "Saved" in stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "dns.parquet",
        "flows.parquet",
        "fw_events.parquet",
        "kv_requests.parquet",
        "ledger.json",
        "queries.json",
    ]
    fw = pl.read_parquet(out / "fw_events.parquet")
    assert fw.height == 5 and set(fw["dst_ip"]) == {"10.1.2.4"}
    entries = ledger_of(out)
    assert {e["status"] for e in entries} == {"complete", "missing"}
    sent = [e for e in entries if e["query_sha256"]]
    assert len(sent) == len(api.requests) == 2  # probe, network rules: the rest empty or absent
    assert fw_entry(out)["rows"] == 5 and fw_entry(out)["server_time_ms"] == 250.0
    # firewall records from the reuse window + skew before the window (keep-alive connections)
    # until the clock skew after it (a record stamped late still covers a request at the end)
    assert (fw_entry(out)["end"], fw_entry(out)["status"]) == ("2026-11-20T11:00:05Z", "complete")
    absent = {e["template"] for e in entries if e["status"] == "missing"}
    assert "flows_ntanetanalytics" in absent and "firewall_flow_trace" in absent
    queries = json.loads((out / "queries.json").read_text())["queries"]
    assert {q["sha256"] for q in queries} == {e["query_sha256"] for e in sent}
    assert all(q["kql"].startswith("// netlogs template") for q in queries)
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".evidence")]


def test_fetch_partial_result_exits_3_with_partial_ledger_and_one_warning_line(run_fetch):
    partial = fixture_json("la_api_partial_error_200.json")
    partial["tables"] = table_body(network_rule_rows(2, WINDOW_START))["tables"]
    code, _, stderr, out, _ = run_fetch(first_then(Reply(200, partial)))

    assert code == 3, stderr
    entry = fw_entry(out)
    assert (entry["status"], entry["rows"]) == ("partial", 2)
    assert "E_OVERFLOW" in entry["detail"]
    assert stderr.count("\n") == 1 and "Warning: 1 query chunk(s) partial" in stderr


def test_fetch_204_everywhere_is_partial_not_empty_evidence(run_fetch):
    code, _, stderr, out, _ = run_fetch(lambda r: Reply(204))
    assert code == 3, stderr
    entries = ledger_of(out)
    assert entries and all(e["status"] == "partial" and "204" in e["detail"] for e in entries)
    sources = json.loads((out / "ledger.json").read_text())["sources"]
    assert "complete" not in {s["status"] for s in sources}


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(400, syntax_error_body()), "line 3, position 2"),
        (Reply(403, forbidden_body()), "Log Analytics Reader"),
        (Reply(404, fixture_json("la_api_error_404_PathNotFound.json")), "check the workspace ID"),
        (
            Reply(401, {"error": {"code": "AuthenticationFailed", "message": "token expired"}}),
            "az login",
        ),
    ],
    ids=["400-syntax", "403-forbidden", "404-workspace", "401-token"],
)
def test_fetch_errors_exit_2_with_one_line_and_no_output(run_fetch, reply, expected):
    code, _, stderr, out, _ = run_fetch(first_then(reply, then=lambda r: Reply(204)))

    assert code == 2
    assert stderr.startswith("Error: ") and expected in stderr and WORKSPACE in stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert "test-token-not-a-secret" not in stderr
    assert not out.exists() and list(out.parent.glob(".evidence*")) == []


def test_fetch_not_logged_in_exits_2_telling_to_az_login(run_fetch):
    code, _, stderr, out, api = run_fetch(firewall_rows_else_empty, az_script=AZ_LOGGED_OUT)
    assert code == 2 and "az login" in stderr and "Traceback" not in stderr
    assert api.requests == [] and not out.exists()


@pytest.mark.parametrize(
    "first",
    [Reply(429, None, headers={"Retry-After": "1"}), Reply(503, None)],
    ids=["429-retry-after", "503"],
)
def test_fetch_retries_then_succeeds(run_fetch, first):
    code, _, stderr, out, api = run_fetch(first_then(first))
    assert code == 0, stderr
    assert fw_entry(out)["rows"] == 5 and fw_entry(out)["status"] == "complete"
    fw_requests = [r for r in api.requests if in_window_network_rules(r)]
    assert len(fw_requests) == 2


def test_fetch_deadline_marks_the_unanswered_chunk_partial_and_exits_3(run_fetch):
    def responder(request: FakeRequest) -> Reply:
        if template_of(request) == "coverage_probe":
            return Reply(200, probe_body({"AZFWNetworkRule": 5, "AZKVAuditLogs": 2}))
        if in_window_network_rules(request):
            return Reply(fault="silent", delay=10.0)
        return Reply(200, table_body([]))  # the Key Vault query is answered in time

    code, _, stderr, out, _ = run_fetch(responder, extra=("--timeout", "2"))
    assert code == 3, stderr
    assert fw_entry(out)["status"] == "partial"
    assert "--timeout deadline (2 s)" in fw_entry(out)["detail"]
    assert stderr.count("\n") == 1 and "Traceback" not in stderr


def test_fetch_with_nothing_answered_by_the_deadline_is_one_error_line(run_fetch):
    code, _, stderr, out, _ = run_fetch(
        lambda r: Reply(fault="silent", delay=10.0), extra=("--timeout", "1")
    )
    assert code == 2
    assert stderr.startswith("Error: no answer from Log Analytics within --timeout 1 s")
    assert stderr.count("\n") == 1 and not out.exists()


def test_fetch_refuses_a_non_empty_out_dir(run_fetch, tmp_path):
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "keep.txt").write_text("x")
    code, _, stderr, _, api = run_fetch(firewall_rows_else_empty)
    assert code == 2 and "exists and is not empty" in stderr and api.requests == []


def test_fetch_with_topology_pushes_pe_public_ips_and_firewalls_into_kql(run_fetch):
    topology = Path(__file__).parents[2] / "fixtures" / "sources_la" / "topology.yaml"
    code, _, stderr, out, api = run_fetch(
        firewall_rows_else_empty, extra=("--topology", str(topology))
    )
    assert code == 0, stderr
    fw_query = next(r.query for r in api.requests if template_of(r) == network_rule_template())
    assert "'10.1.2.4'" in fw_query and "'198.51.100.10'" in fw_query and "'fw-hub'" in fw_query
    assert json.loads((out / "ledger.json").read_text())["vault"] == "kv-contoso-prod"


def test_fetch_unknown_vault_in_topology_exits_2_before_querying(run_fetch, tmp_path):
    topology = Path(__file__).parents[2] / "fixtures" / "sources_la" / "topology.yaml"
    code, _, stderr, out, api = run_fetch(
        firewall_rows_else_empty, extra=("--topology", str(topology), "--vault", "kv-typo")
    )
    assert code == 2 and "unknown vault 'kv-typo'" in stderr
    assert api.requests == [] and not out.exists()


def test_importing_the_source_and_command_does_not_load_azure():
    import subprocess
    import sys

    code = (
        "import sys, netlogs.sources.log_analytics, netlogs.cli.fetch_cmd, netlogs.pipeline.fetch;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'azure'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
