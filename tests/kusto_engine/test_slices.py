"""Time-sliced execution: a facts query whose answer reports a server limit is run again per
half of the window (down to MIN_SLICE) and the slices' facts merge to the whole window's."""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from netlogs.correlate.kusto_facts import FactQuery, KustoAnswer
from netlogs.model import SourceStatus, TimeWindow, TraceResult
from netlogs.pipeline.kusto_trace import trace_in_kusto
from netlogs.pipeline.trace import trace
from netlogs.sources.files import FileSource
from tests.kusto_engine.conftest import DuckdbExecutor, Scenario
from tests.kusto_engine.kusto_server import TRUNCATED, partial_proxy
from tests.kusto_engine.test_adx_cli import _args, _run


class LimitedExecutor(DuckdbExecutor):
    """duckdb-kql, with the first ``limited`` answers of each facts query cut at a limit
    (``None``: every answer; ``reason``: what the server says)."""

    def __init__(self, con: object, limited: int | None, reason: str = TRUNCATED) -> None:
        super().__init__(con)
        self.limited, self.reason = limited, reason
        self.cut: dict[str, int] = {}

    def execute(self, query: FactQuery, window: TimeWindow) -> KustoAnswer:
        answer = super().execute(query, window)
        if query.name not in {"facts_clients", "facts_cited"}:
            return answer
        done = self.cut.get(query.name, 0)
        if self.limited is not None and done >= self.limited:
            return answer
        self.cut[query.name] = done + 1
        return KustoAnswer(answer.frame.head(answer.frame.height // 2), partial=self.reason)


def _entries(result: TraceResult, template: str) -> list[tuple[SourceStatus, str]]:
    return [(e.status, e.detail) for e in result.ledger if e.template == template]


@pytest.fixture
def short_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample spans under two hours: slices of 10 minutes let it split twice."""
    monkeypatch.setattr("netlogs.pipeline.kusto_runs.MIN_SLICE", timedelta(minutes=10))


@pytest.mark.usefixtures("short_slices")
@pytest.mark.parametrize("per_kind", [20, 3], ids=["default-cap", "cap-3"])
def test_limit_splits_the_window_and_the_facts_merge(
    sample_scenario: Scenario, per_kind: int
) -> None:
    # with 3 per kind, clients' kinds span slices with more rows than cited: the merge cuts
    request = sample_scenario.request(evidence_per_kind=per_kind)
    topology = sample_scenario.topology
    whole = trace_in_kusto(request, DuckdbExecutor(sample_scenario.con), topology)
    # whole window cut, first half cut, second half cut: four quarter slices answer
    sliced = trace_in_kusto(request, LimitedExecutor(sample_scenario.con, 3), topology)
    local = trace(request, FileSource(sample_scenario.logs), topology)
    assert [(f.client_ip, f.verdict) for f in sliced.flows] == [
        (f.client_ip, f.verdict) for f in local.flows
    ]
    assert sliced.flows == whole.flows  # every fact and citation, client for client
    for template in ("facts_clients", "facts_cited"):
        entries = _entries(sliced, template)
        assert len(entries) == 4
        assert {status for status, _ in entries} == {SourceStatus.COMPLETE}
        assert all("hit a limit" in detail for _, detail in entries)
    # the cited rows (at most N per client and kind in every slice) split by clients, not time
    cited = [e for e in sliced.ledger if e.template == "facts_cited"]
    assert all("asked per half of them" in e.detail for e in cited), [e.detail for e in cited]
    assert any(e.detail.startswith("all clients (IPv4 address) hit a limit") for e in cited)
    assert {(e.start, e.end) for e in cited} == {(request.window.start, request.window.end)}
    spans = [(e.start, e.end) for e in sliced.ledger if e.template == "facts_clients"]
    assert request.window is not None
    assert spans[0][0] == request.window.start and spans[-1][1] == request.window.end
    assert all(a[1] == b[0] for a, b in pairwise(spans))  # no gap, no overlap
    assert {s.status for s in sliced.sources} == {SourceStatus.COMPLETE}


def test_limit_at_the_smallest_slice_stays_partial(
    sample_scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("netlogs.pipeline.kusto_runs.MIN_SLICE", timedelta(minutes=30))
    monkeypatch.setattr("netlogs.pipeline.kusto_runs.MAX_CLIENT_SHARES", 2)
    request = sample_scenario.request()
    executor = LimitedExecutor(sample_scenario.con, None)
    result = trace_in_kusto(request, executor, sample_scenario.topology)
    entries = _entries(result, "facts_clients")
    # 114 minutes: two halves of 57 minutes, not split again (under twice 30)
    assert len(entries) == 2
    assert {status for status, _ in entries} == {SourceStatus.PARTIAL}
    assert all("E_QUERY_RESULT_SET_TOO_LARGE" in detail for _, detail in entries)
    assert {s.status for s in result.sources} == {SourceStatus.PARTIAL}
    # the cited rows: two shares of the clients, then each share in two time slices
    cited = _entries(result, "facts_cited")
    assert len(cited) == 4 and {status for status, _ in cited} == {SourceStatus.PARTIAL}


@pytest.mark.usefixtures("short_slices")
def test_a_partial_answer_that_is_no_limit_is_not_sliced(sample_scenario: Scenario) -> None:
    executor = LimitedExecutor(sample_scenario.con, None, reason="query was cancelled")
    result = trace_in_kusto(sample_scenario.request(), executor, sample_scenario.topology)
    assert _entries(result, "facts_clients") == [(SourceStatus.PARTIAL, "query was cancelled")]
    assert {s.status for s in result.sources} == {SourceStatus.PARTIAL}


@pytest.mark.usefixtures("short_slices")
def test_cluster_limit_answer_is_sliced_end_to_end(
    served: str,
    sample_scenario: Scenario,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("NETLOGS_KUSTO_NO_AUTH", "1")
    out = tmp_path / "trace.json"
    with partial_proxy(served, "netlogs template facts_clients", times=1) as proxy:
        code, err = _run(_args(sample_scenario, proxy, "netlogs", out), capsys)
    assert code in (1, 3), err
    document = json.loads(out.read_text(encoding="utf-8"))
    clients = [e for e in document["ledger"] if e["template"] == "facts_clients"]
    assert [e["status"] for e in clients] == ["complete", "complete"]
    assert all("E_QUERY_RESULT_SET_TOO_LARGE" in e["detail"] for e in clients)
    assert {s["status"] for s in document["sources"]} == {"complete"}
    local = trace(
        sample_scenario.request(), FileSource(sample_scenario.logs), sample_scenario.topology
    )
    expected = [(f.client_ip, f.verdict.value, f.requests) for f in local.flows]
    assert [(f["client_ip"], f["verdict"], f["requests"]) for f in document["flows"]] == expected
