"""normalize_evidence bookkeeping: empty answers, bad frames, stable row ids, source list."""

from __future__ import annotations

import polars as pl
import pytest

from netlogs.errors import SchemaError
from netlogs.model import LogFamily, ParseIssue, RawTable, SourceStatus
from netlogs.normalize import normalize_evidence
from netlogs.schemas import FLOWS, FW_EVENTS, KV_REQUESTS


@pytest.mark.parametrize(("table", "family"), [
    ("AzureDiagnostics", LogFamily.FIREWALL), ("AZKVAuditLogs", LogFamily.KEYVAULT),
    ("NTANetAnalytics", LogFamily.FLOW), ("raw:nsg_flow", LogFamily.FLOW),
    ("raw:azfw_legacy", LogFamily.FIREWALL), ("AZFWDnsQuery", LogFamily.DNS),
])
def test_empty_answer_is_listed_with_zero_rows(table: str, family: LogFamily) -> None:
    tables = normalize_evidence([RawTable(table, pl.DataFrame(), "q@ws", SourceStatus.PARTIAL)])
    (summary,) = tables.sources
    assert (summary.family, summary.table, summary.rows, summary.status) == (
        family, table, 0, SourceStatus.PARTIAL)
    assert tables.issues == ()
    assert tables.fw_events.schema == pl.Schema(FW_EVENTS)
    assert tables.kv_requests.schema == pl.Schema(KV_REQUESTS)
    assert tables.flows.schema == pl.Schema(FLOWS)


def test_frame_without_needed_columns_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match=r"^q@ws: raw:nsg_flow rows could not be normalized"):
        normalize_evidence([RawTable("raw:nsg_flow", pl.DataFrame({"a": [1]}), "q@ws")])


def test_row_ids_do_not_depend_on_other_inputs() -> None:
    rows = pl.DataFrame({"TimeGenerated": ["2024-05-01T10:00:00Z"] * 2,
                         "SourceIp": ["10.2.1.4", "10.2.1.5"], "DestinationIp": ["10.1.2.4"] * 2,
                         "DestinationPort": [443, 443], "Action": ["Allow", "Deny"]})
    alone = normalize_evidence([RawTable("AZFWNetworkRule", rows, "b@ws")])
    together = normalize_evidence([RawTable("AZFWNetworkRule", rows.head(1), "a@ws"),
                                   RawTable("AZFWNetworkRule", rows, "b@ws")])
    assert alone.fw_events["row_id"].to_list() == ["b@ws#0", "b@ws#1"]
    assert together.fw_events["row_id"].to_list() == ["a@ws#0", "b@ws#0", "b@ws#1"]
    (summary,) = together.sources
    assert summary.rows == 3


def test_incoming_issues_are_kept_first() -> None:
    earlier = ParseIssue("x.json", 3, "file not read: something")
    tables = normalize_evidence([], [earlier])
    assert tables.issues == (earlier,)
    assert tables.sources == ()
