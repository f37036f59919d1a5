"""An export lacking a column the verdicts need is refused (or set aside), never read as empty."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from netlogs.errors import InputError
from netlogs.model import SourceStatus
from netlogs.normalize import normalize_evidence
from tests.sources.files.file_faults import (
    FLOW_RAW,
    FW_APP_RULE,
    FW_CSV,
    FW_DIAGNOSTICS,
    KV_AZ_JSON,
    KV_DIAGNOSTICS,
    KV_RAW,
    collect,
    drop_api_columns,
    only,
    run_trace,
    sample_copy,
)


def _drop_az_keys(path: Path, *names: str) -> int:
    rows = json.loads(path.read_text())
    for row in rows:
        for name in names:
            row.pop(name, None)
    path.write_text(json.dumps(rows, indent=2))
    return len(rows)


def _drop_csv_columns(path: Path, *names: str) -> int:
    frame = pl.read_csv(path, infer_schema=False)
    frame.drop(*names).write_csv(path)
    return frame.height


def _rename_raw_fields(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(f'"{old}"', f'"{new}"'))


@pytest.mark.parametrize(
    ("name", "columns", "message"),
    [
        (KV_AZ_JSON, ("_ResourceId",), "AZKVAuditLogs export lacks required column _ResourceId"),
        (KV_AZ_JSON, ("TimeGenerated",), "AZKVAuditLogs export lacks required column Time"),
        (KV_DIAGNOSTICS, ("Resource", "ResourceId", "_ResourceId"),
         "AzureDiagnostics export lacks required column Resource (Key Vault AuditEvent rows)"),
        (KV_DIAGNOSTICS, ("CallerIPAddress",),
         "AzureDiagnostics export lacks required column CallerIPAddress"),
        (FW_DIAGNOSTICS, ("msg_s",), "lacks required column msg_s (firewall rule-log rows)"),
        (FW_APP_RULE, ("Action",), "AZFWApplicationRule export lacks required column Action"),
        (FW_CSV, ("SourceIp",), "AZFWNetworkRule export lacks required column SourceIp"),
        (FW_CSV, ("TimeGenerated [UTC]",), "lacks required column TimeGenerated"),
        (FW_CSV, ("Action",), "AZFWNetworkRule export lacks required column Action"),
    ],
)
def test_export_without_a_needed_column_is_refused(
    tmp_path: Path, name: str, columns: tuple[str, ...], message: str
) -> None:
    path = only(tmp_path, name)
    if name.endswith(".az.json"):
        rows = _drop_az_keys(path, *columns)
    elif name.endswith(".csv"):
        rows = _drop_csv_columns(path, *columns)
    else:
        drop_api_columns(path, *columns)
        rows = len(json.loads(path.read_text())["tables"][0]["rows"])
    with pytest.raises(InputError) as caught:
        collect(path.parent)
    assert str(caught.value).startswith(f"{path.name}: ")
    assert message in str(caught.value) and "\n" not in str(caught.value)
    # --skip-unknown: every row is counted as set aside, the source is partial, not empty
    collected = collect(path.parent, skip_unknown=True)
    (raw,) = collected.raw_tables
    assert raw.frame.is_empty() and raw.set_aside == (("missing_column", rows),)
    assert raw.status is SourceStatus.PARTIAL and "lacks required column" in raw.detail
    (issue,) = collected.parse_issues
    assert issue.line is None and "lacks required column" in issue.reason
    assert collected.inputs[0].rows == rows
    (source,) = normalize_evidence(collected.raw_tables, collected.parse_issues).sources
    assert source.status is SourceStatus.PARTIAL and source.rows == 0


def test_raw_key_vault_record_without_caller(tmp_path: Path) -> None:
    path = only(tmp_path, KV_RAW)
    _rename_raw_fields(path, "callerIpAddress", "clientAddress")
    with pytest.raises(InputError, match="raw:keyvault export lacks required column callerIp"):
        collect(path.parent)


def test_raw_flow_records_without_their_tuples(tmp_path: Path) -> None:
    path = only(tmp_path, FLOW_RAW)
    _rename_raw_fields(path, "flowTuples", "tuples")
    with pytest.raises(InputError, match=r"raw:vnet_flow export lacks required column "
                                         r"flowRecords\.flows\.flowGroups\.flowTuples"):
        collect(path.parent)
    collected = collect(path.parent, skip_unknown=True)
    (raw,) = collected.raw_tables
    records = len(json.loads(path.read_text())["records"])  # the tuples inside are unreachable
    assert raw.status is SourceStatus.PARTIAL and raw.set_aside == (("missing_column", records),)
    assert collected.inputs[0].rows == records


def test_the_sample_run_refuses_a_vault_export_without_vault_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The finding: dropping the vault id made the sample's violations vanish, exit 0."""
    logs = sample_copy(tmp_path)
    drop_api_columns(logs / KV_DIAGNOSTICS, "Resource", "ResourceId", "_ResourceId")
    code, output = run_trace(logs, capsys)
    assert code == 2
    assert output.strip() == (
        f"Error: {KV_DIAGNOSTICS}: AzureDiagnostics export lacks required column Resource "
        "(Key Vault AuditEvent rows)"
    )
    code, output = run_trace(logs, capsys, "--skip-unknown")
    assert code != 0 and "Traceback" not in output
    assert "lacks required column Resource" in output  # reported, not silently empty
