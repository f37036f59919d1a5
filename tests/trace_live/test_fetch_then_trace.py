"""`netlogs fetch` then `netlogs trace --logs <fetch dir>`: the saved evidence must give the same
findings as tracing the workspace live (the offline-first promise of contract §6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from netlogs.testing import invoke
from tests.sources.log_analytics.fake_query_api import FakeQueryApi
from tests.trace_live.trace_live_scenario import ScenarioWorkspace
from tests.trace_live.trace_live_support import SAMPLE, WINDOW, WORKSPACE, trace_args

FINDING = ("verdict", "violation", "vault_outcome", "requests", "http_status", "snat_candidates")


def test_fetched_parquet_traces_like_the_live_workspace(
    live_trace: Any, scenario: ScenarioWorkspace, tmp_path: Path
) -> None:
    live_run, _ = live_trace(scenario)  # also puts the stub `az` on PATH for fetch
    out_dir = tmp_path / "evidence"
    (tmp_path / "fetch").mkdir()
    with FakeQueryApi(scenario, tmp_path / "fetch") as api:
        fetched = invoke(
            [
                "fetch",
                "--workspace",
                WORKSPACE,
                "--vault",
                "kv-contoso-prod",
                "--topology",
                str(SAMPLE / "topology.yaml"),
                *WINDOW,
                "--out",
                str(out_dir),
                "--endpoint",
                api.endpoint,
                "--ca-bundle",
                str(api.ca_file),
            ]
        )
    assert fetched.code == 0, fetched.stderr
    assert {p.name for p in out_dir.iterdir()} >= {
        "kv_requests.parquet",
        "fw_events.parquet",
        "flows.parquet",
        "dns.parquet",
        "ledger.json",
        "queries.json",
    }
    offline_run = invoke(trace_args("--logs", str(out_dir)))
    assert offline_run.code == live_run.code == 1, offline_run.stderr
    live_flows = {f["client_ip"]: f for f in live_run.document["flows"]}
    saved_flows = {f["client_ip"]: f for f in offline_run.document["flows"]}
    assert saved_flows.keys() == live_flows.keys()
    for ip, flow in saved_flows.items():
        assert {k: flow[k] for k in FINDING} == {k: live_flows[ip][k] for k in FINDING}, (
            ip,
            flow["cause"],
            offline_run.document["sources"],
        )
    statuses = {s["status"] for s in offline_run.document["sources"] if s["rows"]}
    assert statuses == {"complete"}  # the ledger said every chunk was complete
