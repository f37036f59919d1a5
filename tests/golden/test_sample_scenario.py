"""The shipped sample scenario: golden JSON, the hand-written verdict table, the generator.

Regenerate the golden file after an intended change, then review the diff:

    NETLOGS_UPDATE_GOLDEN=1 .venv/bin/pytest tests/golden
"""

from __future__ import annotations

import os
import re
import runpy
from pathlib import Path

import pytest

from netlogs.model import Verdict
from netlogs.testing import invoke

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data"
GOLDEN = Path(__file__).resolve().parent / "sample_scenario.trace.json"
# Pinned clock for the golden run: the day after the scenario (the files themselves say when
# they were exported, so the verdicts do not depend on this; only `generated_at` does).
NOW = "2026-11-21T09:00:00Z"
ARGS = [
    "trace",
    "--vault",
    "kv-contoso-prod",
    "--topology",
    str(SAMPLE / "topology.yaml"),
    "--logs",
    str(SAMPLE / "logs"),
    "--format",
    "json",
    "--now",
    NOW,
]


def _trace_json(args: list[str]) -> str:
    run = invoke(args)
    assert run.code == 1, run.stderr  # the scenario has violations on purpose
    return run.stdout


@pytest.fixture(scope="module")
def document() -> dict[str, object]:
    import json

    parsed: dict[str, object] = json.loads(_trace_json(ARGS))
    return parsed


def test_sample_trace_matches_the_golden_json_byte_for_byte() -> None:
    produced = _trace_json(ARGS)
    if os.environ.get("NETLOGS_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(produced, encoding="utf-8", newline="")
    assert produced == GOLDEN.read_text(encoding="utf-8"), (
        "netlogs trace on sample_data changed; if intended, run "
        "NETLOGS_UPDATE_GOLDEN=1 .venv/bin/pytest tests/golden and review the diff"
    )


def test_the_json_file_is_the_golden_document(tmp_path: Path) -> None:
    """``--json FILE`` streams the document into the file: the same bytes as standard output."""
    target = tmp_path / "out" / "trace.json"
    args = [*ARGS[: ARGS.index("--format")], "--format", "none", *ARGS[ARGS.index("--now"):]]
    run = invoke([*args, "--json", str(target)])
    assert run.code == 1, run.stderr
    assert target.read_bytes() == GOLDEN.read_bytes()
    assert [p.name for p in target.parent.iterdir()] == ["trace.json"]


def test_sample_trace_is_deterministic() -> None:
    assert _trace_json(ARGS) == _trace_json(ARGS)


def test_the_clock_changes_nothing_but_generated_at() -> None:
    later = [a if a != NOW else "2030-01-01T00:00:00Z" for a in ARGS]
    first, second = _trace_json(ARGS), _trace_json(later)
    assert first.replace(NOW, "X") == second.replace("2030-01-01T00:00:00Z", "X")


def _readme_table() -> dict[str, tuple[str, bool, str]]:
    """IP -> (verdict, violation, vault outcome) from the table in sample_data/README.md."""
    text = (SAMPLE / "README.md").read_text(encoding="utf-8")
    section = text.split("## Expected verdicts", 1)[1].split("\n## ", 1)[0]
    expected: dict[str, tuple[str, bool, str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 6 or not re.fullmatch(r"[0-9a-fA-F.:]+", cells[1]):
            continue
        verdict = cells[3].strip("`")
        expected[cells[1]] = (verdict, cells[4] == "yes", cells[5])
    return expected


def test_readme_table_covers_every_verdict() -> None:
    table = _readme_table()
    assert len(table) == 14
    assert {v for v, _, _ in table.values()} == {v.value for v in Verdict}


def test_every_client_gets_the_verdict_the_readme_promises(document: dict[str, object]) -> None:
    flows = document["flows"]
    assert isinstance(flows, list)
    produced = {f["client_ip"]: (f["verdict"], f["violation"], f["vault_outcome"]) for f in flows}
    assert produced == _readme_table()


def test_sample_evidence_cites_the_stories(document: dict[str, object]) -> None:
    """Spot checks of the facts the README's 'why' column relies on."""
    flows = {f["client_ip"]: f for f in document["flows"]}  # type: ignore[attr-defined]
    assert flows["10.0.0.70"]["snat_candidates"] == ["10.2.1.8", "10.2.1.9"]
    assert flows["10.1.1.5"]["http_status"] == {"401": 1, "403": 3}
    assert flows["10.1.1.4"]["operations"]["Authentication"] == 2
    assert "private_endpoint_route" in flows["10.0.1.10"]["cause"]
    kinds = {g["kind"] for g in document["gaps"]}  # type: ignore[attr-defined]
    assert {"snat_ambiguous", "latency"} <= kinds
    tables = {(s["family"], s["table"]) for s in document["sources"]}  # type: ignore[attr-defined]
    assert {
        ("keyvault", "AzureDiagnostics"),
        ("keyvault", "AZKVAuditLogs"),
        ("firewall", "AZFWNetworkRule"),
        ("firewall", "AZFWApplicationRule"),
        ("firewall", "AzureDiagnostics"),
        ("flow", "raw:vnet_flow"),
    } <= tables


def test_committed_logs_are_what_the_generator_writes() -> None:
    generator = runpy.run_path(str(SAMPLE / "generate.py"))  # a script, not a package module
    files: dict[str, str] = generator["files"]()
    on_disk = {
        p.relative_to(SAMPLE / "logs").as_posix()
        for p in (SAMPLE / "logs").rglob("*")
        if p.is_file()
    }
    assert on_disk == set(files)
    for relative, text in files.items():
        assert (SAMPLE / "logs" / relative).read_bytes() == text.encode("utf-8"), relative
