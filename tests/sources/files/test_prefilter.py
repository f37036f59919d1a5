"""Canonical Parquet read with the query's filters pushed into the scan (``prefilter=True``).

What a trace sees must not change: the same rows used by ``account_evidence`` (same order, same row
ids), the same source row counts, InputFiles and newest evidence time as the eager read.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest

from netlogs.model import EvidenceQuery, EvidenceTables, TimeWindow
from netlogs.normalize import normalize_evidence
from netlogs.normalize.ledger import EARLIEST_EVIDENCE, account_evidence
from netlogs.schemas import CANONICAL, conform
from netlogs.sources.files import FileSource
from tests.normalize.ledger_trust import assert_trust_changes_nothing

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
PE, OTHER_PE, VAULT_IP = "10.1.2.4", "10.9.9.9", "198.51.100.10"
WINDOW = TimeWindow(T0, T0 + timedelta(hours=1))


def _times(*minutes: int) -> list[datetime]:
    return [T0 + timedelta(minutes=m) for m in minutes]


def _frame(name: str, columns: dict[str, list[object]]) -> pl.DataFrame:
    return conform(pl.DataFrame(columns, strict=False), CANONICAL[name])


def _tables() -> EvidenceTables:
    """Rows inside and outside the window, for kv1 and another vault, to and from many hosts."""
    kv = _frame(
        "kv_requests",
        {
            "time": _times(-30, 5, 10, 20, 61, 90, 200),  # newest row: another vault, late
            "vault": ["kv1", "kv1", "other", "kv1", "kv1", "other", "other"],
            "caller_ip": ["10.2.0.5"] * 7,
            "source_table": ["AZKVAuditLogs"] * 6 + ["AzureDiagnostics"],
        },
    )
    fw = _frame(
        "fw_events",
        {
            "time": _times(-5, 1, 2, 3, 4, 30, 59, 75),
            "firewall": ["fw-hub", "fw-hub", "fw-other", None, "fw-hub", "fw-hub", "fw-hub", "x"],
            "src_ip": [*["10.2.0.5"] * 2, "10.2.0.6", "10.3.0.1", "10.2.0.7", *["10.2.0.5"] * 3],
            "dst_ip": [PE, PE, PE, VAULT_IP, OTHER_PE, None, PE, PE],
            "fqdn": [None, None, None, None, None, "kv1.vault.azure.net", None, None],
            "source_table": ["AZFWNetworkRule"] * 8,
        },
    )
    flows = _frame(
        "flows",
        {
            "time_start": _times(-90, -10, 5, 30, 65),
            "time_end": _times(-70, 2, 9, 31, 66),
            "src_ip": ["10.2.0.5", "10.2.0.5", "10.3.0.1", "10.2.0.5", "10.2.0.5"],
            "dst_ip": [PE, PE, PE, OTHER_PE, PE],
            "source_table": [None, "NTANetAnalytics", "NTANetAnalytics", None, None],
        },
    )
    dns = _frame(
        "dns",
        {
            "time": _times(1, 2, 70),
            "client_ip": ["10.2.0.5", "10.2.0.5", "10.2.0.5"],
            "query_name": ["kv1.vault.azure.net", "other.vault.azure.net", "kv1.vault.azure.net"],
        },
    )
    return EvidenceTables(kv_requests=kv, fw_events=fw, flows=flows, dns=dns)


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    from netlogs.normalize import write_canonical

    write_canonical(_tables(), tmp_path)
    return tmp_path


QUERIES = {
    "window": EvidenceQuery(
        "kv1", "kv1.vault.azure.net", (PE,), ("fw-hub",), WINDOW, vault_public_ips=(VAULT_IP,)
    ),
    "no-window": EvidenceQuery("kv1", "kv1.vault.azure.net", (PE,), (), None),
    "clients": EvidenceQuery(
        "KV1", "KV1.vault.azure.net", (PE,), (), WINDOW, ("10.3.0.1",), ("10.2.0.0/24",)
    ),
}


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
def test_prefiltered_scan_gives_what_the_eager_read_gives(logs: Path, query: EvidenceQuery) -> None:
    eager_collected = FileSource(logs).collect(query)
    lazy_collected = FileSource(logs, prefilter=True).collect(query)
    eager = normalize_evidence(eager_collected.raw_tables)
    lazy = normalize_evidence(lazy_collected.raw_tables)
    kept_eager, kept_lazy = used(eager, query), used(lazy, query)
    for name in CANONICAL:
        expected, got = getattr(kept_eager, name), getattr(kept_lazy, name)
        assert got.equals(expected), name  # rows, order and row ids
    assert lazy.sources == eager.sources  # counts are of the whole file
    assert lazy_collected.inputs == eager_collected.inputs  # sha256 and rows of the whole file
    assert newest_evidence_time(lazy) == newest_evidence_time(eager)


def test_prefilter_leaves_unwanted_rows_on_disk(logs: Path) -> None:
    query = QUERIES["window"]
    collected = FileSource(logs, prefilter=True).collect(query)
    lazy = normalize_evidence(collected.raw_tables)
    # kv: two rows of kv1 in the window, plus the file's newest row (another vault)
    assert lazy.kv_requests.get_column("vault").to_list() == ["kv1", "kv1", "other"]
    raw_kv = next(t for t in collected.raw_tables if t.table == "canonical:kv_requests")
    assert raw_kv.frame.get_column("time").to_list() == _times(5, 20, 200)  # rows 2, 4 and 7
    assert lazy.dns.height == 1
    counts = {(s.family.value, s.table): s.rows for s in lazy.sources}
    assert counts[("keyvault", "AZKVAuditLogs")] == 6
    assert counts[("keyvault", "AzureDiagnostics")] == 1
    assert counts[("flow", "canonical:flows")] == 3


def test_prefilter_still_refuses_foreign_parquet(tmp_path: Path) -> None:
    from netlogs.errors import InputError

    pl.DataFrame({"a": [1]}).write_parquet(tmp_path / "x.parquet")
    with pytest.raises(InputError, match="not a netlogs canonical table"):
        FileSource(tmp_path, prefilter=True).collect(QUERIES["window"])


def test_prefilter_reads_older_and_loosely_typed_files(logs: Path) -> None:
    """A file without later columns, or with other dtypes, is filtered on the canonical types."""
    flows = pl.read_parquet(logs / "flows.parquet").drop("flow_encryption")
    flows.with_columns(pl.col("time_start").dt.cast_time_unit("ns")).write_parquet(
        logs / "flows.parquet"
    )
    query = QUERIES["window"]
    eager = normalize_evidence(FileSource(logs).collect(query).raw_tables)
    lazy = normalize_evidence(FileSource(logs, prefilter=True).collect(query).raw_tables)
    assert used(lazy, query).flows.equals(used(eager, query).flows)
    assert used(lazy, query).flows.height == 2
    assert lazy.flows.height < eager.flows.height


def test_prefilter_loads_only_the_columns_the_query_names(logs: Path) -> None:
    """``EvidenceQuery.columns``: the named columns (and what the filter reads) are read, the
    rest arrive as typed nulls; rows, counts and inputs stay those of the full read."""
    wanted = {"kv_requests": ("time", "caller_ip"), "fw_events": ("time", "src_ip", "action")}
    query = QUERIES["window"]
    narrow = FileSource(logs, prefilter=True).collect(replace(query, columns=wanted))
    full = FileSource(logs, prefilter=True).collect(query)
    thin, wide = normalize_evidence(narrow.raw_tables), normalize_evidence(full.raw_tables)
    kv = thin.kv_requests
    assert kv.schema == wide.kv_requests.schema  # still the canonical table
    assert kv.select("time", "caller_ip", "vault").equals(
        wide.kv_requests.select("time", "caller_ip", "vault")  # vault: the filter reads it
    )
    assert kv.get_column("source_table").null_count() == kv.height  # not asked for
    assert thin.flows.equals(wide.flows)  # a table the query does not name: every column
    assert thin.sources == wide.sources and narrow.inputs == full.inputs


def test_the_footer_summary_spares_the_whole_file_scan_and_matches_it(logs: Path) -> None:
    """``write_canonical`` stores rows per source table and newest times in the footer; a
    prefiltered read takes them from there, and they equal what a scan of the file gives."""
    from netlogs.normalize.canonical_io import (
        SUMMARY_KEY,
        _stored_summary,
        scan_canonical,
        summarize_canonical,
    )

    for name in ("kv_requests", "fw_events", "flows"):
        path = logs / f"{name}.parquet"
        assert SUMMARY_KEY in pl.read_parquet_metadata(path)
        scanned = summarize_canonical(pl.scan_parquet(path), name)
        assert _stored_summary(path, name, scanned.rows) == scanned
    keep = {name: pl.lit(False) for name in CANONICAL}
    flows = scan_canonical(logs / "flows.parquet", keep)
    assert flows.frame.get_column("time_end").to_list() == _times(66)  # only the newest row
    assert flows.source_rows == (("NTANetAnalytics", 2), (None, 3))


@pytest.mark.parametrize(
    "metadata",
    [
        None,  # written by something else: no summary
        {"netlogs.summary": "not json"},
        {
            "netlogs.summary": '{"rows": 99, "source_rows": [["AZKVAuditLogs", 99]], '
            + '"newest_us": {}}'
        },
    ],
    ids=["absent", "garbled", "another-file"],
)
def test_a_missing_or_wrong_footer_summary_is_not_trusted(
    tmp_path: Path, metadata: dict[str, str] | None
) -> None:
    """A footer that does not describe the file is ignored: the figures come from a scan."""
    kv = _tables().kv_requests
    kv.write_parquet(tmp_path / "kv_requests.parquet", metadata=metadata)
    collected = FileSource(tmp_path, prefilter=True).collect(QUERIES["window"])
    counts = {s.table: s.rows for s in normalize_evidence(collected.raw_tables).sources}
    assert counts == {"AZKVAuditLogs": 6, "AzureDiagnostics": 1}
    (raw,) = collected.raw_tables
    assert raw.frame.get_column("time").max() == T0 + timedelta(minutes=200)  # newest row kept


def used(tables: EvidenceTables, query: EvidenceQuery) -> EvidenceTables:
    """The rows a trace uses: chosen once, by the row ledger (every stored time is sane)."""
    sane = TimeWindow(EARLIEST_EVIDENCE, datetime(2100, 1, 1, tzinfo=timezone.utc))
    return account_evidence(tables, query, sane).tables


def newest_evidence_time(tables: EvidenceTables) -> datetime | None:
    """The newest time of any row: the offline latency reference a filtered scan must keep."""
    candidates = [
        tables.kv_requests.get_column("time").max(),
        tables.fw_events.get_column("time").max(),
        tables.flows.get_column("time_end").max(),
        tables.flows.get_column("time_start").max(),
    ]
    present = [value for value in candidates if isinstance(value, datetime)]
    return max(present) if present else None


def test_the_scan_says_which_rows_its_filter_kept(logs: Path) -> None:
    """Rows kept only as the file's newest are named; the ledger tests those in full."""
    query = QUERIES["window"]
    collected = FileSource(logs, prefilter=True).collect(query)
    raw = {t.table: t for t in collected.raw_tables}
    assert raw["canonical:kv_requests"].unfiltered_rows == (2,)  # the late row of "other"
    assert raw["canonical:fw_events"].unfiltered_rows == (4,)  # newest: of firewall "x"
    assert raw["canonical:dns"].unfiltered_rows == ()  # no newest-time rule for DNS
    tables = normalize_evidence(collected.raw_tables)
    assert tables.query_filtered["kv_requests"].to_list() == [True, True, False]
    eager = FileSource(logs).collect(query).raw_tables
    assert all(t.unfiltered_rows is None for t in eager)  # an unfiltered read promises nothing
    assert normalize_evidence(eager).query_filtered == {}


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
def test_the_ledger_of_filtered_rows_is_the_full_ledger(logs: Path, query: EvidenceQuery) -> None:
    """Trusting the scan's filter changes nothing: same rows used, same counts by reason, same
    newest time, also for the window-less accounting of the empty-window check."""
    tables = normalize_evidence(FileSource(logs, prefilter=True).collect(query).raw_tables)
    assert tables.query_filtered  # the marks are there to be trusted
    sane = TimeWindow(EARLIEST_EVIDENCE, datetime(2100, 1, 1, tzinfo=timezone.utc))
    for trusted in assert_trust_changes_nothing(tables, query, sane):
        assert trusted.tables.query_filtered == {}  # the marks do not outlive the ledger


