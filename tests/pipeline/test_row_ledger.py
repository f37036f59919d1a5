"""The row ledger on the shipped sample scenario and on broken copies of it (issue #13).

Every test runs the real pipeline (FileSource on real export formats, the sample topology):
rows read = rows used + rows set aside, and a broken cell never turns into a confident verdict.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from netlogs.model import (
    LogFamily,
    SourceStatus,
    SourceSummary,
    TimeWindow,
    TraceRequest,
    TraceResult,
    Verdict,
)
from netlogs.normalize import normalize_evidence, write_canonical
from netlogs.pipeline.trace import evidence_query, trace
from netlogs.sources.files import FileSource
from netlogs.topology.loader import load_topology

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)
CSV = Path("portal/AZFWNetworkRule-2026-11-20T11-UTC.csv")
KV_JSON = Path("log-analytics/AZKVAuditLogs-2026-11-20T11.az.json")
WINDOW = TimeWindow(
    datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc),
    datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc),
)


def run(logs: Path, window: TimeWindow | None = None, *, prefilter: bool = False) -> TraceResult:
    request = TraceRequest(vault="kv-contoso-prod", window=window, now=NOW, timeline=False)
    source = FileSource(logs, prefilter=prefilter)
    return trace(request, source, load_topology(SAMPLE / "topology.yaml"))


def verdicts(result: TraceResult) -> dict[str, Verdict]:
    return {flow.client_ip: flow.verdict for flow in result.flows}


def source(result: TraceResult, family: LogFamily, table: str) -> SourceSummary:
    (found,) = [s for s in result.sources if s.family is family and s.table == table]
    return found


def assert_ledger_adds_up(result: TraceResult) -> None:
    for s in result.sources:
        assert s.read == s.used + sum(rows for _, rows in s.set_aside), s
        assert s.rows == s.used, s
        assert list(s.set_aside) == sorted(s.set_aside) and all(n > 0 for _, n in s.set_aside)


@pytest.fixture(scope="module")
def baseline() -> TraceResult:
    return run(SAMPLE / "logs")


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    copy = tmp_path / "logs"
    shutil.copytree(SAMPLE / "logs", copy)
    return copy


def edit_csv_row(path: Path, match: str, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in the one line of ``path`` that contains ``match``."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    (index,) = [i for i, line in enumerate(lines) if match in line]
    lines[index] = lines[index].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


def test_the_sample_ledger_counts_every_row_of_every_file(baseline: TraceResult) -> None:
    assert_ledger_adds_up(baseline)
    data_rows = len((SAMPLE / "logs" / CSV).read_text(encoding="utf-8").splitlines()) - 1
    network = source(baseline, LogFamily.FIREWALL, "AZFWNetworkRule")
    assert network.read == data_rows == 9
    assert (network.used, network.set_aside, network.status) == (
        8,
        (("unrelated", 1),),  # one Allow to a SQL server, not to the vault
        SourceStatus.COMPLETE,
    )
    kv_rows = len(json.loads((SAMPLE / "logs" / KV_JSON).read_text(encoding="utf-8")))
    assert source(baseline, LogFamily.KEYVAULT, "AZKVAuditLogs").read == kv_rows
    # the storage blob of another vault: read, set aside, and it shows nothing of this vault
    other = source(baseline, LogFamily.KEYVAULT, "raw:keyvault")
    assert (other.read, other.used, other.set_aside) == (3, 0, (("other_vault", 3),))
    assert other.status is SourceStatus.MISSING and "none of this vault" in other.detail


@pytest.mark.parametrize("bad", ["10.1.1.999", "10.1.1.5:50112", "<redacted>", "10.1.1.5 x", ""])
def test_a_corrupt_firewall_address_makes_the_source_partial_not_a_bypass(
    logs: Path, baseline: TraceResult, bad: str
) -> None:
    # 10.1.1.5 is proven to pass the firewall by this one CSV row only
    assert verdicts(baseline)["10.1.1.5"] is Verdict.REACHED_VIA_FIREWALL
    edit_csv_row(logs / CSV, "10.1.1.5,50112", "10.1.1.5,", f"{bad},")
    result = run(logs)
    assert_ledger_adds_up(result)
    network = source(result, LogFamily.FIREWALL, "AZFWNetworkRule")
    assert network.status is SourceStatus.PARTIAL
    assert ("malformed_address", 1) in network.set_aside and network.read == 9
    assert "malformed_address 1" in network.detail
    flow = next(f for f in result.flows if f.client_ip == "10.1.1.5")
    assert flow.verdict is Verdict.INCONCLUSIVE and "partial" in flow.cause
    assert not any(f.client_ip.strip() != f.client_ip or ":" in f.client_ip for f in result.flows)
    changed = {ip for ip, v in verdicts(result).items() if verdicts(baseline).get(ip) is not v}
    # only verdicts that rested on the firewall's silence change
    assert changed <= {"10.1.1.5", "10.0.1.10"}


def test_two_copies_of_an_export_count_once(logs: Path, baseline: TraceResult) -> None:
    for name in (CSV, KV_JSON):
        shutil.copy(logs / name, (logs / name).with_name("copy-of-" + name.name))
    result = run(logs)
    assert_ledger_adds_up(result)
    assert verdicts(result) == verdicts(baseline)
    assert [f.requests for f in result.flows] == [f.requests for f in baseline.flows]
    for family, table in (
        (LogFamily.FIREWALL, "AZFWNetworkRule"),
        (LogFamily.KEYVAULT, "AZKVAuditLogs"),
    ):
        once, twice = source(baseline, family, table), source(result, family, table)
        assert (twice.read, twice.used, twice.status) == (2 * once.read, once.used, once.status)
        assert dict(twice.set_aside)["duplicate"] == once.used


@pytest.mark.parametrize(
    ("stamp", "reason"),
    [
        ("11/20/2099, 11:58:00.000 AM", "out_of_range_time"),
        ("1/1/1970, 12:00:01.000 AM", "out_of_range_time"),
        ("1/1/0001, 12:00:01.000 AM", "out_of_range_time"),
        ("12/31/9999, 11:59:59.000 PM", "out_of_range_time"),
        ("yesterday at noon", "unparseable_time"),
    ],
)
def test_an_absurd_time_neither_stretches_the_window_nor_settles_latency(
    logs: Path, baseline: TraceResult, stamp: str, reason: str
) -> None:
    path = logs / CSV
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    unrelated = next(line for line in lines if ",1433," in line)  # not about the vault
    old_time = unrelated.split('"')[1]
    path.write_text("".join(lines) + unrelated.replace(old_time, stamp), encoding="utf-8")
    result = run(logs)
    assert_ledger_adds_up(result)
    assert result.window == baseline.window  # not 56 years long
    assert verdicts(result)["10.2.1.12"] is Verdict.NOT_YET_OBSERVABLE  # not NOT_REACHED
    network = source(result, LogFamily.FIREWALL, "AZFWNetworkRule")
    assert (reason, 1) in network.set_aside and network.read == 10
    assert network.status is SourceStatus.PARTIAL  # the row's time could have been anything


@pytest.mark.parametrize("caller", ["", " ", "10.1.1.5:50112", "not an address"])
def test_an_empty_or_malformed_caller_is_set_aside_not_a_client_nor_a_crash(
    logs: Path, caller: str
) -> None:
    path = logs / KV_JSON
    rows = json.loads(path.read_text(encoding="utf-8"))
    rows[0]["CallerIpAddress"] = caller
    path.write_text(json.dumps(rows), encoding="utf-8")
    result = run(logs)
    assert_ledger_adds_up(result)
    kv = source(result, LogFamily.KEYVAULT, "AZKVAuditLogs")
    assert kv.status is SourceStatus.PARTIAL and ("malformed_address", 1) in kv.set_aside
    assert all(f.client_ip and f.client_ip == f.client_ip.strip() for f in result.flows)
    # a request the vault logged without a usable caller may be anyone's: no clean verdict
    for flow in result.flows:
        assert flow.violation or flow.verdict.is_undecided, flow


def test_a_firewall_file_of_another_year_covers_nothing_of_the_window(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    (logs / "portal").mkdir(parents=True)
    shutil.copytree(SAMPLE / "logs" / "log-analytics", logs / "log-analytics")
    for name in (logs / "log-analytics").glob("*firewall*"):
        name.unlink()
    (logs / "log-analytics" / "AZFWApplicationRule-2026-11-20T11.json").unlink()
    text = (SAMPLE / "logs" / CSV).read_text(encoding="utf-8").replace("/2026, ", "/2023, ")
    (logs / CSV).write_text(text, encoding="utf-8")
    result = run(logs, WINDOW)
    assert_ledger_adds_up(result)
    network = source(result, LogFamily.FIREWALL, "AZFWNetworkRule")
    assert (network.status, network.rows, network.read) == (SourceStatus.MISSING, 0, 9)
    assert network.set_aside == (("outside_window", 9),)
    assert any("no firewall logs for the window" in g.message for g in result.gaps)
    assert Verdict.REACHED_BYPASSING_FIREWALL not in verdicts(result).values()
    assert verdicts(result)["10.0.1.10"] is Verdict.INCONCLUSIVE


def test_rows_long_after_the_window_do_not_settle_its_latency(logs: Path) -> None:
    within = verdicts(run(logs, WINDOW))
    assert within["10.2.1.12"] is Verdict.NOT_YET_OBSERVABLE
    path = logs / CSV
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    later = lines[1].replace("11/20/2026, 11:05:20.114 AM", "11/21/2026, 8:30:00.000 AM")
    path.write_text("".join(lines) + later, encoding="utf-8")
    result = run(logs, WINDOW)
    assert verdicts(result) == within  # the next day's row says nothing of 11:50's ingestion
    assert ("outside_window", 1) in source(result, LogFamily.FIREWALL, "AZFWNetworkRule").set_aside


def test_a_filtered_parquet_scan_still_adds_up(tmp_path: Path, baseline: TraceResult) -> None:
    topology = load_topology(SAMPLE / "topology.yaml")
    vault = next(v for v in topology.key_vaults if v.name == "kv-contoso-prod")
    from netlogs.pipeline.scope import vault_private_endpoints

    query = evidence_query(
        topology, vault, vault_private_endpoints(topology, vault), None, firewall_lead=NOW - NOW
    )
    tables = normalize_evidence(FileSource(SAMPLE / "logs").collect(query).raw_tables)
    write_canonical(tables, tmp_path / "canonical")
    narrow = TimeWindow(WINDOW.start.replace(hour=11), WINDOW.end)
    eager, lazy = (
        run(tmp_path / "canonical", narrow),
        run(tmp_path / "canonical", narrow, prefilter=True),
    )
    for result in (eager, lazy):
        assert_ledger_adds_up(result)
    assert verdicts(lazy) == verdicts(eager)
    reads = {(s.family, s.table): (s.read, s.used, s.status) for s in eager.sources}
    assert {(s.family, s.table): (s.read, s.used, s.status) for s in lazy.sources} == reads
    # the whole file is read: as many rows as the sample's sources normalized
    assert sum(s.read for s in lazy.sources if s.family is LogFamily.FIREWALL) == sum(
        s.rows for s in tables.sources if s.family is LogFamily.FIREWALL
    )


def test_a_lost_snat_record_leaves_no_clean_verdict_on_the_requests_it_tied(
    logs: Path, baseline: TraceResult
) -> None:
    # 10.2.1.4's requests reach the vault from fw-hub's SNAT address 10.0.0.69; this
    # application-rule record is what ties them to 10.2.1.4 (found by the ledger fuzz test)
    assert verdicts(baseline)["10.2.1.4"] is Verdict.REACHED_VIA_FIREWALL
    path = logs / "log-analytics" / "AzureDiagnostics-firewall-2026-11-20T10.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("from 10.2.1.4:49822", "from 10.2.1.999:49822"), "utf-8")
    result = run(logs)
    assert_ledger_adds_up(result)
    legacy = source(result, LogFamily.FIREWALL, "AzureDiagnostics")
    assert legacy.status is SourceStatus.PARTIAL and ("malformed_address", 1) in legacy.set_aside
    after = verdicts(result)
    # the flow logs still show 10.2.1.4 leaving; "the vault logged none" would be a guess
    assert after["10.2.1.4"] is Verdict.INCONCLUSIVE
    # the SNAT address, now tied to nobody: its requests still passed the firewall
    snat = next(f for f in result.flows if f.client_ip == "10.0.0.69")
    assert snat.verdict is Verdict.REACHED_VIA_FIREWALL and "SNAT address" in snat.cause
    assert after["10.2.1.11"] is Verdict.INCONCLUSIVE  # NOT_REACHED needs the ties complete
    for ip, verdict in after.items():
        if ip in verdicts(baseline) and verdict is not verdicts(baseline)[ip]:
            assert verdict.is_undecided, (ip, verdict)
