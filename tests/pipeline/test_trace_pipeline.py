"""`trace(request, source, topology)` with a fake evidence source."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from netlogs.errors import ConfigError
from netlogs.model import GapKind, LogFamily, SourceStatus, TimeWindow, TraceRequest, Verdict
from netlogs.pipeline.trace import trace
from netlogs.report.json import dumps_trace_result

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)


def request(**changes: Any) -> TraceRequest:
    return replace(TraceRequest(vault="kv-test", window=None, now=NOW), **changes)


def verdicts(result: Any) -> dict[str, Verdict]:
    return {f.client_ip: f.verdict for f in result.flows}


def test_query_names_the_vault_its_endpoints_and_every_firewall(topology: Any, source: Any) -> None:
    trace(request(client_filter="vm-app"), source, topology)
    (query,) = source.queries
    assert query.vault_name == "kv-test"
    assert query.vault_fqdn == "kv-test.vault.azure.net"
    assert query.private_endpoint_ips == ("10.1.2.4",)
    assert query.vault_public_ips == ("198.51.100.10",)
    assert query.firewall_names == ("fw-audit", "fw-hub")
    assert query.window is None
    # SNATed requests carry the firewall's address: the client filter is applied after stitching
    assert query.client_ips == () and query.client_prefixes == ()


def test_verdicts_window_and_citations(topology: Any, source: Any) -> None:
    result = trace(request(), source, topology)
    assert verdicts(result) == {
        "10.0.1.4": Verdict.REACHED_BYPASSING_FIREWALL,
        "10.2.1.4": Verdict.REACHED_VIA_FIREWALL,
    }
    # no window given: the span of the data read, widened to whole minutes
    assert result.window == TimeWindow(
        datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc),
        datetime(2026, 11, 20, 10, 6, tzinfo=timezone.utc),
    )
    assert result.generated_at == NOW
    assert result.vault.required_firewall == "fw-hub"
    assert [pe.ip for pe in result.vault.private_endpoints] == ["10.1.2.4"]
    assert {f.client for f in result.flows} == {"vm-app", "vm-hub"}
    assert len(result.topology_sha256) == 64
    assert [i.path for i in result.inputs] == ["fake/fw.json", "fake/kv.json"]
    assert result.violations == 1


def test_unknown_names_fail_before_any_evidence_is_read(topology: Any, source: Any) -> None:
    for bad, message in (
        (request(vault="kv-typo"), "unknown vault 'kv-typo': not in topology test-topology.yaml"),
        (request(required_firewall="fw-nope"), "unknown firewall 'fw-nope'"),
        (request(client_filter="vm-nope"), "unknown client 'vm-nope'"),
    ):
        with pytest.raises(ConfigError, match=message):
            trace(bad, source, topology)
    assert source.queries == []


def test_vault_and_firewall_names_are_case_insensitive(topology: Any, source: Any) -> None:
    result = trace(request(vault="KV-Test", required_firewall="FW-HUB"), source, topology)
    assert result.vault.name == "kv-test"
    assert result.vault.required_firewall == "fw-hub"


def test_the_flag_wins_over_the_topology_design_rule(topology: Any, source: Any) -> None:
    result = trace(request(required_firewall="fw-audit"), source, topology)
    assert result.vault.required_firewall == "fw-audit"
    # fw-audit logged nothing, so nothing can be proven for the app VM either
    assert result.violations == 0
    assert verdicts(result)["10.2.1.4"] is not Verdict.REACHED_BYPASSING_FIREWALL


def test_without_any_rule_a_bypass_is_not_a_violation(topology: Any, source: Any) -> None:
    no_rule = replace(topology, design_rules=())
    result = trace(request(), source, no_rule)
    assert result.vault.required_firewall is None
    assert verdicts(result)["10.0.1.4"] is Verdict.REACHED_BYPASSING_FIREWALL
    assert result.violations == 0


def test_client_filter_by_cidr_and_by_subnet(topology: Any, source: Any) -> None:
    assert set(verdicts(trace(request(client_filter="10.0.1.0/24"), source, topology))) == {
        "10.0.1.4"
    }
    assert set(verdicts(trace(request(client_filter="spoke-app/snet-vm"), source, topology))) == {
        "10.2.1.4"
    }


def test_explicit_window_is_used_as_given(topology: Any, source: Any) -> None:
    window = TimeWindow(
        datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc),
        datetime(2026, 11, 20, 10, 2, tzinfo=timezone.utc),
    )
    result = trace(request(window=window), source, topology)
    assert result.window == window
    assert source.queries[0].window == window
    assert set(verdicts(result)) == {"10.2.1.4"}  # the 10:05 request is outside


def test_missing_families_are_listed_as_missing_sources(topology: Any, source: Any) -> None:
    result = trace(request(), source, topology)
    by_family = {s.family: s for s in result.sources if s.status is SourceStatus.MISSING}
    assert set(by_family) == {LogFamily.FLOW}
    assert "flow logs" in by_family[LogFamily.FLOW].detail


def test_firewall_logs_absent_make_the_flow_inconclusive(topology: Any, build: Any) -> None:
    only_kv = build.FakeSource(
        (
            build.RawTable(
                "AZKVAuditLogs",
                build.kv_frame([("10:00:01", "10.2.1.4", 200), ("10:30:00", "10.2.1.4", 200)]),
                "fake/kv.json",
            ),
        )
    )
    result = trace(request(), only_kv, topology)
    assert set(verdicts(result).values()) == {Verdict.INCONCLUSIVE}
    assert LogFamily.FIREWALL in {
        s.family for s in result.sources if s.status is SourceStatus.MISSING
    }


def test_parse_issues_become_unparsed_rows_gaps(topology: Any, source: Any, build: Any) -> None:
    source.issues = (
        build.ParseIssue("fake/fw.json", 7, "no time"),
        build.ParseIssue("fake/fw.json", 3, "bad port"),
    )
    result = trace(request(), source, topology)
    (gap,) = [g for g in result.gaps if g.kind is GapKind.UNPARSED_ROWS]
    assert gap.message.startswith(
        "fake/fw.json: 2 row(s) could not be read (first: line 3: bad port)"
    )


def test_offline_latency_is_counted_from_the_newest_row_not_from_now(
    topology: Any, build: Any
) -> None:
    """A request two minutes before the export's newest row cannot be judged a bypass yet,
    however late the export is read; from a live source the same rows are settled."""
    rows = [("10:00:01", "10.2.1.4", 200), ("10:28:00", "10.0.1.4", 200)]
    tables = (
        build.RawTable("AZKVAuditLogs", build.kv_frame(rows), "fake/kv.json"),
        build.RawTable(
            "AZFWNetworkRule",
            build.fw_frame(
                [
                    ("10:00:00", "10.2.1.4", "10.1.2.4", 443, "Allow"),
                    ("10:30:00", "10.2.1.4", "10.1.1.20", 1433, "Allow"),
                ]
            ),
            "fake/fw.json",
        ),
    )
    offline = trace(request(), build.FakeSource(tables), topology)
    assert verdicts(offline)["10.0.1.4"] is Verdict.NOT_YET_OBSERVABLE
    live = trace(request(), build.FakeSource(tables, live=True), topology)
    assert verdicts(live)["10.0.1.4"] is Verdict.REACHED_BYPASSING_FIREWALL


def test_same_input_gives_byte_identical_json(topology: Any, source: Any, build: Any) -> None:
    first = dumps_trace_result(trace(request(), source, topology))
    reordered = build.FakeSource(tuple(reversed(source.tables)))
    assert dumps_trace_result(trace(request(), reordered, topology)) == first


def test_no_rows_for_the_vault_is_a_config_error(topology: Any, build: Any) -> None:
    other = build.kv_frame([("10:00:01", "10.2.1.4", 200)]).with_columns(
        _ResourceId=__import__("polars").lit("/x/vaults/kv-other")
    )
    empty = build.FakeSource((build.RawTable("AZKVAuditLogs", other, "fake/kv.json"),))
    with pytest.raises(ConfigError, match="no evidence rows for this vault"):
        trace(request(), empty, topology)


def test_reuse_window_reaches_the_correlation(topology: Any, build: Any) -> None:
    """A request 8 minutes after the only connection record: covered by the default 10 min,
    not by a 5 min reuse window."""
    tables = (
        build.RawTable(
            "AZKVAuditLogs", build.kv_frame([("10:08:00", "10.2.1.4", 200)]), "fake/kv.json"
        ),
        build.RawTable(
            "AZFWNetworkRule",
            build.fw_frame(
                [
                    ("10:00:00", "10.2.1.4", "10.1.2.4", 443, "Allow"),
                    ("10:40:00", "10.2.1.4", "10.1.1.20", 1433, "Allow"),
                ]
            ),
            "fake/fw.json",
        ),
    )
    default = trace(request(), build.FakeSource(tables), topology)
    assert verdicts(default)["10.2.1.4"] is Verdict.REACHED_VIA_FIREWALL
    short = trace(request(reuse_window=timedelta(minutes=5)), build.FakeSource(tables), topology)
    assert verdicts(short)["10.2.1.4"] is not Verdict.REACHED_VIA_FIREWALL


def test_a_connection_opened_before_the_window_still_covers_requests_inside_it(
    topology: Any, build: Any
) -> None:
    """--start 10:05: the client's only connection record is from 10:02 (keep-alive), its
    requests at 10:06 and 10:09. The query asks for firewall records from the reuse window
    (plus skew) before the start, the filter keeps them, and the flow passes the firewall:
    cutting the records at the window start made this a false REACHED_BYPASSING_FIREWALL
    (a violation) while the firewall's logging is shown live by another client's record."""
    tables = (
        build.RawTable(
            "AZKVAuditLogs",
            build.kv_frame([("10:06:00", "10.2.1.4", 200), ("10:09:00", "10.2.1.4", 200)]),
            "fake/kv.json",
        ),
        build.RawTable(
            "AZFWNetworkRule",
            build.fw_frame(
                [
                    ("09:40:00", "10.2.1.4", "10.1.2.4", 443, "Allow"),  # too early to matter
                    ("10:02:00", "10.2.1.4", "10.1.2.4", 443, "Allow"),
                    ("10:20:00", "10.2.1.5", "10.1.2.4", 443, "Allow"),  # fw-hub logging is live
                ]
            ),
            "fake/fw.json",
        ),
    )
    window = TimeWindow(build.utc("10:05:00"), build.utc("10:30:00"))
    fake = build.FakeSource(tables)
    result = trace(request(window=window), fake, topology)
    (query,) = fake.queries
    assert query.window == window and query.firewall_lead == timedelta(minutes=10, seconds=5)
    assert verdicts(result)["10.2.1.4"] is Verdict.REACHED_VIA_FIREWALL
    flow = next(f for f in result.flows if f.client_ip == "10.2.1.4")
    assert "fake/fw.json#1" in {e.row for e in flow.evidence}  # the 10:02 record is cited
    shorter = trace(request(window=window, reuse_window=timedelta(minutes=2)), fake, topology)
    assert verdicts(shorter)["10.2.1.4"] is not Verdict.REACHED_VIA_FIREWALL


def test_without_an_html_report_no_timeline_is_built_and_nothing_else_changes(
    topology: Any, source: Any
) -> None:
    with_timeline = trace(request(), source, topology)
    without = trace(request(timeline=False), source, topology)
    assert with_timeline.timeline is not None and with_timeline.timeline.height > 0
    assert without.timeline is None
    assert dumps_trace_result(without) == dumps_trace_result(with_timeline)
