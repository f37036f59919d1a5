"""Query-API JSON (complete and partial), az CLI JSON, portal CSV time zones, Parquet round trip."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest

from netlogs.errors import InputError
from netlogs.model import EvidenceQuery, SourceStatus
from netlogs.normalize import normalize_evidence, write_canonical
from netlogs.sources.files import FileSource

QUERY = EvidenceQuery("kv", "kv.vault.azure.net", (), (), None)
LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "logs"

KV_COLUMNS = [
    {"name": "TimeGenerated", "type": "datetime"},
    {"name": "OperationName", "type": "string"},
    {"name": "CallerIpAddress", "type": "string"},
    {"name": "HttpStatusCode", "type": "int"},
    {"name": "ResultSignature", "type": "string"},
    {"name": "_ResourceId", "type": "string"},
    {"name": "Identity", "type": "dynamic"},
]
KV_ROWS = [
    ["2024-05-01T10:00:00.1234567Z", "SecretGet", "10.1.2.4", 200, "OK",
     "/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv-prod",
     '{"claim":{"oid":"o-1","appid":"a-1"}}'],
    ["2024-05-01T10:00:01Z", "SecretGet", "10.1.2.4", 403, "Forbidden",
     "/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv-prod", None],
]


def _api_document(error: object | None) -> dict[str, object]:
    document: dict[str, object] = {
        "tables": [{"name": "PrimaryResult", "columns": KV_COLUMNS, "rows": KV_ROWS}]
    }
    if error is not None:
        document["error"] = error
    return document


def test_query_api_json_rows_are_typed(tmp_path: Path) -> None:
    (tmp_path / "result.json").write_text(json.dumps(_api_document(None)))
    collected = FileSource(tmp_path).collect(QUERY)
    (raw,) = collected.raw_tables
    assert raw.table == "AZKVAuditLogs" and raw.status is SourceStatus.COMPLETE
    assert raw.frame.schema["HttpStatusCode"] == pl.Int32
    tables = normalize_evidence(collected.raw_tables)
    assert tables.kv_requests["http_status"].to_list() == [200, 403]
    assert tables.kv_requests["identity"].to_list() == ["o-1", None]
    assert tables.kv_requests["vault"].to_list() == ["kv-prod", "kv-prod"]
    assert tables.kv_requests["row_id"].to_list() == ["result.json:1", "result.json:2"]


def test_partial_query_api_json_keeps_rows_and_marks_partial(tmp_path: Path) -> None:
    error = json.loads((LOGS / "la_api_partial_error_200.json").read_text())["error"]
    (tmp_path / "partial.json").write_text(json.dumps(_api_document(error)))
    collected = FileSource(tmp_path).collect(QUERY)
    (raw,) = collected.raw_tables
    assert raw.status is SourceStatus.PARTIAL
    assert "PartialError" in raw.detail and "E_OVERFLOW" in raw.detail
    assert "partial" in collected.inputs[0].detected_format
    tables = normalize_evidence(collected.raw_tables)
    assert tables.kv_requests.height == 2
    (summary,) = tables.sources
    assert summary.status is SourceStatus.PARTIAL and summary.rows == 2
    assert "PartialError" in summary.detail


def test_az_cli_json_rows_with_table_name(tmp_path: Path) -> None:
    rows = [
        {"TableName": "PrimaryResult", "TimeGenerated": "2024-05-01T10:00:00Z",
         "SourceIp": "10.2.1.4", "SourcePort": 50000, "DestinationIp": "10.1.2.4",
         "DestinationPort": 443, "Protocol": "TCP", "Action": "Allow", "Rule": "allow-kv",
         "_ResourceId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/"
                        "azureFirewalls/fw-hub"},
    ]
    (tmp_path / "az.json").write_text(json.dumps(rows))
    collected = FileSource(tmp_path).collect(QUERY)
    assert [t.table for t in collected.raw_tables] == ["AZFWNetworkRule"]
    events = normalize_evidence(collected.raw_tables).fw_events
    assert events.row(0, named=True) | {"time": None} == events.row(0, named=True) | {
        "time": None, "firewall": "fw-hub", "src_ip": "10.2.1.4", "dst_port": 443,
        "action": "Allow", "kind": "network", "row_id": "az.json:1"}


def test_portal_csv_local_time_is_refused_without_zone(tmp_path: Path) -> None:
    name = "sentinel_AZFWThreatIntel_portal_export_first10.csv"
    (tmp_path / name).write_bytes((LOGS / name).read_bytes())
    with pytest.raises(InputError) as caught:
        FileSource(tmp_path).collect(QUERY)
    assert str(caught.value).startswith(f"{name}: column 'TimeGenerated [Local Time]'")
    assert "--csv-tz" in str(caught.value)


def test_portal_csv_local_time_with_zone_becomes_utc(tmp_path: Path) -> None:
    name = "sentinel_AZFWThreatIntel_portal_export_first10.csv"
    (tmp_path / name).write_bytes((LOGS / name).read_bytes())
    collected = FileSource(tmp_path, csv_timezone="America/New_York").collect(QUERY)
    (raw,) = collected.raw_tables
    assert raw.table == "AZFWThreatIntel"
    events = normalize_evidence(collected.raw_tables).fw_events
    # 8/9/2023, 2:24:24.550 PM in New York (EDT, UTC-4) is 18:24:24.550 UTC.
    assert events["time"][0] == datetime(2023, 8, 9, 18, 24, 24, 550000, tzinfo=timezone.utc)
    assert events["kind"][0] == "threatintel" and events["dst_ip"][0] is None
    assert events["fqdn"][0] == "testmaliciousdomain.eastus.cloudapp.azure.com"
    assert events["protocol"][0] == "HTTP/1.1"
    assert events["row_id"][0] == f"{name}:2"


def test_bad_zone_name_is_an_input_error(tmp_path: Path) -> None:
    name = "sentinel_AZFWThreatIntel_portal_export_first10.csv"
    (tmp_path / name).write_bytes((LOGS / name).read_bytes())
    with pytest.raises(InputError, match="not an IANA time zone"):
        FileSource(tmp_path, csv_timezone="Mars/Olympus").collect(QUERY)


def test_portal_csv_utc_header_and_us_times(tmp_path: Path) -> None:
    (tmp_path / "export.csv").write_text(
        'TenantId,"TimeGenerated [UTC]",Protocol,SourceIp,SourcePort,DestinationIp,'
        "DestinationPort,Action,Policy,RuleCollectionGroup,RuleCollection,Rule,ActionReason,Type\n"
        't,"12/19/2023, 12:05:00.000 AM",TCP,10.2.1.4,50000,10.1.2.4,443,Allow,p,g,c,r,,'
        "AZFWNetworkRule\n"
    )
    events = normalize_evidence(FileSource(tmp_path).collect(QUERY).raw_tables).fw_events
    assert events["time"][0] == datetime(2023, 12, 19, 0, 5, tzinfo=timezone.utc)


def test_canonical_parquet_round_trip(tmp_path: Path) -> None:
    name = "elastic_azfw_legacy_networkrule_raw.ndjson"
    source_dir, out_dir = tmp_path / "in", tmp_path / "out"
    source_dir.mkdir()
    (source_dir / name).write_bytes((LOGS / name).read_bytes())
    first = normalize_evidence(FileSource(source_dir).collect(QUERY).raw_tables)
    write_canonical(first, out_dir)
    collected = FileSource(out_dir).collect(QUERY)
    assert {t.table for t in collected.raw_tables} == {
        "canonical:kv_requests", "canonical:fw_events", "canonical:flows", "canonical:dns"}
    again = normalize_evidence(collected.raw_tables)
    assert again.fw_events.equals(first.fw_events)  # row ids survive the round trip
    assert again.kv_requests.height == 0 and again.kv_requests.schema == first.kv_requests.schema


def test_parquet_that_is_not_ours_is_refused(tmp_path: Path) -> None:
    pl.DataFrame({"a": [1]}).write_parquet(tmp_path / "x.parquet")
    with pytest.raises(InputError, match=r"^x\.parquet: Parquet that is not a netlogs"):
        FileSource(tmp_path).collect(QUERY)


def test_records_wrapper_per_line_event_hub_style(tmp_path: Path) -> None:
    lines = (LOGS / "elastic_azfw_legacy_dnsproxy_raw.ndjson").read_text().splitlines()
    wrapped = [json.dumps({"records": [json.loads(line) for line in lines[:2]]}),
               json.dumps({"records": [json.loads(lines[2])]})]
    (tmp_path / "eh.json").write_text("\n".join(wrapped) + "\n")
    collected = FileSource(tmp_path).collect(QUERY)
    dns = normalize_evidence(collected.raw_tables).dns
    assert dns["row_id"].to_list() == ["eh.json:1.1", "eh.json:1.2", "eh.json:2.1"]


def test_fetch_directory_with_partial_ledger_reads_back_partial(tmp_path: Path) -> None:
    name = "sentinel_AZFWNetworkRule_portal_export_first10.csv"
    source_dir, out_dir = tmp_path / "in", tmp_path / "out"
    source_dir.mkdir()
    (source_dir / name).write_bytes((LOGS / name).read_bytes())
    write_canonical(normalize_evidence(FileSource(source_dir).collect(QUERY).raw_tables), out_dir)
    ledger = {
        "schema": "netlogs.ledger/v1",
        "entries": [
            {"template": "azfw_network_rules", "workspace": "ws1", "status": "complete"},
            {"template": "azfw_network_rules", "workspace": "ws1", "status": "partial",
             "detail": "PartialError: E_QUERY_RESULT_SET_TOO_LARGE"},
        ],
        "issues": [{"origin": "azfw@ws1", "line": 7, "reason": "unreadable firewall message"}],
    }
    (out_dir / "ledger.json").write_text(json.dumps(ledger))
    (out_dir / "queries.json").write_text(json.dumps({"schema": "netlogs.queries/v1",
                                                      "queries": []}))
    collected = FileSource(out_dir).collect(QUERY)
    assert all(t.status is SourceStatus.PARTIAL for t in collected.raw_tables)
    assert "1 of 2 query chunks" in collected.raw_tables[0].detail
    assert [(i.origin, i.line) for i in collected.parse_issues] == [("azfw@ws1", 7)]
    tables = normalize_evidence(collected.raw_tables, collected.parse_issues)
    firewall = [s for s in tables.sources if s.rows]
    assert [(s.table, s.rows, s.status) for s in firewall] == [
        ("AZFWNetworkRule", 10, SourceStatus.PARTIAL)]


def test_local_time_on_a_dst_change(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text(
        '"TimeGenerated [Local Time]",SourceIp,SourcePort,DestinationIp,DestinationPort,Action\n'
        '"11/5/2023, 1:30:00.000 AM",10.2.1.4,1,10.1.2.4,443,Allow\n'  # happens twice in New York
        '"3/12/2023, 2:30:00.000 AM",10.2.1.4,2,10.1.2.4,443,Allow\n'  # never happens
    )
    collected = FileSource(tmp_path, csv_timezone="America/New_York").collect(QUERY)
    times = normalize_evidence(collected.raw_tables).fw_events["time"].to_list()
    assert times == [datetime(2023, 11, 5, 5, 30, tzinfo=timezone.utc)]
    # the time that never happened is not a time: set aside with its line, the source partial
    (raw,) = collected.raw_tables
    assert raw.set_aside == (("unparseable_time", 1),) and raw.status is SourceStatus.PARTIAL
    assert [(i.origin, i.line) for i in collected.parse_issues] == [("x.csv", 3)]
    assert collected.inputs[0].rows == 2


def test_az_json_dynamic_columns_become_json_text(tmp_path: Path) -> None:
    rows = [{"TableName": "PrimaryResult", "TimeGenerated": "2024-05-01T10:00:00Z",
             "OperationName": "SecretGet", "CallerIpAddress": "10.1.2.4", "HttpStatusCode": 200,
             "_ResourceId": "/x/vaults/kv-prod",
             "Identity": {"claim": {"xms_mirid": "/subscriptions/s/mi/app-id"}},
             "Properties": {"privateEndpointId": "/x/privateEndpoints/pe-kv"}}]
    (tmp_path / "az.json").write_text(json.dumps(rows))
    kv = normalize_evidence(FileSource(tmp_path).collect(QUERY).raw_tables).kv_requests
    assert kv.row(0, named=True) | {"time": None} == kv.row(0, named=True) | {
        "time": None, "identity": "/subscriptions/s/mi/app-id", "via": "private_endpoint",
        "private_endpoint_id": "/x/privateEndpoints/pe-kv", "vault": "kv-prod"}


def test_ipv6_firewall_line_is_reported_not_dropped(tmp_path: Path) -> None:
    (tmp_path / "fw.csv").write_text(
        "TimeGenerated,Category,OperationName,Resource,msg_s\n"
        "2024-05-01T10:00:00Z,AzureFirewallNetworkRule,AzureFirewallNetworkRuleLog,FW,"
        '"TCP request from [2001:db8::1]:5000 to [2001:db8::2]:443. Action: Allow"\n'
    )
    collected = FileSource(tmp_path).collect(QUERY)
    tables = normalize_evidence(collected.raw_tables)
    assert tables.fw_events.height == 0
    (issue,) = tables.issues
    assert (issue.origin, issue.line) == ("fw.csv", 2) and "2001:db8::1" in issue.reason
