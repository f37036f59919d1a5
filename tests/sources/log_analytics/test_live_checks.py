"""Live answers checked against each other, planned from the probe, bounded in time.

The real ``LogsQueryClient`` against the HTTPS fake: a workspace described by the coverage
probe's row counts, and faults a real network produces (204, empty bodies, trickles, resets,
silence), each with short deadlines so every test ends in seconds.
"""

from __future__ import annotations

import _thread
import itertools
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from netlogs import kql
from netlogs.errors import ConfigError, SourceError
from netlogs.model import SourceStatus
from netlogs.sources.log_analytics import RetrySettings
from netlogs.sources.log_analytics.chunks import ResponseLimits
from netlogs.sources.log_analytics.plan import CollectInterrupted
from tests.sources.log_analytics.fake_query_api import FakeRequest, Reply
from tests.sources.log_analytics.la_bodies import (
    network_rule_rows,
    probe_body,
    table_body,
    unknown_table_body,
)
from tests.sources.log_analytics.la_support import (
    WINDOW_START,
    WORKSPACE,
    WORKSPACE_2,
    StaticTokenCredential,
)

ALL_TEMPLATES = [t.name for t in kql.list_templates()]
TABLE_OF = {t.name: t.tables[0] for t in kql.list_templates() if t.family != "probe"}
# A workspace the size of the sample scenario: Key Vault in both tables, structured and legacy
# firewall rows, no Traffic Analytics table at all.
SAMPLE_SIZED = {
    "AZKVAuditLogs": 14,
    "AzureDiagnostics": 0,
    "AzureDiagnostics/AuditEvent": 23,
    "AzureDiagnostics/AzureFirewallNetworkRule": 9,
    "AZFWNetworkRule": 41,
    "AZFWApplicationRule": 6,
    "AZFWNatRule": 0,
    "AZFWDnsQuery": 3,
}
FAST = RetrySettings(total=1, backoff_factor=0.05, read_timeout=1.0)


def kv_body(count: int) -> dict:
    """``count`` AZKVAuditLogs rows (the columns the checks look at)."""
    columns = [("TimeGenerated", "datetime"), ("CallerIpAddress", "string"), ("Type", "string")]
    rows = [["2026-11-20T10:00:01Z", "10.2.1.4", "AZKVAuditLogs"]] * count
    return table_body(rows, columns)


def template_of(request: FakeRequest) -> str:
    return request.query.splitlines()[0].split("template", 1)[1].split(":", 1)[0].strip()


def workspace_with(counts: dict[str, int], evidence=None):
    """A responder: the probe sees ``counts``; evidence queries get ``evidence`` (default: an
    empty result table, i.e. nothing matched the vault's filters)."""

    def respond(request: FakeRequest) -> Reply:
        template = template_of(request)
        if template == "coverage_probe":
            return Reply(200, probe_body(counts))
        if TABLE_OF[template] not in {c.split("/")[0] for c in counts}:
            return Reply(400, unknown_table_body(TABLE_OF[template]))
        if evidence is not None:
            return evidence(template, request)
        return Reply(200, table_body([]))

    return respond


@pytest.mark.parametrize("hours", [2, 7 * 24], ids=["2h", "7d"])
def test_a_sample_sized_workspace_costs_at_most_two_queries_per_table(
    fake_api, make_source, evidence_query, hours
):
    api = fake_api(workspace_with(SAMPLE_SIZED))
    source = make_source(api, templates=ALL_TEMPLATES, workspaces=[WORKSPACE, WORKSPACE_2])
    evidence = source.collect(evidence_query(hours=hours))

    per_table = Counter((r.workspace, TABLE_OF.get(template_of(r), "probe")) for r in api.requests)
    assert max(per_table.values()) <= 2, per_table
    # probe + one query per present, non-empty template, per workspace (was 11 x 168 for 7 d)
    sent = {template_of(r) for r in api.requests}
    assert sent == {
        "coverage_probe",
        *(n for n, t in TABLE_OF.items() if SAMPLE_SIZED.get(t)),
        "keyvault_requests_azurediagnostics",  # AuditEvent rows
        "firewall_legacy_messages",  # AzureFirewallNetworkRule rows; no AZFW* categories
    }
    assert len(api.requests) == 2 * len(sent)
    end = _iso(WINDOW_START + timedelta(hours=hours))
    assert all(r.timespan.endswith(f"/{end}") for r in api.requests)
    assert {t.status for t in evidence.raw_tables} == {SourceStatus.COMPLETE, SourceStatus.MISSING}