def test_an_export_beside_the_parquet_is_tested_in_full(logs: Path) -> None:
    """A table fed by a filtered scan and by an export: only the scan's rows are trusted."""
    export = {
        "tables": [
            {
                "name": "PrimaryResult",
                "columns": [
                    {"name": "TimeGenerated", "type": "datetime"},
                    {"name": "CallerIPAddress", "type": "string"},
                    {"name": "OperationName", "type": "string"},
                    {"name": "ResultSignature", "type": "string"},
                    {"name": "Resource", "type": "string"},
                    {"name": "CorrelationId", "type": "string"},
                ],
                "rows": [
                    ["2026-11-20T12:06:00Z", "10.2.0.9", "SecretGet", "OK", "KV1", "a"],
                    ["2026-11-20T12:07:00Z", "10.2.0.9", "SecretGet", "OK", "OTHER", "b"],
                    ["2026-11-20T15:00:00Z", "10.2.0.9", "SecretGet", "OK", "KV1", "c"],
                ],
            }
        ]
    }
    (logs / "kv-export.json").write_text(json.dumps(export))
    query = QUERIES["window"]
    tables = normalize_evidence(FileSource(logs, prefilter=True).collect(query).raw_tables)
    marks = tables.query_filtered["kv_requests"]
    assert sorted(marks.to_list()) == [False] * 4 + [True] * 2  # 3 exported, 1 newest
    accounted = used(tables, query)
    assert accounted.sources == used(replace(tables, query_filtered={}), query).sources
    export_ledger = {s.table: dict(s.set_aside) for s in accounted.sources}
    # the export's rows of another vault and after the window are found: they were tested
    assert export_ledger["AzureDiagnostics"] == {"other_vault": 2, "outside_window": 1}
    assert accounted.kv_requests.height == 3  # kv1 in the window: two from Parquet, one exported
