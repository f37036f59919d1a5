"""Portal CSV faults (short rows, a file cut mid-row, bad times); tables it does not read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netlogs.errors import InputError
from netlogs.model import LogFamily, SourceStatus
from netlogs.normalize import normalize_evidence
from tests.sources.files.file_faults import (
    FW_CSV,
    FW_DIAGNOSTICS,
    collect,
    only,
    query_api,
    run_trace,
    sample_copy,
)


def _csv_lines(tmp_path: Path) -> tuple[Path, list[str]]:
    path = only(tmp_path, FW_CSV)
    return path, path.read_text().splitlines(keepends=True)


def _issue_lines(root: Path) -> list[tuple[int | None, str]]:
    return [(i.line, i.reason) for i in collect(root).parse_issues]


def test_short_row_is_set_aside_with_its_line(tmp_path: Path) -> None:
    path, lines = _csv_lines(tmp_path)
    lines[3] = ",".join(lines[3].split(",")[:6]) + "\r\n"  # a row cut to 6 of 16 fields
    path.write_text("".join(lines))
    collected = collect(path.parent)
    (raw,) = collected.raw_tables
    assert raw.set_aside == (("unparseable", 1),) and raw.status is SourceStatus.PARTIAL
    assert [(i.line, i.reason) for i in collected.parse_issues] == [
        (4, "a row with fewer fields than the header")]
    assert 4 not in raw.frame["_row"].to_list()
    assert collected.inputs[0].rows == len(lines) - 1 == raw.frame.height + 1
    (source,) = normalize_evidence(collected.raw_tables).sources
    assert source.status is SourceStatus.PARTIAL


def test_row_with_an_empty_last_cell_is_not_short(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        '"TimeGenerated [UTC]",SourceIp,DestinationIp,DestinationPort,Action,ActionReason\n'
        '"11/20/2026, 11:05:20.114 AM",10.1.1.5,10.1.2.4,443,Allow,\n'
        '"11/20/2026, 11:05:21.114 AM",10.1.1.5,10.1.2.4,443,Allow,""\n'
    )
    (raw,) = collect(tmp_path).raw_tables
    assert raw.frame.height == 2 and raw.set_aside == ()


def test_file_cut_inside_a_quoted_time_loses_only_the_cut_row(tmp_path: Path) -> None:
    path, lines = _csv_lines(tmp_path)
    text = "".join(lines[:5]) + lines[5][: lines[5].index('"') + 8]  # inside "11/20/2026, ..."
    assert text.count('"') % 2 == 1
    path.write_text(text)
    collected = collect(path.parent)
    (raw,) = collected.raw_tables
    assert raw.frame.height == 4 and raw.set_aside == (("truncated", 1),)
    assert raw.status is SourceStatus.PARTIAL
    assert [(i.line, i.reason) for i in collected.parse_issues] == [
        (6, "the file ends inside this row")]
    assert collected.inputs[0].rows == 5


def test_file_cut_after_a_comma_has_a_short_last_row(tmp_path: Path) -> None:
    path, lines = _csv_lines(tmp_path)
    path.write_text("".join(lines[:4]) + lines[4][: lines[4].index(",TCP") + 5])
    (raw,) = collect(path.parent).raw_tables
    assert raw.set_aside == (("truncated", 1),) and raw.frame.height == 3
    assert _issue_lines(path.parent) == [(5, "the file ends inside this row")]


def test_a_quote_left_open_mid_file_is_refused_at_its_line(tmp_path: Path) -> None:
    path, lines = _csv_lines(tmp_path)
    lines[2] = lines[2][: lines[2].index('"') + 8] + "\n"  # the rest of the file is in quotes
    path.write_text("".join(lines))
    with pytest.raises(InputError, match=rf"^{path.name} \(line 3\): a quoted cell opened on "
                                         "this line is never closed"):
        collect(path.parent)


def test_unparseable_time_is_set_aside_with_its_line(tmp_path: Path) -> None:
    path, lines = _csv_lines(tmp_path)
    lines[2] = lines[2].replace('"11/20/2026, 11:12:40.553 AM"', '"20/11/2026 11h12"')
    lines[4] = lines[4].replace('"11/20/2026, 11:18:01.036 AM"', '""')
    path.write_text("".join(lines))
    (raw,) = collect(path.parent).raw_tables
    assert raw.set_aside == (("unparseable_time", 2),) and raw.status is SourceStatus.PARTIAL
    assert _issue_lines(path.parent) == [
        (3, "TimeGenerated is empty or not a time"), (5, "TimeGenerated is empty or not a time")]


def test_rows_after_a_multi_line_cell_keep_their_real_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        '"TimeGenerated [UTC]",SourceIp,DestinationIp,DestinationPort,Action,ActionReason,Type\n'
        '"11/20/2026, 11:05:20.114 AM",10.1.1.5,10.1.2.4,443,Deny,"two\nlines",AZFWNetworkRule\n'
        '"11/20/2026, 11:05:21.114 AM",10.1.1.6,10.1.2.4,443\n'  # short: 5 of 7 fields
        '"11/20/2026, 11:05:22.114 AM",10.1.1.7,10.1.2.4,443,Allow,,AZFWNetworkRule\n'
    )
    collected = collect(tmp_path)
    (raw,) = collected.raw_tables
    assert raw.frame["_row"].to_list() == [2, 5]
    assert [(i.line, i.reason) for i in collected.parse_issues] == [
        (4, "a row with fewer fields than the header")]
    events = normalize_evidence(collected.raw_tables).fw_events
    assert events["row_id"].to_list() == ["x.csv:2", "x.csv:5"]


def test_a_cut_firewall_csv_no_longer_turns_a_covered_client_into_a_bypass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The finding: one short firewall row made a covered client REACHED_BYPASSING_FIREWALL."""
    logs = sample_copy(tmp_path)
    _, before = run_trace(logs, capsys, "--format", "json")
    lines = (logs / FW_CSV).read_text().splitlines(keepends=True)
    lines[1] = lines[1][: lines[1].index(",TCP,") + 9] + "\r\n"  # vm-batch-01's Allow row, cut
    (logs / FW_CSV).write_text("".join(lines))
    code, after = run_trace(logs, capsys, "--format", "json")
    verdicts = {f["client_ip"]: f["verdict"] for f in json.loads(after)["flows"]}
    assert json.loads(before)["flows"] and code in (1, 3)
    assert verdicts["10.1.1.5"] != "REACHED_BYPASSING_FIREWALL"
    fw = [s for s in json.loads(after)["sources"] if s["table"] == "AZFWNetworkRule"]
    assert fw and fw[0]["status"] == "partial"