def test_absent_tables_are_not_queried_and_are_reported_not_present(
    fake_api, make_source, evidence_query
):
    api = fake_api(workspace_with(SAMPLE_SIZED))
    evidence = make_source(api, templates=ALL_TEMPLATES).collect(evidence_query())

    asked = {TABLE_OF[template_of(r)] for r in api.requests if template_of(r) in TABLE_OF}
    assert "NTANetAnalytics" not in asked and "AzureNetworkAnalytics_CL" not in asked
    missing = {t.table: t for t in evidence.raw_tables if t.status is SourceStatus.MISSING}
    assert set(missing) == {"NTANetAnalytics", "AzureNetworkAnalytics_CL", "AZFWFlowTrace"}
    assert "not present in workspace" in missing["NTANetAnalytics"].detail
    # an empty table that exists is complete (the probe counted 0 rows), with no query sent
    nat = next(t for t in evidence.raw_tables if t.table == "AZFWNatRule")
    assert nat.status is SourceStatus.COMPLETE and "AZFWNatRule" not in asked
    entry = next(e for e in evidence.ledger if e.template == "firewall_nat_rules")
    assert entry.query_sha256 == "" and "not queried" in entry.detail
    assert {q.sha256 for q in evidence.queries} == {
        e.query_sha256 for e in evidence.ledger if e.query_sha256
    }


def test_without_a_probe_an_unknown_table_refusal_is_a_missing_source(
    fake_api, make_source, evidence_query
):
    api = fake_api(lambda r: Reply(400, unknown_table_body("AZFWNetworkRule")))
    evidence = make_source(api).collect(evidence_query())

    (table,) = evidence.raw_tables
    assert table.status is SourceStatus.MISSING and "not present" in table.detail
    assert len(api.requests) == 1


def test_large_tables_are_split_to_fit_the_response_limits(fake_api, make_source, evidence_query):
    limits = ResponseLimits(max_rows=1000, bytes_per_row=1, headroom=0.5)  # 500 rows a chunk
    api = fake_api(workspace_with({"AZFWNetworkRule": 2400}))
    source = make_source(api, templates=["coverage_probe", "firewall_network_rules"], limits=limits)
    evidence = source.collect(evidence_query(hours=7 * 24))

    chunks = sorted(e.start for e in evidence.ledger if e.template == "firewall_network_rules")
    assert len(chunks) == 5  # ceil(2400 / 500)
    entries = sorted(
        (e for e in evidence.ledger if e.template == "firewall_network_rules"),
        key=lambda e: e.start,
    )
    assert entries[0].start == WINDOW_START
    assert entries[-1].end == WINDOW_START + timedelta(days=7)
    assert all(a.end == b.start for a, b in itertools.pairwise(entries))


def test_an_empty_answer_where_the_probe_saw_rows_is_partial(fake_api, make_source, evidence_query):
    api = fake_api(workspace_with({"AZFWNetworkRule": 41}, evidence=lambda t, r: Reply(204)))
    source = make_source(api, templates=["coverage_probe", "firewall_network_rules"])
    evidence = source.collect(evidence_query())

    (table,) = evidence.raw_tables
    assert table.status is SourceStatus.PARTIAL
    assert "204" in table.detail and "probe counted 41 rows in AZFWNetworkRule" in table.detail


def test_a_window_in_the_future_is_refused_before_any_query(fake_api, make_source, evidence_query):
    api = fake_api(workspace_with(SAMPLE_SIZED))
    source = make_source(api, templates=ALL_TEMPLATES, now=WINDOW_START - timedelta(hours=1))
    with pytest.raises(ConfigError, match="after now"):
        source.collect(evidence_query())
    assert api.requests == []


