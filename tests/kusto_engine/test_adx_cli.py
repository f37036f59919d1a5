"""The ADX path end to end: `netlogs trace --cluster` through azure-kusto-data against
`duckdb-kql serve` (no token: NETLOGS_KUSTO_NO_AUTH=1), including a server error and a
partial result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netlogs.cli import main
from netlogs.json_schemas import TRACE_V1, schema_errors
from netlogs.pipeline.trace import trace
from netlogs.sources.files import FileSource
from tests.kusto_engine.conftest import SAMPLE, Scenario
from tests.kusto_engine.kusto_server import TRUNCATED, partial_proxy


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run the CLI in process: (exit code, stderr)."""
    capsys.readouterr()
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


def _args(scenario: Scenario, cluster: str, database: str, out: Path) -> list[str]:
    request = scenario.request()
    assert request.window is not None
    iso = "%Y-%m-%dT%H:%M:%S.%fZ"
    return [
        "trace", "--vault", "kv-contoso-prod", "--topology", str(SAMPLE / "topology.yaml"),
        "--cluster", cluster, "--database", database,
        "--start", request.window.start.strftime(iso), "--end", request.window.end.strftime(iso),
        "--now", request.now.strftime(iso), "--json", str(out), "--format", "json",
    ]  # fmt: skip


def test_trace_on_a_cluster_matches_the_local_engine(
    served: str,
    sample_scenario: Scenario,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("NETLOGS_KUSTO_NO_AUTH", "1")
    out = tmp_path / "trace.json"
    html = tmp_path / "report.html"
    code, err = _run([*_args(sample_scenario, served, "netlogs", out), "--html", str(html)], capsys)
    assert code in (1, 3), err
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["engine"]["name"] == "kusto"
    assert schema_errors(document, TRACE_V1) == []
    page = html.read_text(encoding="utf-8")  # the engine, its query and the hash are cited
    assert 'id="engine">' in page and document["engine"]["query_sha256"] in page
    assert "netlogs template facts_clients" in page
    assert document["engine"]["target"] == f"{served}/netlogs"
    assert len(document["engine"]["query_sha256"]) == 64
    statuses = {e["template"]: e["status"] for e in document["ledger"]}
    assert statuses == {
        "facts_sources": "complete",
        "facts_set_aside": "complete",  # rows left out for a malformed client address
        "coverage_probe": "missing",  # the emulator has no ingestion_time(): default lags
        "facts_clients": "complete",
        "facts_cited": "complete",
        "facts_dns": "complete",  # no legacy firewall text: no facts_unparsed query
    }
    probe = next(e for e in document["ledger"] if e["template"] == "coverage_probe")
    assert "ingestion latency not measured: default lags used" in probe["detail"]
    local = trace(
        sample_scenario.request(), FileSource(sample_scenario.logs), sample_scenario.topology
    )
    expected = [(f.client_ip, f.verdict.value) for f in local.flows]
    assert [(f["client_ip"], f["verdict"]) for f in document["flows"]] == expected
    # `netlogs report` reads the document back, engine record included
    code, err = _run(["report", str(out), "--markdown", str(tmp_path / "r.md")], capsys)
    assert code == 0, err
    markdown = (tmp_path / "r.md").read_text(encoding="utf-8")
    sha = document["engine"]["query_sha256"]
    assert f"facts computed by kusto at {served}/netlogs" in markdown.replace("\\", "")
    assert sha[:16] in markdown


def test_partial_answer_is_marked_partial(
    served: str,
    sample_scenario: Scenario,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("NETLOGS_KUSTO_NO_AUTH", "1")
    # every cited-rows answer is cut: the clients are halved once (two shares), then the
    # window is too short to slice; with the default 64 shares this asked 127 queries
    monkeypatch.setattr("netlogs.pipeline.kusto_runs.MAX_CLIENT_SHARES", 2)
    out = tmp_path / "trace.json"
    with partial_proxy(served, "netlogs template facts_cited") as proxy:
        code, err = _run(_args(sample_scenario, proxy, "netlogs", out), capsys)
    assert code in (1, 3), err
    document = json.loads(out.read_text(encoding="utf-8"))
    cited = [e for e in document["ledger"] if e["template"] == "facts_cited"]
    assert [e["status"] for e in cited] == ["partial", "partial"]  # one entry per share
    assert all(TRUNCATED.split(":")[0] in e["detail"] for e in cited)
    assert all("asked per half of them" in e["detail"] for e in cited)
    ledger = {e["template"]: e for e in document["ledger"]}
    assert ledger["facts_clients"]["status"] == "complete"
    assert {s["status"] for s in document["sources"]} == {"partial"}


def test_server_error_is_one_line_exit_2(
    served: str,
    sample_scenario: Scenario,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("NETLOGS_KUSTO_NO_AUTH", "1")
    out = tmp_path / "trace.json"
    code, err = _run(_args(sample_scenario, served, "NoSuchDatabase", out), capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: facts_sources failed on "), err
    assert "Traceback" not in err and not out.exists()


def test_no_auth_is_only_for_loopback(
    sample_scenario: Scenario,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("NETLOGS_KUSTO_NO_AUTH", "1")
    args = _args(sample_scenario, "http://kusto.example.com", "db", tmp_path / "t.json")
    code, err = _run(args, capsys)
    assert code == 2
    assert "only connects to a local emulator" in err
