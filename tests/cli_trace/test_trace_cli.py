"""`netlogs trace` / `netlogs report` as a user runs them: exit codes, stdout, stderr, files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from netlogs.cli import main
from netlogs.fileio import write_atomically

REPO = Path(__file__).resolve().parents[2]
Estate = Any  # the `estate` fixture of conftest.py

README_FIRST = [
    "trace",
    "--vault",
    "kv-contoso-prod",
    "--topology",
    str(REPO / "sample_data" / "topology.yaml"),
    "--logs",
    str(REPO / "sample_data" / "logs"),
]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the real entry point (with its error handler) and return (code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out, err


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("Error: "), err
    return lines[0]


# --------------------------------------------------------------------------- first contact


def test_readme_first_command_in_a_fresh_process_prints_verdicts_and_writes_json(
    tmp_path: Path,
) -> None:
    out_dir = tmp_path / "out"  # does not exist yet, like in a fresh clone
    args = [*README_FIRST, "--json", str(out_dir / "trace.json"), "--html", str(out_dir / "r.html")]
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "netlogs", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stderr  # the sample contains violations on purpose
    assert "Traceback" not in done.stderr
    assert "REACHED_BYPASSING_FIREWALL" in done.stdout
    assert "vm-hub-jump" in done.stdout
    assert "\x1b[" not in done.stdout  # not a terminal: no colour codes
    document = json.loads((out_dir / "trace.json").read_text(encoding="utf-8"))
    assert document["schema"] == "netlogs.trace/v1"
    assert document["summary"]["violations"] == 3
    assert (out_dir / "r.html").read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype")


def test_format_json_prints_the_same_document_it_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "trace.json"
    code, out, _ = run([*README_FIRST, "--format", "json", "--json", str(target)], capsys)
    assert code == 1
    assert out == target.read_text(encoding="utf-8")
    assert json.loads(out)["vault"]["required_firewall"] == "fw-hub"


def test_written_files_get_normal_permissions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "trace.json"
    run([*README_FIRST, "--json", str(target)], capsys)
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["trace.json"]  # no temp file left behind


# --------------------------------------------------------------------------- exit codes 0 / 1 / 3


def test_exit_0_when_every_client_passed_the_firewall(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    estate.write_fw(estate.FW_ROWS)
    estate.write_kv(estate.KV_VIA_FIREWALL)
    code, out, _ = run(estate.args(), capsys)
    assert code == 0, out
    assert "REACHED_VIA_FIREWALL" in out
    assert "vm-app" in out


def test_exit_1_when_a_client_bypasses_the_required_firewall(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    estate.write_fw(estate.FW_ROWS)
    estate.write_kv(estate.KV_VIA_FIREWALL + estate.KV_BYPASS)
    code, out, _ = run(estate.args("--format", "json"), capsys)
    assert code == 1
    verdicts = {f["client_ip"]: f["verdict"] for f in json.loads(out)["flows"]}
    assert verdicts == {
        "10.0.1.4": "REACHED_BYPASSING_FIREWALL",
        "10.2.1.4": "REACHED_VIA_FIREWALL",
    }


def test_exit_3_when_firewall_logs_are_absent(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    estate.write_kv(estate.KV_VIA_FIREWALL)  # no firewall export at all
    code, out, _ = run(estate.args("--format", "json"), capsys)
    assert code == 3
    document = json.loads(out)
    assert [f["verdict"] for f in document["flows"]] == ["INCONCLUSIVE"]
    missing = [s["family"] for s in document["sources"] if s["status"] == "missing"]
    assert "firewall" in missing


def test_from_filter_keeps_only_that_client(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    estate.write_fw(estate.FW_ROWS)
    estate.write_kv(estate.KV_VIA_FIREWALL + estate.KV_BYPASS)
    code, out, _ = run(estate.args("--from", "vm-app", "--format", "json"), capsys)
    assert code == 0  # the bypassing hub VM is filtered out
    assert [f["client_ip"] for f in json.loads(out)["flows"]] == ["10.2.1.4"]


def test_explicit_window_drops_rows_outside_it(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    estate.write_fw(estate.FW_ROWS)
    estate.write_kv(estate.KV_VIA_FIREWALL + estate.KV_BYPASS)
    window = ["--start", "2026-11-20T09:55:00Z", "--end", "2026-11-20T10:03:00Z"]
    code, out, _ = run(
        estate.args(*window, "--now", "2026-11-21T00:00:00Z", "--format", "json"), capsys
    )
    document = json.loads(out)
    assert document["window"] == {"start": "2026-11-20T09:55:00Z", "end": "2026-11-20T10:03:00Z"}
    assert [f["client_ip"] for f in document["flows"]] == ["10.2.1.4"]
    assert code == 0


def test_require_firewall_flag_without_design_rule(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    estate.topology.write_text(
        estate.topology.read_text().split("designRules:")[0], encoding="utf-8"
    )
    estate.write_fw(estate.FW_ROWS)
    estate.write_kv(estate.KV_VIA_FIREWALL + estate.KV_BYPASS)
    code, out, _ = run(estate.args("--format", "json"), capsys)
    assert code == 0  # no rule: a bypass is reported but is not a violation
    document = json.loads(out)
    assert document["vault"]["required_firewall"] is None
    code, out, _ = run(estate.args("--require-firewall", "fw-hub", "--format", "json"), capsys)
    assert code == 1
    assert json.loads(out)["vault"]["required_firewall"] == "fw-hub"


# ------------------------------------------------------------------ misuse: one line, exit 2


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--require-firewall", "fw-nope"], "unknown firewall 'fw-nope'"),
        (["--from", "vm-nope"], "unknown client 'vm-nope'"),
        (["--start", "2026-11-20T12:00:00Z", "--end", "2026-11-20T10:00:00Z"], "bad time range"),
        (["--start", "2026-11-20T10:00:00Z", "--end", "2026-11-20T10:00:00Z"], "bad time range"),
        (["--start", "yesterday"], "--start 'yesterday': not an ISO-8601 time"),
        (["--since", "2h", "--start", "2026-11-20T10:00:00Z"], "--since cannot be combined"),
        (["--since", "2 fortnights"], "--since '2 fortnights'"),
        (["--end", "2026-11-20T10:00:00Z"], "--end needs --start"),
        (
            ["--workspace", "00000000-0000-0000-0000-000000000000"],
            "either --logs DIR or --workspace",
        ),
        (["--reuse-window", "0m"], "--reuse-window"),
        (["--format", "xml"], "--output 'xml': use table, json, tsv or none"),
        (["--engine", "fast"], "--engine 'fast': use local, kusto or auto"),
        (["--clock-skew", "soon"], "--clock-skew 'soon': expected a duration"),
        (["--end", "2026-11-20T10:00:00Z", "--start", "now"], "--start 'now': not an ISO-8601"),
        (["--csv-tz", "Mars/Olympus"], "--csv-tz 'Mars/Olympus': unknown time zone"),
        (["--now", "soon"], "--now 'soon'"),
        (["--evidence", "0"], "--evidence '0': expected a number of rows from 1 to"),
        (["--evidence", "some"], "--evidence 'some'"),
    ],
)
def test_misuse_is_one_error_line_and_exit_2(
    estate: Estate, capsys: pytest.CaptureFixture[str], extra: list[str], expected: str
) -> None:
    estate.write_fw(estate.FW_ROWS)
    estate.write_kv(estate.KV_VIA_FIREWALL)
    code, out, err = run(estate.args(*extra), capsys)
    assert code == 2
    assert out == ""
    assert expected in one_error_line(err)


def test_evidence_option_caps_the_cited_rows_per_client_and_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def flows(*extra: str) -> dict[str, dict[str, Any]]:
        target = tmp_path / "trace.json"
        code, _, _ = run([*README_FIRST, *extra, "--json", str(target)], capsys)
        assert code in (1, 3)  # the sample has a violation and undecided clients
        document = json.loads(target.read_text(encoding="utf-8"))
        return {f["client_ip"]: f for f in document["flows"]}

    every, default, one = flows("--evidence", "all"), flows(), flows("--evidence", "1")
    assert all(f["evidence_omitted"] == 0 for f in every.values())
    total = {ip: len(f["evidence"]) for ip, f in every.items()}
    assert sum(total.values()) > 50
    for ip, flow in one.items():  # one row per kind: cited + omitted = every row
        assert 1 <= len(flow["evidence"]) <= 8  # Key Vault 3 kinds, firewall 2, flow 2, DNS 1
        assert len(flow["evidence"]) + flow["evidence_omitted"] == total[ip]
    assert sum(f["evidence_omitted"] for f in one.values()) > 0
    # no kind of the sample has more than 20 rows: the default leaves out only the flows of
    # clients the vault served (counted, not cited)
    for ip, flow in default.items():
        cited = {json.dumps(row, sort_keys=True) for row in flow["evidence"]}
        everything = every[ip]["evidence"]
        left_out = [row for row in everything if json.dumps(row, sort_keys=True) not in cited]
        assert {row["source"] for row in left_out} <= {"flow"}
        assert len(left_out) == flow["evidence_omitted"]
    assert sum(f["evidence_omitted"] for f in default.values()) > 0


def test_an_empty_option_value_is_no_value(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--json ""` (an unset variable in a script) writes nothing, as if it were not given."""
    estate.write_fw(estate.FW_ROWS)
    estate.write_kv(estate.KV_VIA_FIREWALL)
    pinned = ("-o", "json", "--now", "2026-11-21T00:00:00Z")
    expected = run(estate.args(*pinned), capsys)
    assert run(estate.args(*pinned, "--json", "", "--html", ""), capsys) == expected
    assert expected[0] == 0 and expected[1].startswith("{")


