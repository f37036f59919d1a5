"""Property: whatever mix of faults a workspace answers with, a chunk is complete only when its
last answer was a result table, its rows are the rows that answer carried, and anything else
ends as a partial chunk or one NetlogsError line, never another exception.

One HTTPS fake serves every example; each HTTP request takes the next fault of the drawn script
(retries included), so the SDK's retries and netlogs' own are exercised too.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netlogs.errors import NetlogsError
from netlogs.model import SourceStatus
from netlogs.sources.log_analytics import RetrySettings
from tests.sources.log_analytics.fake_query_api import FakeRequest, Reply
from tests.sources.log_analytics.la_bodies import low_memory_body, network_rule_rows, table_body
from tests.sources.log_analytics.la_support import WINDOW_START

ROWS = network_rule_rows(2, WINDOW_START)
ANSWERS = {  # fault -> the rows a chunk may keep when this was its last answer
    "ok": 2,
    "ok_empty": 0,
}
PARTIAL = {"204", "empty_body", "no_tables", "partial_error"}
FAULTS = sorted({*ANSWERS, *PARTIAL, "reset", "trickle", "500", "429"})


def reply_for(fault: str) -> Reply:
    if fault == "ok":
        return Reply(200, table_body(ROWS))
    if fault == "ok_empty":
        return Reply(200, table_body([]))
    if fault == "204":
        return Reply(204)
    if fault == "empty_body":
        return Reply(200, None)
    if fault == "no_tables":
        return Reply(200, {"tables": []})
    if fault == "partial_error":
        return Reply(200, low_memory_body(table_body(ROWS)))
    if fault in ("reset", "trickle"):
        return Reply(200, table_body(ROWS), fault=fault, trickle_every=0.02)
    if fault == "429":
        return Reply(429, None, headers={"Retry-After": "0"})
    return Reply(500, {"error": {"code": "InternalServerError", "message": "boom"}})


class Script:
    """The responder: request i gets fault i (cycling); remembers each chunk's last fault."""

    def __init__(self) -> None:
        self.faults: list[str] = ["ok"]
        self.last: dict[str, str] = {}
        self.count = 0
        self.lock = threading.Lock()

    def reset(self, faults: list[str]) -> None:
        with self.lock:
            self.faults, self.last, self.count = faults, {}, 0

    def __call__(self, request: FakeRequest) -> Reply:
        with self.lock:
            fault = self.faults[self.count % len(self.faults)]
            self.count += 1
            self.last[request.timespan] = fault
        return reply_for(fault)


def test_any_mix_of_faults_ends_honestly(fake_api: Any, make_source: Any, evidence_query: Any):
    script = Script()
    api = fake_api(script)
    retry = RetrySettings(total=1, backoff_factor=0.01, backoff_max=0.05, read_timeout=0.4)

    @settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(st.lists(st.sampled_from(FAULTS), min_size=1, max_size=6))
    def run(faults: list[str]) -> None:
        script.reset(faults)
        # one chunk at a time: a failed run leaves no request in flight into the next example
        source = make_source(
            api, retry=retry, chunk=timedelta(minutes=30), timeout_s=20, max_concurrency=1
        )
        try:
            evidence = source.collect(evidence_query())
        except NetlogsError as exc:
            assert "\n" not in str(exc) and str(exc)
            assert set(script.last.values()) - {*ANSWERS, *PARTIAL}, (faults, str(exc))
            return
        assert len(evidence.ledger) == 2
        for entry in evidence.ledger:
            last = script.last[f"{_iso(entry.start)}/{_iso(entry.end)}"]
            if entry.status is SourceStatus.COMPLETE:
                assert last in ANSWERS and entry.rows == ANSWERS[last], (faults, entry)
            else:
                assert entry.status is SourceStatus.PARTIAL and last in PARTIAL, (faults, entry)
                assert entry.detail
        table_status = {t.status for t in evidence.raw_tables}
        chunk_status = {e.status for e in evidence.ledger}
        assert (SourceStatus.PARTIAL in table_status) == (SourceStatus.PARTIAL in chunk_status)

    run()


def _iso(moment: Any) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


