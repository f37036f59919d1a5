"""`netlogs kql list | show | render`: exit codes, stdout, one-line errors without tracebacks."""

from __future__ import annotations

import json

import pytest

from netlogs import kql
from netlogs.cli import main

WINDOW = ["-p", "start=2026-11-20T10:00:00Z", "-p", "end=2026-11-20T12:00:00Z"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(["kql", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out, err


def test_list_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "list")
    assert (code, err) == (0, "")
    names = [line.split()[0] for line in out.splitlines() if not line.startswith(" ")]
    assert names == [t.name for t in kql.list_templates()]
    assert "firewall_network_rules" in out and "AZFWNetworkRule" in out


def test_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list", "--format", "json")
    rows = json.loads(out)
    assert code == 0
    by_name = {row["name"]: row for row in rows}
    assert by_name["coverage_probe"]["family"] == "probe"
    params = {p["name"]: p for p in by_name["firewall_network_rules"]["params"]}
    assert params["start"] == {
        "name": "start",
        "kind": "datetime",
        "required": True,
        "description": "window start, inclusive (TimeGenerated)",
    }
    assert params["client_ips"]["required"] is False


def test_show_prints_the_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "firewall_dns_queries")
    assert code == 0
    assert out == kql.load_template("firewall_dns_queries").path.read_text(encoding="utf-8")


def test_render(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "render",
        "firewall_network_rules",
        *WINDOW,
        "--param",
        "private_endpoint_ips=10.20.1.4,10.21.1.4",
        "--param",
        'firewall_names=["fw-hub"]',
    )
    assert (code, err) == (0, "")
    assert "let start = datetime(2026-11-20T10:00:00.0000000Z);\n" in out
    assert "let private_endpoint_ips = dynamic(['10.20.1.4', '10.21.1.4']);\n" in out
    assert "let firewall_names = dynamic(['fw-hub']);\n" in out
    assert "let client_ips = dynamic([]);\n" in out  # default


def test_render_escapes_hostile_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "render",
        "keyvault_requests_azkvauditlogs",
        *WINDOW,
        "-p",
        "vault_name=kv' | take 1 //",
    )
    assert code == 0
    assert "let vault_name = 'kv\\' | take 1 //';\n" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["render", "nope"], "Error: unknown KQL template 'nope' (known: "),
        (["show", "nope"], "Error: unknown KQL template 'nope'"),
        (
            ["render", "coverage_probe", "-p", "start=2026-11-20T10:00:00Z"],
            "Error: template coverage_probe: missing parameter 'end' (datetime)",
        ),
        (
            ["render", "coverage_probe", *WINDOW, "-p", "vault_name=x"],
            "Error: template coverage_probe: unknown parameter 'vault_name'",
        ),
        (
            ["render", "coverage_probe", "-p", "start=yesterday", "-p", "end=2026-11-20T12:00:00Z"],
            "Error: template coverage_probe: parameter 'start': datetime expects ISO 8601",
        ),
        (
            ["render", "firewall_network_rules", *WINDOW, "-p", "private_endpoint_ips=10.0.0.300"],
            "Error: template firewall_network_rules: parameter 'private_endpoint_ips': item 0:",
        ),
        (
            ["render", "coverage_probe", "-p", "start"],
            "Invalid value for --param: 'start' is not KEY=VALUE",
        ),
        (
            ["render", "coverage_probe", *WINDOW, "-p", "start=2026-11-20T10:00:00Z"],
            "Invalid value for --param: 'start' is given twice",
        ),
        (["list", "--format", "yaml"], "Invalid value for '--format'"),
    ],
)
def test_errors_exit_2_with_one_message(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert message in err
    if err.startswith("Error: "):
        assert err.count("\n") == 1  # one line


def test_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ([], ["list"], ["show"], ["render"]):
        code, out, _ = run(capsys, *command, "--help")
        assert code == 0 and "Example:" in out
