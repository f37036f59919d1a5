"""LogAnalyticsSource against the HTTPS fake, driven by the real azure-monitor-query client."""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import timedelta

import polars as pl
import pytest

from netlogs.errors import AuthError, QueryError, SourceError
from netlogs.model import SourceStatus
from netlogs.sources.log_analytics import RetrySettings
from netlogs.sources.log_analytics.chunks import ResponseLimits
from tests.sources.log_analytics.fake_query_api import FakeRequest, Reply
from tests.sources.log_analytics.la_bodies import (
    COVERAGE_COLUMNS,
    fixture_json,
    forbidden_body,
    network_rule_rows,
    syntax_error_body,
    table_body,
    truncated_body,
)
from tests.sources.log_analytics.la_support import (
    WINDOW_START,
    WORKSPACE,
    WORKSPACE_2,
    StaticTokenCredential,
    network_rule_template,
    probe_template,
)


def rows_for(request: FakeRequest, per_chunk: int = 5) -> Reply:
    """Rows stamped at the start of the chunk the request's timespan asks for."""
    start = request.timespan.split("/")[0]
    hour = int(start[11:13])
    return Reply(200, table_body(network_rule_rows(per_chunk, WINDOW_START.replace(hour=hour))))


def test_success_returns_typed_frame_ledger_and_query(fake_api, make_source, evidence_query):
    api = fake_api(rows_for)
    credential = StaticTokenCredential()
    evidence = make_source(api, credential=credential).collect(evidence_query())

    (table,) = evidence.raw_tables
    assert table.table == "AZFWNetworkRule"
    assert table.origin == f"{network_rule_template()}@{WORKSPACE}"
    assert table.status is SourceStatus.COMPLETE
    assert table.frame.height == 5
    assert table.frame.schema["TimeGenerated"] == pl.Datetime("us", "UTC")
    assert table.frame.schema["DestinationPort"] == pl.Int32
    assert table.frame["SourceIp"][0] == "10.2.0.4"

    (entry,) = evidence.ledger
    (request,) = api.requests
    assert (entry.rows, entry.status, entry.server_time_ms) == (5, SourceStatus.COMPLETE, 250.0)
    assert entry.query_sha256 == hashlib.sha256(request.query.encode()).hexdigest()
    assert evidence.queries[0].kql == request.query
    # what went over the wire: the workspace path, the chunk timespan, auth and preferences
    assert request.path == f"/v1/workspaces/{WORKSPACE}/query"
    assert request.timespan == "2026-11-20T10:00:00Z/2026-11-20T11:00:00Z"
    assert request.headers["authorization"] == f"Bearer {StaticTokenCredential.TOKEN}"
    assert "include-statistics=true" in request.headers["prefer"]
    assert credential.scopes  # the SDK asked our credential for the token


def test_multi_chunk_and_two_workspaces_keep_time_order(fake_api, make_source, evidence_query):
    api = fake_api(rows_for)
    source = make_source(api, workspaces=[WORKSPACE, WORKSPACE_2], chunk=timedelta(hours=1))
    evidence = source.collect(evidence_query(hours=3))

    assert len(api.requests) == 6
    assert sorted({r.workspace for r in api.requests}) == sorted([WORKSPACE, WORKSPACE_2])
    assert [t.origin.split("@")[1] for t in evidence.raw_tables] == sorted([WORKSPACE, WORKSPACE_2])
    for table in evidence.raw_tables:
        assert table.frame.height == 15
        assert table.frame["TimeGenerated"].is_sorted()
    starts = [(e.workspace, e.start.hour) for e in evidence.ledger]
    assert starts == sorted(starts) and len(starts) == 6
    assert all(e.rows == 5 and e.status is SourceStatus.COMPLETE for e in evidence.ledger)


def test_partial_error_keeps_rows_and_marks_partial(fake_api, make_source, evidence_query):
    api = fake_api(lambda r: Reply(200, fixture_json("la_api_partial_error_200.json")))
    evidence = make_source(api).collect(evidence_query())

    (table,) = evidence.raw_tables
    assert table.status is SourceStatus.PARTIAL
    assert table.frame["percentile_x_50"].to_list() == [2]
    (entry,) = evidence.ledger
    assert entry.status is SourceStatus.PARTIAL and entry.rows == 1
    assert "PartialError" in entry.detail and "E_OVERFLOW" in entry.detail
    assert "E_OVERFLOW" in table.detail


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        (Reply(204), "204 No Content"),
        (Reply(200, None), "empty answer body"),
        (Reply(200, {"tables": []}), "without a result table"),
    ],
    ids=["204", "empty-body", "no-tables"],
)
def test_an_answer_without_a_table_is_never_complete_evidence(
    fake_api, make_source, evidence_query, reply, said
):
    api = fake_api(lambda r: reply)
    evidence = make_source(api).collect(evidence_query())

    (entry,) = evidence.ledger
    assert (entry.rows, entry.status) == (0, SourceStatus.PARTIAL)
    assert said in entry.detail and "proves no absence" in entry.detail
    (table,) = evidence.raw_tables
    assert table.status is SourceStatus.PARTIAL and said in table.detail


