"""The CLI frame: help, lazy imports, the exit-code table and the one error handler."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from netlogs.cli import main
from netlogs.cli.exit_codes import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_UNDECIDED,
    EXIT_VIOLATION,
    exit_code_for,
)
from netlogs.errors import ConfigError, NetlogsError, TopologyError
from netlogs.model import (
    FlowResult,
    PrivateEndpointRef,
    TimeWindow,
    TraceResult,
    VaultOutcome,
    VaultSummary,
    Verdict,
)

T0 = datetime(2026, 11, 20, 10, tzinfo=timezone.utc)
T1 = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)


def _flow(verdict: Verdict, violation: bool) -> FlowResult:
    return FlowResult(
        client_ip="10.2.1.4",
        client=None,
        verdict=verdict,
        cause="",
        violation=violation,
        vault_outcome=VaultOutcome.SERVED,
        requests=1,
        http_status={},
        operations={},
        first_seen=None,
        last_seen=None,
        expected_path=(),
        evidence=(),
    )


def _result(*flows: FlowResult) -> TraceResult:
    vault = VaultSummary("kv", (PrivateEndpointRef("pe", "10.1.2.4", "s/p"),), "Disabled", None)
    return TraceResult(
        vault=vault, window=TimeWindow(T0, T1), sources=(), flows=flows, gaps=(), queries=()
    )


@pytest.mark.parametrize(
    ("flows", "code"),
    [
        ((), EXIT_OK),
        ((_flow(Verdict.REACHED_VIA_FIREWALL, False),), EXIT_OK),
        ((_flow(Verdict.REACHED_BYPASSING_FIREWALL, True),), EXIT_VIOLATION),
        ((_flow(Verdict.INCONCLUSIVE, False),), EXIT_UNDECIDED),
        ((_flow(Verdict.NOT_YET_OBSERVABLE, False),), EXIT_UNDECIDED),
        # a proven violation outranks an undecided flow
        (
            (_flow(Verdict.INCONCLUSIVE, False), _flow(Verdict.REACHED_VIA_PUBLIC_ENDPOINT, True)),
            EXIT_VIOLATION,
        ),
    ],
)
def test_exit_code_table(flows: tuple[FlowResult, ...], code: int) -> None:
    assert exit_code_for(_result(*flows)) == code


def test_no_flows_with_a_missing_source_is_undecided_not_clean() -> None:
    from dataclasses import replace

    from netlogs.model import LogFamily, SourceStatus, SourceSummary

    missing = SourceSummary(LogFamily.KEYVAULT, "(none)", 0, SourceStatus.MISSING)
    complete = SourceSummary(LogFamily.KEYVAULT, "AZKVAuditLogs", 0, SourceStatus.COMPLETE)
    assert exit_code_for(replace(_result(), sources=(missing,))) == EXIT_UNDECIDED
    assert exit_code_for(replace(_result(), sources=(complete,))) == EXIT_OK


def test_exit_code_values_match_contract() -> None:
    assert (EXIT_OK, EXIT_VIOLATION, EXIT_ERROR, EXIT_UNDECIDED) == (0, 1, 2, 3)


def test_topology_error_message_names_file_resource_problem() -> None:
    err = TopologyError("topo.yaml", "virtualNetworks[hub]", "addressPrefixes: missing")
    assert str(err) == "topo.yaml: virtualNetworks[hub]: addressPrefixes: missing"
    assert isinstance(err, NetlogsError)


def test_time_window_rejects_naive_and_reversed() -> None:
    with pytest.raises(ValueError):
        TimeWindow(T0.replace(tzinfo=None), T1)
    with pytest.raises(ValueError):
        TimeWindow(T1, T0)


def test_unknown_command_exits_2_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "No such command" in err
    assert "Traceback" not in err


def test_netlogs_error_becomes_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import netlogs.cli as cli_module

    def boom(**_: object) -> None:
        raise ConfigError("unknown vault 'kv-x'")

    monkeypatch.setattr(cli_module.cli, "main", boom)
    with pytest.raises(SystemExit) as exc:
        main(["trace"])
    assert exc.value.code == 2
    assert capsys.readouterr().err == "Error: unknown vault 'kv-x'\n"


def test_help_lists_every_contract_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "netlogs", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("trace", "report", "routes", "path", "kql", "fetch", "topology"):
        assert f"  {command} " in out


def test_help_imports_no_heavy_library() -> None:
    """Start-up speed comes from lazy imports; timing lives in benchmarks/startup_bench.py."""
    probe = (
        "import sys, json; from netlogs.cli import cli; import click.testing as ct; "
        "r = ct.CliRunner().invoke(cli, ['--help']); "
        "print(json.dumps([r.exit_code, [m for m in ('polars', 'azure', 'plotly', 'jinja2', "
        "'yaml', 'pyarrow') if m in sys.modules]]))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    code, heavy = json.loads(out.stdout)
    assert code == 0
    assert heavy == []


def test_unexpected_bug_exits_2_not_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exit 1 means "violation found": an internal error must never be mistaken for one."""
    import netlogs.cli as cli_module

    def boom(**_: object) -> None:
        raise ZeroDivisionError("division by zero\nsecond line")

    monkeypatch.setattr(cli_module.cli, "main", boom)
    with pytest.raises(SystemExit) as exc:
        main(["trace"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: internal error (ZeroDivisionError: division by zero)")
    assert err.count("\n") == 1 and "Traceback" not in err