@pytest.mark.parametrize("table", ["SigninLogs", "AzureActivity", "AZFWThreatIntelCustom_CL"])
def test_csv_of_another_table_is_not_firewall_data(tmp_path: Path, table: str) -> None:
    path, lines = _csv_lines(tmp_path)
    path.write_text("".join(lines).replace(",AZFWNetworkRule,", f",{table},"))
    with pytest.raises(InputError, match=rf"^{path.name}: only rows of tables netlogs does "
                                         rf"not read \(Type: {table}\)$"):
        collect(path.parent)
    collected = collect(path.parent, skip_unknown=True)
    assert collected.raw_tables == ()
    assert "file not read" in collected.parse_issues[0].reason


def test_front_door_diagnostics_do_not_make_the_firewall_family_present(tmp_path: Path) -> None:
    path = only(tmp_path, FW_DIAGNOSTICS)
    document = query_api(path)
    table = document["tables"][0]
    names = [c["name"] for c in table["columns"]]
    for row in table["rows"]:
        row[names.index("Category")] = "FrontDoorAccessLog"
        row[names.index("OperationName")] = "Microsoft.Cdn/Profiles/AccessLog/Write"
        row[names.index("ResourceProvider")] = "MICROSOFT.CDN"
        row[names.index("msg_s")] = ""
    path.write_text(json.dumps(document))
    with pytest.raises(InputError, match="only AzureDiagnostics rows of other categories"):
        collect(path.parent)
    collected = collect(path.parent, skip_unknown=True)
    tables = normalize_evidence(collected.raw_tables, collected.parse_issues)
    assert not [s for s in tables.sources if s.family is LogFamily.FIREWALL]