def test_400_syntax_error_surfaces_line_and_position(fake_api, make_source, evidence_query):
    api = fake_api(lambda r: Reply(400, syntax_error_body()))
    with pytest.raises(QueryError) as caught:
        make_source(api).collect(evidence_query())

    message = str(caught.value)
    assert "line 3, position 2" in message
    assert "SyntaxError" in message and WORKSPACE in message and network_rule_template() in message
    assert "\n" not in message
    assert len(api.requests) == 1  # a syntax error is not retried


def test_403_is_an_auth_error_naming_workspace_and_role(fake_api, make_source, evidence_query):
    api = fake_api(lambda r: Reply(403, forbidden_body()))
    with pytest.raises(AuthError) as caught:
        make_source(api).collect(evidence_query())

    message = str(caught.value)
    assert WORKSPACE in message and "az login" in message and "Log Analytics Reader" in message
    assert "InsufficientAccessError" in message
    assert StaticTokenCredential.TOKEN not in message


def test_credential_failure_is_an_auth_error(fake_api, make_source, evidence_query):
    from azure.core.exceptions import ClientAuthenticationError

    class NoLogin:
        def get_token(self, *scopes: str, **kwargs: object) -> object:
            raise ClientAuthenticationError(
                "Please run 'az login' to set up an account.\nmore detail"
            )

    api = fake_api(rows_for)
    with pytest.raises(AuthError, match=r"could not get an Azure token.*az login") as caught:
        make_source(api, credential=NoLogin()).collect(evidence_query())
    assert "\n" not in str(caught.value) and api.requests == []


def test_429_retry_after_is_honoured_then_succeeds(fake_api, make_source, evidence_query):
    calls = []

    def responder(request: FakeRequest) -> Reply:
        calls.append(request)
        if len(calls) == 1:
            return Reply(
                429,
                {"error": {"code": "TooManyRequests", "message": "slow down"}},
                headers={"Retry-After": "1"},
            )
        return rows_for(request)

    api = fake_api(responder)
    evidence = make_source(api).collect(evidence_query())

    assert len(api.requests) == 2
    waited = api.requests[1].received - api.requests[0].received
    assert 0.9 <= waited < 5.0
    assert evidence.ledger[0].status is SourceStatus.COMPLETE and evidence.ledger[0].rows == 5


def test_retry_after_is_capped_so_runs_stay_bounded(fake_api, make_source, evidence_query):
    calls = []

    def responder(request: FakeRequest) -> Reply:
        calls.append(request)
        if len(calls) == 1:
            return Reply(429, None, headers={"Retry-After": "3600"})
        return rows_for(request)

    api = fake_api(responder)
    retry = RetrySettings(total=2, backoff_factor=0.05, max_retry_after=0.2, read_timeout=10.0)
    started = time.monotonic()
    make_source(api, retry=retry).collect(evidence_query())
    assert time.monotonic() - started < 5.0 and len(api.requests) == 2


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_then_success(fake_api, make_source, evidence_query, status):
    calls = []

    def responder(request: FakeRequest) -> Reply:
        calls.append(request)
        if len(calls) == 1:
            return Reply(status, {"error": {"code": "InternalServerError", "message": "boom"}})
        return rows_for(request)

    api = fake_api(responder)
    evidence = make_source(api).collect(evidence_query())
    assert len(api.requests) == 2
    assert evidence.ledger[0].rows == 5 and evidence.ledger[0].status is SourceStatus.COMPLETE


def test_5xx_every_time_fails_after_bounded_retries(fake_api, make_source, evidence_query):
    api = fake_api(lambda r: Reply(504, fixture_json("la_api_error_504_GatewayTimeout.json")))
    with pytest.raises(QueryError, match=r"timed out on the service.*ADX query timed out"):
        make_source(api).collect(evidence_query())
    assert len(api.requests) == 3  # first try + RetrySettings(total=2)


def test_client_read_timeout_names_workspace_and_chunk(fake_api, make_source, evidence_query):
    api = fake_api(lambda r: Reply(200, table_body([]), delay=2.0))
    retry = RetrySettings(total=0, read_timeout=0.4)
    started = time.monotonic()
    with pytest.raises(SourceError) as caught:
        make_source(api, retry=retry).collect(evidence_query())
    message = str(caught.value)
    assert WORKSPACE in message and "2026-11-20T10:00:00Z/2026-11-20T11:00:00Z" in message
    assert "0.4 s" in message
    assert time.monotonic() - started < 2.0


def test_truncated_chunk_is_split_in_halves(fake_api, make_source, evidence_query):
    def responder(request: FakeRequest) -> Reply:
        if request.timespan.endswith("/2026-11-20T11:00:00Z") and request.timespan.startswith(
            "2026-11-20T10:00:00Z"
        ):
            return Reply(200, truncated_body(network_rule_rows(3, WINDOW_START)))
        return Reply(200, table_body(network_rule_rows(4, WINDOW_START)))

    api = fake_api(responder)
    evidence = make_source(api).collect(evidence_query())

    assert [r.timespan for r in api.requests[1:]] == [
        "2026-11-20T10:00:00Z/2026-11-20T10:30:00Z",
        "2026-11-20T10:30:00Z/2026-11-20T11:00:00Z",
    ]
    assert [(e.start.minute, e.end.minute, e.rows, e.status) for e in evidence.ledger] == [
        (0, 30, 4, SourceStatus.COMPLETE),
        (30, 0, 4, SourceStatus.COMPLETE),
    ]
    assert evidence.raw_tables[0].frame.height == 8
    assert evidence.raw_tables[0].status is SourceStatus.COMPLETE