def test_unknown_vault_names_the_topology_and_the_known_vaults(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    args = estate.args()
    args[args.index("kv-test")] = "kv-typo"
    code, _, err = run(args, capsys)
    assert code == 2
    line = one_error_line(err)
    assert "unknown vault 'kv-typo'" in line
    assert str(estate.topology) in line
    assert "kv-test" in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["trace", "--logs", "."], "--vault NAME is required"),
        (["trace", "--vault", "kv-test"], "no evidence source"),
        (["trace", "--vault", "kv-test", "--workspace", "w1", "--logs", "."], "not both"),
        (["trace", "--vault", "kv-test", "--workspace", "w1"], "--workspace needs a time window"),
        (["trace", "--vault", "kv-test", "--logs", "/nonexistent/logs"], "no such directory"),
    ],
)
def test_source_misuse_is_one_error_line(
    capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    code, _, err = run(args, capsys)
    assert code == 2
    assert expected in one_error_line(err)


def test_empty_logs_directory_is_an_error(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(estate.args(), capsys)
    assert code == 2
    assert str(estate.logs) in one_error_line(err)


def test_logs_without_rows_for_the_vault_is_an_error(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    estate.write_kv(
        [{**estate.kv_row("10:00:01", "10.2.1.4"), "_ResourceId": "/x/vaults/kv-other"}]
    )
    code, _, err = run(estate.args(), capsys)
    assert code == 2
    assert "no evidence rows for this vault" in one_error_line(err)


# --------------------------------------------------------------------------- report


def test_report_renders_a_saved_result_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "trace.json"
    first_md = tmp_path / "first.md"
    run([*README_FIRST, "--json", str(saved), "--markdown", str(first_md)], capsys)
    again_md, again_html = tmp_path / "again.md", tmp_path / "again.html"
    code, _, err = run(
        ["report", str(saved), "--markdown", str(again_md), "--html", str(again_html)], capsys
    )
    assert code == 0, err
    assert again_md.read_text(encoding="utf-8") == first_md.read_text(encoding="utf-8")
    assert "vm-hub-jump" in again_html.read_text(encoding="utf-8")


def test_report_misuse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    code, _, err = run(["report", str(broken), "--markdown", str(tmp_path / "x.md")], capsys)
    assert code == 2
    assert str(broken) in one_error_line(err)
    assert not (tmp_path / "x.md").exists()
    code, _, err = run(["report", str(broken)], capsys)
    assert code == 2
    assert "nothing to write" in one_error_line(err)


# --------------------------------------------------------------------------- atomic output


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("old report\n", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(target, "new report \udc80 cannot be encoded")
    assert target.read_text(encoding="utf-8") == "old report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_an_unwritable_output_is_one_error_line(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    estate.write_fw(estate.FW_ROWS)
    estate.write_kv(estate.KV_VIA_FIREWALL)
    blocker = estate.root / "file"
    blocker.write_text("", encoding="utf-8")
    code, _, err = run(estate.args("--json", str(blocker / "trace.json")), capsys)
    assert code == 2
    one_error_line(err)


# --------------------------------------------------------------------------- input options


def test_unknown_file_is_an_error_unless_skipped(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    estate.write_fw(estate.FW_ROWS)
    estate.write_kv(estate.KV_VIA_FIREWALL)
    (estate.logs / "export.json").write_text('{"value": []}', encoding="utf-8")
    code, _, err = run(estate.args(), capsys)
    assert code == 2
    assert "export.json" in one_error_line(err)
    code, out, _ = run(estate.args("--skip-unknown", "--format", "json"), capsys)
    assert code == 0
    gaps = [g for g in json.loads(out)["gaps"] if g["kind"] == "unparsed_rows"]
    assert len(gaps) == 1
    assert gaps[0]["message"].startswith("export.json: not read (")


LOCAL_CSV = (
    '"TimeGenerated [Local Time]",Protocol,SourceIp,SourcePort,DestinationIp,DestinationPort,'
    "Action,Rule,Type,_ResourceId\r\n"
    '"11/20/2026, 11:00:00.000 AM",TCP,10.2.1.4,50100,10.1.2.4,443,Allow,allow-kv,'
    "AZFWNetworkRule,/subscriptions/s/resourcegroups/rg/providers/microsoft.network/"
    "azurefirewalls/fw-hub\r\n"
    '"11/20/2026, 11:30:00.000 AM",TCP,10.2.1.4,50101,10.1.1.20,1433,Allow,allow-sql,'
    "AZFWNetworkRule,/subscriptions/s/resourcegroups/rg/providers/microsoft.network/"
    "azurefirewalls/fw-hub\r\n"
)


def test_local_time_portal_csv_needs_csv_tz(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    (estate.logs / "fw-local.csv").write_text(LOCAL_CSV, encoding="utf-8", newline="")
    estate.write_kv(estate.KV_VIA_FIREWALL)
    code, _, err = run(estate.args(), capsys)
    assert code == 2
    assert "fw-local.csv" in one_error_line(err)
    # Amsterdam is UTC+1 in November: 11:00 local is the 10:00 UTC connection
    code, out, err = run(estate.args("--csv-tz", "Europe/Amsterdam", "--format", "json"), capsys)
    assert code == 0, err
    assert [f["verdict"] for f in json.loads(out)["flows"]] == ["REACHED_VIA_FIREWALL"]


def test_from_a_snat_candidate_keeps_the_snat_flow_it_may_hide_in(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run([*README_FIRST, "--from", "vm-report-01", "--format", "json"], capsys)
    assert code == 3  # no violation left in scope, one undecided flow
    document = json.loads(out)
    flows = {f["client_ip"]: f for f in document["flows"]}
    assert set(flows) == {"10.0.0.70", "10.2.1.8"}
    assert flows["10.0.0.70"]["client"] == "vnet-hub/AzureFirewallSubnet"
    assert flows["10.2.1.8"]["verdict"] == "INCONCLUSIVE"
    listed = {c for g in document["gaps"] for c in g["clients"]}
    assert listed == {"10.2.1.8"}  # other clients' names are trimmed from the gaps


def test_workspace_source_is_built_signed_in_with_one_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--workspace` builds the Log Analytics adapter signed in the way discovery is: one token
    for the query API, fetched before any query (nothing is sent while building)."""
    from netlogs.api import evidence_source
    from netlogs.sources.log_analytics import LogAnalyticsSource

    asked = tmp_path / "az-args"
    az = tmp_path / "bin" / "az"
    az.parent.mkdir()
    az.write_text(
        f'#!/bin/sh\necho "$@" >> {asked}\n'
        """echo '{"accessToken": "t", "expiresOn": "2099-01-01 00:00:00.000000", """
        """"expires_on": 4070908800, "tokenType": "Bearer"}'\n"""
    )
    az.chmod(0o755)
    monkeypatch.setenv("PATH", f"{az.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "AzureCliCredential")
    source = evidence_source(workspaces=("ws-a", "ws-b", "ws-a"))
    assert isinstance(source, LogAnalyticsSource)
    assert source.workspaces == ("ws-a", "ws-b")
    (call,) = asked.read_text().splitlines()
    assert "https://api.loganalytics.io" in call


def test_without_topology_nothing_unprovable_is_claimed(capsys: pytest.CaptureFixture[str]) -> None:
    """No --topology: SNAT addresses and PE IPs are unknown, so no bypass and no NOT_REACHED is
    claimed, the vault's settings are "Unknown" (not Azure defaults) and gaps say why."""
    args = [a for a in README_FIRST if "topology" not in a] + ["--format", "json"]
    code, out, _ = run(args, capsys)
    document = json.loads(out)
    verdicts = {f["client_ip"]: f["verdict"] for f in document["flows"]}
    assert "REACHED_BYPASSING_FIREWALL" not in verdicts.values()
    assert "NOT_REACHED" not in verdicts.values()
    assert verdicts["10.0.0.69"] == "INCONCLUSIVE"  # a SNAT address nobody could recognise
    assert verdicts["10.2.2.4"] == "REACHED_VIA_SERVICE_ENDPOINT"  # the vault's own field says so
    assert document["vault"]["public_network_access"] == "Unknown"
    messages = " ".join(g["message"] for g in document["gaps"] if g["kind"] == "coverage")
    assert "describes no firewall" in messages and "names no private endpoint" in messages
    assert code == 1  # the partner's public-endpoint access is still a violation


def test_a_window_outside_the_exported_logs_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """`--since 2h` on yesterday's export must not print "no traffic" and exit 0."""
    args = [*README_FIRST, "--start", "2026-11-21T05:00:00Z", "--end", "2026-11-21T07:00:00Z"]
    code, out, err = run(args, capsys)
    assert code == 2 and out == ""
    line = one_error_line(err)
    assert "no evidence in the window 2026-11-21T05:00:00Z to 2026-11-21T07:00:00Z" in line
    assert "hold 2026-11-20T10:02:00Z to 2026-11-20T11:57:00Z" in line