def test_unrelated_diagnostics_rows_are_set_aside_among_firewall_rows(tmp_path: Path) -> None:
    path = only(tmp_path, FW_DIAGNOSTICS)
    document = query_api(path)
    table = document["tables"][0]
    names = [c["name"] for c in table["columns"]]
    table["rows"][0][names.index("Category")] = "FrontDoorAccessLog"
    table["rows"][0][names.index("ResourceProvider")] = "MICROSOFT.CDN"
    table["rows"][0][names.index("msg_s")] = ""
    path.write_text(json.dumps(document))
    collected = collect(path.parent)
    (raw,) = collected.raw_tables
    assert raw.set_aside == (("unrelated", 1),) and raw.status is SourceStatus.COMPLETE
    assert raw.frame.height == len(table["rows"]) - 1
    assert collected.inputs[0].rows == len(table["rows"])
    assert "FrontDoorAccessLog" in collected.parse_issues[0].reason


def test_azure_activity_rows_without_their_type_are_not_vault_requests(tmp_path: Path) -> None:
    """AzureActivity has CallerIpAddress and OperationName like AZKVAuditLogs: a projection that
    dropped ``Type`` must still not turn a vault write into a vault request."""
    rows = [{
        "TimeGenerated": "2026-11-20T10:05:00Z",
        "OperationNameValue": "MICROSOFT.KEYVAULT/VAULTS/WRITE",
        "OperationName": "Update Key Vault",
        "CategoryValue": "Administrative",
        "ActivityStatusValue": "Success",
        "CallerIpAddress": "10.1.1.4",
        "_ResourceId": "/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv",
    }]
    (tmp_path / "activity.json").write_text(json.dumps(rows))
    with pytest.raises(InputError, match=r"^activity\.json: .*match no log table"):
        collect(tmp_path)


def test_rows_of_another_table_in_an_export_are_set_aside(tmp_path: Path) -> None:
    path, lines = _csv_lines(tmp_path)
    lines[2] = lines[2].replace(",AZFWNetworkRule,", ",SigninLogs,")
    path.write_text("".join(lines))
    collected = collect(path.parent)
    (raw,) = collected.raw_tables
    assert raw.set_aside == (("unrelated", 1),) and raw.status is SourceStatus.COMPLETE
    assert 3 not in raw.frame["_row"].to_list()
    assert "Type: SigninLogs" in collected.parse_issues[0].reason
    assert collected.inputs[0].rows == len(lines) - 1


def test_last_row_cut_inside_its_last_cell_is_set_aside(tmp_path: Path) -> None:
    """The row still has every field, but its firewall id lost its end: it is not trusted."""
    path, lines = _csv_lines(tmp_path)
    path.write_text("".join(lines[:3]) + lines[3].rstrip()[:-12])  # ".../azurefirewal"
    collected = collect(path.parent)
    (raw,) = collected.raw_tables
    assert raw.set_aside == (("truncated", 1),) and raw.frame["_row"].to_list() == [2, 3]
    assert _issue_lines(path.parent) == [(4, "the file ends inside this row")]


def test_file_cut_inside_its_header_is_refused(tmp_path: Path) -> None:
    """Found by the fuzz test: a header cut after ``Action`` read as an empty, complete
    AZFWNetworkRule export, and covered clients became firewall bypasses."""
    path, lines = _csv_lines(tmp_path)
    path.write_text(lines[0][:94])
    with pytest.raises(InputError, match=rf"^{path.name} \(line 1\): the file ends inside its "
                                         "header line"):
        collect(path.parent)
