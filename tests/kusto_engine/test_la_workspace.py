"""The Log Analytics path of the kusto engine: `netlogs trace --workspace ... --engine kusto`
through the real azure-monitor-query client, against the HTTPS fake of the query API whose
answers come from duckdb-kql running the very query the client sent."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb_kql
import pytest

from netlogs.cli import main
from netlogs.pipeline.trace import trace
from netlogs.sources.files import FileSource
from tests.kusto_engine.conftest import SAMPLE, Scenario
from tests.kusto_engine.kql_answers import kql_table
from tests.sources.log_analytics.fake_query_api import FakeQueryApi, FakeRequest, Reply
from tests.sources.log_analytics.la_bodies import with_partial_error
from tests.trace_live.trace_live_support import AZ_SCRIPT, FAKE_TOKEN

WORKSPACE = "9b1d5c3e-7a2f-4e6b-8c0d-1f2e3a4b5c6d"
_TYPES = {"VARCHAR": "string", "BIGINT": "long", "INTEGER": "int", "BOOLEAN": "bool"}


def _kusto_type(duck_type: str) -> str:
    if duck_type.startswith("TIMESTAMP"):
        return "datetime"
    return _TYPES.get(duck_type, "dynamic" if duck_type.endswith("[]") else "string")


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps(value) if isinstance(value, list) else value


def duckdb_responder(con: Any, partial_marker: str | None = None) -> Any:
    """Answer each query with duckdb-kql's result, as the query API's JSON table."""

    def respond(request: FakeRequest) -> Reply:
        try:
            names, kinds, answer = kql_table(con, request.query)
        except duckdb_kql.KqlError as exc:  # as the service answers a query it cannot run
            inner = {"code": "SemanticError", "message": str(exc).splitlines()[0]}
            error = {"code": "BadArgumentError", "message": "invalid query", "innererror": inner}
            return Reply(400, {"error": error})
        columns = [
            {"name": name, "type": _kusto_type(kind)}
            for name, kind in zip(names, kinds, strict=True)
        ]
        rows = [[_cell(v) for v in row] for row in answer]
        body: dict[str, Any] = {
            "tables": [{"name": "PrimaryResult", "columns": columns, "rows": rows}]
        }
        if partial_marker is not None and partial_marker in request.query:
            body = with_partial_error(body, "-2133196797", "E_QUERY_RESULT_SET_TOO_LARGE: limit")
        return Reply(200, body)

    return respond


@pytest.fixture
def az_login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DefaultAzureCredential limited to a stub `az` that prints a fake token."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    az = bin_dir / "az"
    az.write_text(AZ_SCRIPT)
    az.chmod(az.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "AzureCliCredential")
    monkeypatch.delenv("NETLOGS_LA_ENDPOINT", raising=False)
    monkeypatch.delenv("NETLOGS_CA_BUNDLE", raising=False)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _args(scenario: Scenario, api: FakeQueryApi) -> list[str]:
    request = scenario.request()
    assert request.window is not None
    iso = "%Y-%m-%dT%H:%M:%S.%fZ"
    return [
        "trace", "--vault", "kv-contoso-prod", "--topology", str(SAMPLE / "topology.yaml"),
        "--workspace", WORKSPACE, "--engine", "kusto",
        "--start", request.window.start.strftime(iso), "--end", request.window.end.strftime(iso),
        "--now", request.now.strftime(iso), "--format", "json",
        "--endpoint", api.endpoint, "--ca-bundle", str(api.ca_file),
    ]  # fmt: skip


@pytest.mark.usefixtures("az_login")
def test_workspace_trace_runs_the_facts_in_the_workspace(
    sample_scenario: Scenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeQueryApi(duckdb_responder(sample_scenario.con), tmp_path) as api:
        code, out, err = _run(_args(sample_scenario, api), capsys)
        sent = [request.query for request in api.requests]
    assert code in (1, 3), err
    document = json.loads(out)
    assert document["engine"]["name"] == "kusto" and document["engine"]["target"] == WORKSPACE
    assert [q.splitlines()[0].split(":")[0] for q in sent] == [
        "// netlogs template facts_sources",
        "// netlogs template facts_common",  # facts_set_aside
        "// netlogs template coverage_probe",
        "// netlogs template facts_common",
        "// netlogs template facts_common",
        "// netlogs template facts_dns",
    ]
    ledger = {e["template"]: e["status"] for e in document["ledger"]}
    assert ledger["coverage_probe"] == "missing" and ledger["facts_clients"] == "complete"
    local = trace(
        sample_scenario.request(), FileSource(sample_scenario.logs), sample_scenario.topology
    )
    assert [(f["client_ip"], f["verdict"]) for f in document["flows"]] == [
        (f.client_ip, f.verdict.value) for f in local.flows
    ]
    assert FAKE_TOKEN not in out + err


@pytest.mark.usefixtures("az_login")
def test_workspace_partial_error_is_marked_partial(
    sample_scenario: Scenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    responder = duckdb_responder(
        sample_scenario.con, partial_marker="netlogs template facts_clients"
    )
    with FakeQueryApi(responder, tmp_path) as api:
        code, out, err = _run(_args(sample_scenario, api), capsys)
    assert code in (1, 3), err
    document = json.loads(out)
    ledger = {e["template"]: e for e in document["ledger"]}
    assert ledger["facts_clients"]["status"] == "partial"
    assert "E_QUERY_RESULT_SET_TOO_LARGE" in ledger["facts_clients"]["detail"], document["ledger"]
    assert {s["status"] for s in document["sources"]} == {"partial"}
    # the report says so: a gap names the partial source
    assert any("partial" in g["message"] for g in document["gaps"]), document["gaps"]
