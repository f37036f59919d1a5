"""Shared helpers for the file-fault tests: the sample scenario's real exports, copied and run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from netlogs.cli import main
from netlogs.model import CollectedEvidence, EvidenceQuery
from netlogs.sources.files import FileSource

REPO = Path(__file__).resolve().parents[3]
SAMPLE_LOGS = REPO / "sample_data" / "logs"
TOPOLOGY = REPO / "sample_data" / "topology.yaml"
QUERY = EvidenceQuery("kv", "kv.vault.azure.net", (), (), None)

KV_AZ_JSON = "log-analytics/AZKVAuditLogs-2026-11-20T11.az.json"
KV_DIAGNOSTICS = "log-analytics/AzureDiagnostics-keyvault-2026-11-20T10.json"
FW_DIAGNOSTICS = "log-analytics/AzureDiagnostics-firewall-2026-11-20T10.json"
FW_APP_RULE = "log-analytics/AZFWApplicationRule-2026-11-20T11.json"
FW_CSV = "portal/AZFWNetworkRule-2026-11-20T11-UTC.csv"
KV_RAW = next(
    p.relative_to(SAMPLE_LOGS).as_posix()
    for p in SAMPLE_LOGS.rglob("PT1H.json")
    if "auditevent" in p.as_posix()
)
FLOW_RAW = sorted(
    p.relative_to(SAMPLE_LOGS).as_posix()
    for p in SAMPLE_LOGS.rglob("PT1H.json")
    if "flowlogflowevent" in p.as_posix()
)[0]


def sample_copy(tmp_path: Path) -> Path:
    """A copy of the sample scenario's logs directory."""
    logs = tmp_path / "logs"
    shutil.copytree(SAMPLE_LOGS, logs)
    return logs


def only(tmp_path: Path, name: str) -> Path:
    """A directory holding one sample file (same bytes), returned as the file's new path."""
    target = tmp_path / "one" / Path(name).name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE_LOGS / name, target)
    return target


def collect(root: Path, **options: Any) -> CollectedEvidence:
    return FileSource(root, **options).collect(QUERY)


def query_api(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def drop_api_columns(path: Path, *names: str) -> None:
    """Remove columns (and their cells) from a query-API JSON file."""
    document = query_api(path)
    for table in document["tables"]:
        keep = [i for i, c in enumerate(table["columns"]) if c["name"] not in names]
        table["columns"] = [table["columns"][i] for i in keep]
        table["rows"] = [[row[i] for i in keep] for row in table["rows"]]
    path.write_text(json.dumps(document, indent=1))


def run_trace(logs: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    """``netlogs trace`` on the sample topology, in this process: (exit code, stdout + stderr)."""
    code, out, err = run_trace_parts(logs, capsys, *extra)
    return code, out + err


def run_trace_parts(
    logs: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str]:
    """``netlogs trace`` on the sample topology, in this process: (exit code, stdout, stderr)."""
    args = ["trace", "--vault", "kv-contoso-prod", "--topology", str(TOPOLOGY),
            "--logs", str(logs), *extra]
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