def test_a_family_with_no_rows_inside_its_ingestion_delay_is_pending(
    fake_api, make_source, evidence_query
):
    counts = {"AZFWNetworkRule": 0, "AZKVAuditLogs": 2}

    def kv_rows(template: str, request: FakeRequest) -> Reply:
        if template.startswith("keyvault"):
            return Reply(200, kv_body(2))
        return Reply(200, table_body([]))

    api = fake_api(workspace_with(counts, evidence=kv_rows))
    templates = ["coverage_probe", "firewall_network_rules", "keyvault_requests_azkvauditlogs"]
    now = WINDOW_START + timedelta(hours=1, minutes=2)  # the window ended 2 minutes ago
    evidence = make_source(api, templates=templates, now=now).collect(evidence_query())

    status = {t.table: t for t in evidence.raw_tables}
    firewall = status["AZFWNetworkRule"]
    assert firewall.status is SourceStatus.PENDING
    assert "may still be arriving" in firewall.detail and "re-run after" in firewall.detail
    # rows were found for the vault: the verdicts weigh each one against the delay
    assert status["AZFWNetworkRule"].frame.height == 0
    assert status["AZKVAuditLogs"].status is SourceStatus.COMPLETE
    settled = make_source(api, templates=templates, now=now + timedelta(hours=1))
    later = {t.table: t.status for t in settled.collect(evidence_query()).raw_tables}
    assert later["AZFWNetworkRule"] is SourceStatus.COMPLETE


@pytest.mark.parametrize("fault", ["trickle", "reset"])
def test_a_broken_answer_is_asked_again(fake_api, make_source, evidence_query, fault):
    calls: list[int] = []

    def responder(request: FakeRequest) -> Reply:
        calls.append(1)
        body = table_body(network_rule_rows(40, WINDOW_START))
        return Reply(200, body, fault=fault if len(calls) == 1 else None, trickle_every=0.1)

    api = fake_api(responder)
    started = time.monotonic()
    evidence = make_source(api, retry=FAST).collect(evidence_query())
    assert len(api.requests) == 2
    assert evidence.ledger[0].status is SourceStatus.COMPLETE and evidence.ledger[0].rows == 40
    assert time.monotonic() - started < 6.0


@pytest.mark.parametrize("fault", ["trickle", "reset"])
def test_an_answer_broken_every_time_fails_with_one_line(
    fake_api, make_source, evidence_query, fault
):
    body = table_body(network_rule_rows(40, WINDOW_START))
    api = fake_api(lambda r: Reply(200, body, fault=fault, trickle_every=0.1))
    started = time.monotonic()
    with pytest.raises(SourceError) as caught:
        make_source(api, retry=FAST).collect(evidence_query())
    message = str(caught.value)
    assert WORKSPACE in message and "no complete answer after 1 retries" in message
    assert ("longer than 1 s" if fault == "trickle" else "broke off") in message
    assert "\n" not in message and len(api.requests) == 2
    assert time.monotonic() - started < 8.0


def test_a_silent_server_ends_at_the_deadline_with_one_line(fake_api, make_source, evidence_query):
    api = fake_api(lambda r: Reply(fault="silent", delay=20.0))
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"no answer from Log Analytics within --timeout 1.5 s"):
        make_source(api, retry=RetrySettings(total=3, read_timeout=30.0), timeout_s=1.5).collect(
            evidence_query()
        )
    assert time.monotonic() - started < 4.0


def test_chunks_past_the_deadline_are_partial_when_others_answered(
    fake_api, make_source, evidence_query
):
    def responder(request: FakeRequest) -> Reply:
        if template_of(request) == "firewall_network_rules":
            return Reply(fault="silent", delay=20.0)
        return Reply(200, kv_body(3))

    api = fake_api(responder)
    templates = ["firewall_network_rules", "keyvault_requests_azkvauditlogs"]
    source = make_source(api, templates=templates, timeout_s=1.5, retry=FAST)
    evidence = source.collect(evidence_query())
    tables = {t.table: t for t in evidence.raw_tables}
    assert tables["AZKVAuditLogs"].status is SourceStatus.COMPLETE
    assert tables["AZFWNetworkRule"].status is SourceStatus.PARTIAL
    assert "--timeout deadline (1.5 s)" in tables["AZFWNetworkRule"].detail


def test_one_token_before_the_queries_and_the_cloud_decides_its_audience(
    fake_api, make_source, evidence_query
):
    api = fake_api(lambda r: Reply(200, table_body([])))
    credential = StaticTokenCredential()
    source = make_source(api, credential=credential, chunk=timedelta(minutes=10))
    source.collect(evidence_query())
    assert len(api.requests) == 6
    assert credential.scopes == [("https://api.loganalytics.io/.default",)]
    gov = StaticTokenCredential()
    make_source(api, credential=gov, cloud="AzureUSGovernment").collect(evidence_query())
    assert gov.scopes == [("https://api.loganalytics.us/.default",)]


