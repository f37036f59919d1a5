"""Every shared sample is recognised by content; what is not evidence is refused, naming it."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest

from netlogs.errors import InputError
from netlogs.model import EvidenceQuery, SourceStatus
from netlogs.sources.files import FileSource

ANY = Any
QUERY = EvidenceQuery("kv", "kv.vault.azure.net", (), (), None)

# file -> (raw table names it yields, rows)
RECOGNISED = {
    "docs_azfw_legacy_resourcelog_samples.ndjson": ({"raw:azfw_legacy"}, 4),
    "docs_keyvault_storage_blob_PT1H_sample.json": ({"raw:keyvault"}, 1),
    "docs_nsg_flowlog_v2_sample.json": ({"raw:nsg_flow"}, 11),
    "docs_vnet_flowlog_v4_sample.json": ({"raw:vnet_flow"}, 19),
    "elastic_azfw_legacy_applicationrule_raw.ndjson": ({"raw:azfw_legacy"}, 6),
    "elastic_azfw_legacy_dnsproxy_raw.ndjson": ({"raw:azfw_legacy"}, 3),
    "elastic_azfw_legacy_networkrule_raw.ndjson": ({"raw:azfw_legacy"}, 13),
    "elastic_azfw_structured_raw.ndjson": ({"raw:azfw_structured"}, 5),
    "keyvault_AuditEvent_raw_records_securathesis_2022.json": ({"raw:keyvault"}, 4),
    "msticpy_az_net_flows_TrafficAnalytics.csv": ({"AzureNetworkAnalytics_CL"}, 460),
    "sentinel_ASIM_AzureFirewall_NetworkSession_ingested_first7.csv": (
        {"ASimNetworkSessionLogs"}, 7),
    "sentinel_AZFWNetworkRule_portal_export_first10.csv": ({"AZFWNetworkRule"}, 10),
}

# file -> words the refusal must contain (besides the file name)
REFUSED = {
    "la_api_error_404_PathNotFound.json": "PathNotFoundError",
    "la_api_error_504_GatewayTimeout.json": "ADX query timed out",
    "la_api_partial_error_200.json": "percentile_x_50",
    "la_api_response_types.json": "stringcolumn",
    "la_api_statistics_block.json": "without 'tables' or 'records'",
    "msticpy_loganalytics_api_raw_response_SecurityAlert.json": "AlertName",
}


def test_every_shared_sample_is_covered(logs: Path) -> None:
    on_disk = {p.name for p in logs.iterdir() if p.name != "README.md"}
    local_time_csv = {"sentinel_AZFWThreatIntel_portal_export_first10.csv"}
    assert on_disk == set(RECOGNISED) | set(REFUSED) | local_time_csv


@pytest.mark.parametrize("name", sorted(RECOGNISED))
def test_sample_is_recognised(name: str, read_copy: ANY) -> None:
    tables, rows = RECOGNISED[name]
    collected = read_copy(name)
    assert {t.table for t in collected.raw_tables} == tables
    assert sum(t.frame.height for t in collected.raw_tables) == rows
    (only,) = collected.inputs
    assert only.path == name and only.rows == rows
    assert only.sha256 == hashlib.sha256((Path(__file__).parents[2] / "fixtures/logs" / name)
                                         .read_bytes()).hexdigest()


@pytest.mark.parametrize("name", sorted(RECOGNISED))
def test_misleading_file_name_does_not_matter(name: str, read_copy: ANY) -> None:
    misleading = "AzureDiagnostics_keyvault.csv" if name.endswith("json") else "flows.json"
    collected = read_copy(name, rename=misleading)
    assert {t.table for t in collected.raw_tables} == RECOGNISED[name][0]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_non_evidence_json_is_refused_naming_the_file(name: str, read_copy: ANY) -> None:
    with pytest.raises(InputError) as caught:
        read_copy(name)
    message = str(caught.value)
    assert message.startswith(name + ":")
    assert REFUSED[name] in message
    assert "\n" not in message


def test_skip_unknown_turns_refusal_into_issue(read_copy: ANY) -> None:
    collected = read_copy("la_api_statistics_block.json", "docs_nsg_flowlog_v2_sample.json",
                          skip_unknown=True)
    assert [t.table for t in collected.raw_tables] == ["raw:nsg_flow"]
    (issue,) = collected.parse_issues
    assert issue.origin == "la_api_statistics_block.json"
    assert "file not read" in issue.reason
    assert {i.detected_format for i in collected.inputs} >= {"unknown (skipped)"}


def test_unknown_text_file_names_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "notes.log").write_text("hello world\nnothing here\n")
    with pytest.raises(InputError, match=r"^sub/notes\.log: .*match no log table"):
        FileSource(tmp_path).collect(QUERY)


def test_bad_json_line_is_reported_with_its_line(tmp_path: Path, logs: Path) -> None:
    lines = (logs / "elastic_azfw_legacy_dnsproxy_raw.ndjson").read_text().splitlines()
    lines.insert(2, '{"category": "AzureFirewallDnsProxy", broken')
    (tmp_path / "dns.ndjson").write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"^dns\.ndjson \(line 3\): invalid JSON"):
        FileSource(tmp_path).collect(QUERY)


def test_unknown_record_category_is_refused_with_line(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text(
        '{"category": "AuditEvent", "time": "2024-01-01T00:00:00Z", "operationName": "SecretGet",'
        ' "resourceId": "/SUBSCRIPTIONS/S/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV",'
        ' "callerIpAddress": "10.0.0.4"}\n'
        '{"category": "ApplicationGatewayAccessLog", "time": "2024-01-01T00:00:00Z"}\n'
    )
    with pytest.raises(InputError, match=r"^x\.json \(line 2\): a record whose category"):
        FileSource(tmp_path).collect(QUERY)
    collected = FileSource(tmp_path, skip_unknown=True).collect(QUERY)
    assert [(i.origin, i.line) for i in collected.parse_issues] == [("x.json", 2)]
    (raw,) = collected.raw_tables
    assert raw.table == "raw:keyvault" and raw.frame.height == 1
    assert raw.set_aside == (("unrelated", 1),)  # the other record is still accounted for
    assert collected.inputs[0].rows == 2


def test_empty_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no evidence files"):
        FileSource(tmp_path).collect(QUERY)


def test_no_file_is_skipped_by_its_name(tmp_path: Path, logs: Path) -> None:
    """Notes, ``.txt`` and hidden files are read like any other: content decides."""
    shutil.copy(logs / "docs_nsg_flowlog_v2_sample.json", tmp_path / "flows.txt")
    shutil.copy(logs / "elastic_azfw_structured_raw.ndjson", tmp_path / ".fw.ndjson")
    collected = FileSource(tmp_path).collect(QUERY)
    assert {i.path for i in collected.inputs} == {"flows.txt", ".fw.ndjson"}
    assert {t.table for t in collected.raw_tables} == {"raw:nsg_flow", "raw:azfw_structured"}
    (tmp_path / "README.md").write_text("# notes\nthese are the logs of the incident\n")
    with pytest.raises(InputError, match=r"^README\.md: .*match no log table"):
        FileSource(tmp_path).collect(QUERY)
    collected = FileSource(tmp_path, skip_unknown=True).collect(QUERY)
    assert [i.origin for i in collected.parse_issues] == ["README.md"]


def test_status_of_files_is_complete(read_copy: ANY) -> None:
    collected = read_copy("sentinel_AZFWNetworkRule_portal_export_first10.csv")
    assert all(t.status is SourceStatus.COMPLETE for t in collected.raw_tables)