def test_row_limit_splits_until_the_smallest_chunk_then_marks_partial(
    fake_api, make_source, evidence_query
):
    api = fake_api(lambda r: Reply(200, table_body(network_rule_rows(3, WINDOW_START))))
    limits = ResponseLimits(max_rows=3, min_chunk=timedelta(minutes=20))
    evidence = make_source(api, limits=limits).collect(evidence_query())

    assert len(api.requests) == 3  # 60 min, then 2 x 30 min (30/2 < 20 min: no further split)
    assert [e.status for e in evidence.ledger] == [SourceStatus.PARTIAL] * 2
    assert "3-row response limit" in evidence.ledger[0].detail
    assert evidence.raw_tables[0].status is SourceStatus.PARTIAL


def test_concurrency_is_bounded(fake_api, make_source, evidence_query):
    in_flight = {"now": 0, "max": 0}
    lock = threading.Lock()

    def responder(request: FakeRequest) -> Reply:
        with lock:
            in_flight["now"] += 1
            in_flight["max"] = max(in_flight["max"], in_flight["now"])
        time.sleep(0.15)
        with lock:
            in_flight["now"] -= 1
        return rows_for(request, per_chunk=1)

    api = fake_api(responder)
    source = make_source(api, max_concurrency=2, chunk=timedelta(minutes=10))
    evidence = source.collect(evidence_query(hours=2))
    assert len(evidence.ledger) == 12
    assert in_flight["max"] == 2


def test_response_types_sample_builds_declared_dtypes(fake_api, make_source, evidence_query):
    api = fake_api(lambda r: Reply(200, fixture_json("la_api_response_types.json")))
    frame = make_source(api).collect(evidence_query()).raw_tables[0].frame
    assert frame.schema == pl.Schema(
        {
            "stringcolumn": pl.String,
            "boolcolumn": pl.Boolean,
            "datecolumn": pl.Datetime("us", "UTC"),
            "intcolumn": pl.Int32,
            "longcolumn": pl.Int64,
            "realcolumn": pl.Float64,
        }
    )
    assert frame.row(0)[:2] == ("hello", True) and frame.row(0)[3:] == (100, 101, 102.1)


def test_coverage_probe_runs_once_per_workspace_and_yields_lags(
    fake_api, make_source, evidence_query
):
    columns = COVERAGE_COLUMNS
    rows = [
        [
            "AZFWNetworkRule",
            120,
            "2026-11-20T10:00:01Z",
            "2026-11-20T12:58:00.1234567Z",
            "00:09:30",
            "00:04:12.5000000",
            "00:09:30",
            "00:04:12.5000000",
        ],
        [
            "NTANetAnalytics",
            4,
            "2026-11-20T10:10:00Z",
            "2026-11-20T12:10:00Z",
            "00:20:00",
            "00:18:00",
            "1.02:03:04",
            "01:05:00",
        ],
    ]
    api = fake_api(lambda r: Reply(200, table_body(rows, columns)))
    source = make_source(
        api,
        templates=[probe_template()],
        workspaces=[WORKSPACE, WORKSPACE_2],
        chunk=timedelta(hours=1),
    )
    evidence = source.collect(evidence_query(hours=3))

    assert len(api.requests) == 2  # one per workspace, over the whole window (not chunked)
    assert {r.timespan for r in api.requests} == {"2026-11-20T10:00:00Z/2026-11-20T13:00:00Z"}
    assert evidence.raw_tables == ()  # the probe is coverage metadata, not evidence
    lags = {lag.table: lag for lag in evidence.lags[:2]}
    assert lags["AZFWNetworkRule"].lag == timedelta(minutes=4, seconds=12, microseconds=500000)
    assert lags["NTANetAnalytics"].lag == timedelta(hours=1, minutes=5)
    assert lags["AZFWNetworkRule"].last_record == WINDOW_START.replace(
        hour=12, minute=58, microsecond=123456
    )
    assert [e.template for e in evidence.ledger] == [probe_template()] * 2


def test_throttled_every_time_fails_after_bounded_retries(fake_api, make_source, evidence_query):
    api = fake_api(lambda r: Reply(429, None, headers={"Retry-After": "30"}))
    retry = RetrySettings(total=1, max_retry_after=0.1, read_timeout=10.0)
    started = time.monotonic()
    with pytest.raises(SourceError, match=rf"workspace {WORKSPACE}: still throttled \(HTTP 429\)"):
        make_source(api, retry=retry).collect(evidence_query())
    assert len(api.requests) == 2 and time.monotonic() - started < 5.0
