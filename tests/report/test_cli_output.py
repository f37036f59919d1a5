"""stdout of `trace`, `routes` and `path`: -o table|json|tsv|none, --query, colour, width.

Runs the real command on the shipped sample scenario (in-process, stdout captured: not a
terminal, so colour and width come only from NO_COLOR / FORCE_COLOR / COLUMNS).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from netlogs.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data"
TRACE = [
    "trace", "--vault", "kv-contoso-prod", "--topology", str(SAMPLE / "topology.yaml"),
    "--logs", str(SAMPLE / "logs"), "--now", "2026-11-21T09:00:00Z",
]
TOPOLOGY = ["--topology", str(SAMPLE / "topology.yaml")]
ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return int(exit_info.value.code or 0), out, err


def test_output_json_and_the_format_alias_print_the_same_document(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, by_output, _ = run(capsys, *TRACE, "-o", "json")
    again, by_format, _ = run(capsys, *TRACE, "--format", "json")
    assert code == again == 1  # the sample holds violations
    assert by_output == by_format
    assert json.loads(by_output)["summary"]["violations"] == 3


def test_output_tsv_is_one_line_per_flow(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *TRACE, "-o", "tsv")
    lines = out.splitlines()
    assert code == 1 and len(lines) == 14
    assert all(len(line.split("\t")) == 7 for line in lines)
    hub_jump = next(line.split("\t") for line in lines if line.startswith("10.0.1.10\t"))
    assert hub_jump[1:5] == ["vm-hub-jump", "REACHED_BYPASSING_FIREWALL", "true", "4"]


def test_output_none_prints_nothing_but_keeps_the_exit_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, *TRACE, "-o", "none")
    assert (code, out) == (1, "")


def test_query_selects_from_the_json_document(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, *TRACE, "-o", "json", "--query", "summary.violations")
    assert json.loads(out) == 3
    _, out, _ = run(capsys, *TRACE, "-o", "tsv", "--query", "flows[?violation].client_ip")
    assert out.splitlines() == ["10.0.1.10", "10.2.2.4", "203.0.113.45"]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--query", "summary"], "--query works on the JSON document: add -o json or -o tsv"),
        (["-o", "json", "--query", "flows[?"], "--query 'flows[?'"),
        (["-o", "yaml"], "--output 'yaml': use table, json, tsv or none"),
    ],
)
def test_output_misuse_is_one_error_line(
    capsys: pytest.CaptureFixture[str], extra: list[str], expected: str
) -> None:
    code, out, err = run(capsys, *TRACE, *extra)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and expected in err


@pytest.mark.parametrize("width", [80, 120, 200])
def test_trace_table_fits_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    _, out, _ = run(capsys, *TRACE)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width
    assert lines[0].startswith("VIOLATIONS (3)  design rule: traffic to kv-contoso-prod must")
    words = set(out.split())
    for key in ("(private_endpoint_route:", "vnet-hub/snet-hub-mgmt;", "service-endpoint",
                "ForbiddenByFirewall", "(deny-spoke-app-to-data)"):
        assert key in words, (width, key)  # the cause's key words are never cut


def test_colour_follows_no_color_and_force_color(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, plain, _ = run(capsys, *TRACE)
    assert "\x1b[" not in plain  # not a terminal: no colour by default
    monkeypatch.setenv("FORCE_COLOR", "1")
    _, forced, _ = run(capsys, *TRACE)
    assert "\x1b[1;31mVIOLATIONS (3)" in forced
    assert [line.rstrip() for line in ESCAPE.sub("", forced).splitlines()] == plain.splitlines()
    _, routes, _ = run(capsys, "routes", "vnet-hub/snet-hub-mgmt", *TOPOLOGY)
    assert "\x1b[33mInterfaceEndpoint" in routes  # the PE /32 route stands out
    _, path, _ = run(capsys, "path", "--from", "vm-hub-jump", "--to", "kv-contoso-prod:443",
                     *TOPOLOGY)
    assert "\x1b[1;31mBypass: private_endpoint_route" in path
    monkeypatch.setenv("NO_COLOR", "1")  # NO_COLOR wins over FORCE_COLOR
    _, off, _ = run(capsys, *TRACE)
    assert "\x1b[" not in off


@pytest.mark.parametrize("width", [80, 120, 200])
def test_routes_and_path_fit_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    _, routes, _ = run(capsys, "routes", "vnet-spoke-app/snet-etl", *TOPOLOGY)
    _, path, _ = run(capsys, "path", "--from", "vm-etl-01", "--to", "kv-contoso-prod", *TOPOLOGY)
    for out in (routes, path):
        assert max(len(line) for line in out.splitlines()) <= width
    assert "overridden by User route default-to-fw with the same prefix" in " ".join(routes.split())
    assert "service endpoint route 198.51.100.0/24 beats udr" in " ".join(path.split())


def test_routes_and_path_speak_json_tsv_and_query(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "routes", "vnet-hub/snet-hub-mgmt", *TOPOLOGY, "-o", "json",
                    "--query", "routes[?next_hop_type=='InterfaceEndpoint'].prefix")
    assert json.loads(out) == ["10.1.2.4/32"]
    _, out, _ = run(capsys, "routes", "vnet-hub/snet-hub-mgmt", *TOPOLOGY, "-o", "tsv")
    assert "Default\tActive\t10.1.2.4/32\tInterfaceEndpoint" in out
    _, out, _ = run(capsys, "path", "--from", "vm-hub-jump", "--to", "kv-contoso-prod",
                    *TOPOLOGY, "-o", "tsv", "--query", "hops[].hop")
    assert out.splitlines() == ["client", "private_endpoint", "vault"]
    _, out, _ = run(capsys, "path", "--from", "vm-hub-jump", "--to", "kv-contoso-prod",
                    *TOPOLOGY, "--format", "json")
    assert json.loads(out)["bypass"] == "private_endpoint_route"


def test_help_loads_no_terminal_or_query_library() -> None:
    """`netlogs --help` stays fast: rich, jmespath and jinja2 load only when a command prints."""
    import subprocess
    import sys

    code = (
        "import sys; from click.testing import CliRunner; from netlogs.cli import cli; "
        "CliRunner().invoke(cli, ['--help']); "
        "print([m for m in ('rich', 'jmespath', 'jinja2', 'polars') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
