"""The ledger and the bad-input rules of issue #13 through the real `netlogs` entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netlogs.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE_ARGS = [
    "trace",
    "--vault",
    "kv-contoso-prod",
    "--topology",
    str(REPO / "sample_data" / "topology.yaml"),
    "--logs",
    str(REPO / "sample_data" / "logs"),
    "--now",
    "2026-11-21T09:00:00Z",
]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out, err


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--since", "99999999999999999999d"], "--since '99999999999999999999d': longer than"),
        (["--since", "100000d"], "longer than the most netlogs accepts (3650d)"),
        (["--reuse-window", "999999999999h"], "--reuse-window '999999999999h': longer than"),
        (["--clock-skew", "9" * 5000 + "s"], "--clock-skew"),
        (["--start", "9999-12-31T23:00:00Z"], "outside the years 1970 to 8999"),
        (["--start", "0001-01-01T00:00:00Z", "--end", "2026-11-20T12:00:00Z"], "--start"),
    ],
)
def test_absurd_durations_and_times_are_one_error_line(
    capsys: pytest.CaptureFixture[str], extra: list[str], expected: str
) -> None:
    code, out, err = run([*SAMPLE_ARGS, *extra], capsys)
    assert (code, out) == (2, "")
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and expected in lines[0], err


def test_the_ledger_reaches_the_terminal_json_and_a_re_rendered_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "trace.json"
    code, out, _ = run([*SAMPLE_ARGS, "--json", str(saved)], capsys)
    assert code == 1  # the sample has violations on purpose
    assert "\nSources:\n" in out
    assert "  keyvault raw:keyvault: read 3, used 0, set aside 3 (other_vault 3) — missing\n" in out
    assert "  firewall AZFWNetworkRule: read 9, used 8, set aside 1 (unrelated 1)\n" in out
    document = json.loads(saved.read_text(encoding="utf-8"))
    for source in document["sources"]:
        assert source["read"] == source["used"] + sum(source["set_aside"].values())
    markdown = tmp_path / "report.md"
    code, _, _ = run(["report", str(saved), "--markdown", str(markdown)], capsys)
    assert code == 0
    text = markdown.read_text(encoding="utf-8")
    assert "| keyvault raw:keyvault | missing | 3 | 0 | other\\_vault 3 |" in text