def test_progress_is_reported_before_the_first_answer(fake_api, make_source, evidence_query):
    api = fake_api(lambda r: Reply(200, table_body([]), delay=0.5))
    events: list[tuple[float, str, int, int]] = []

    def progress(event) -> None:
        events.append((time.monotonic(), event.step, event.done, event.total))

    make_source(api, progress=progress, chunk=timedelta(minutes=30)).collect(evidence_query())
    assert events[0][0] < api.answered[0]
    assert [e[1] for e in events[:2]] == ["signing in", "probing workspaces"]
    assert events[-1][1:] == ("querying", 2, 2)


def test_ctrl_c_hands_over_what_was_fetched(fake_api, make_source, evidence_query):
    calls: list[int] = []

    def responder(request: FakeRequest) -> Reply:
        calls.append(1)
        if len(calls) == 3:
            _thread.interrupt_main()  # as if the user pressed Ctrl-C now
            return Reply(fault="silent", delay=5.0)
        return Reply(200, table_body(network_rule_rows(2, WINDOW_START)))

    api = fake_api(responder)
    source = make_source(api, chunk=timedelta(minutes=10), max_concurrency=1)
    started = time.monotonic()
    with pytest.raises(CollectInterrupted) as caught:
        source.collect(evidence_query())
    assert time.monotonic() - started < 3.0
    ledger = caught.value.evidence.ledger
    assert len(ledger) == 6
    assert [e.status for e in ledger[:2]] == [SourceStatus.COMPLETE] * 2
    assert {e.status for e in ledger[2:]} == {SourceStatus.PARTIAL}
    assert all("interrupted" in e.detail for e in ledger[2:])
    assert len(api.requests) == 3


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_category_map_matches_what_each_template_reads():
    """The planner sizes AzureDiagnostics templates by the categories they read: keep in step."""
    import re

    from netlogs.sources.log_analytics.checks import TEMPLATE_CATEGORIES

    for template in kql.list_templates():
        if template.tables != ("AzureDiagnostics",) or template.family == "probe":
            continue
        text = kql.load_template(template.name).body
        clause = re.search(r"Category (?:in \(([^)]*)\)|== (\"[^\"]*\"))", text)
        assert clause is not None, template.name
        named = tuple(re.findall(r'"([^"]*)"', clause.group(1) or clause.group(2)))
        assert TEMPLATE_CATEGORIES[template.name] == named
    probe = kql.load_template("coverage_probe").body
    for categories in TEMPLATE_CATEGORIES.values():
        assert all(f'"{category}"' in probe for category in categories)


def test_a_refused_probe_falls_back_to_querying_every_table(
    fake_api, make_source, evidence_query
):
    from tests.sources.log_analytics.la_bodies import syntax_error_body

    def responder(request: FakeRequest) -> Reply:
        template = template_of(request)
        if template == "coverage_probe":
            return Reply(400, syntax_error_body())
        if TABLE_OF[template] == "AZFWNetworkRule":
            return Reply(200, table_body(network_rule_rows(4, WINDOW_START)))
        return Reply(400, unknown_table_body(TABLE_OF[template]))

    api = fake_api(responder)
    evidence = make_source(api, templates=ALL_TEMPLATES).collect(evidence_query())

    assert len(api.requests) == len(ALL_TEMPLATES)  # the probe, then every template once
    tables = {t.table: t for t in evidence.raw_tables}
    assert tables["AZFWNetworkRule"].status is SourceStatus.COMPLETE
    assert tables["AZFWNetworkRule"].frame.height == 4
    assert tables["AZKVAuditLogs"].status is SourceStatus.MISSING
    probe = next(e for e in evidence.ledger if e.template == "coverage_probe")
    assert probe.status is SourceStatus.PARTIAL and "probe was refused" in probe.detail


def test_a_trickling_body_cannot_outlast_the_overall_deadline(
    fake_api, make_source, evidence_query
):
    body = table_body(network_rule_rows(40, WINDOW_START))
    api = fake_api(lambda r: Reply(200, body, fault="trickle", trickle_every=0.1))
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"no answer from Log Analytics within --timeout 1.5 s"):
        retry = RetrySettings(total=3, read_timeout=30.0)
        make_source(api, retry=retry, timeout_s=1.5).collect(evidence_query())
    assert time.monotonic() - started < 4.0
