"""`netlogs kql show/render` reach the kusto engine's templates (kql/facts/), values still
rendered by kql_literal."""

from __future__ import annotations

import pytest

from netlogs.cli import main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_show_and_render_a_facts_template(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["kql", "show", "facts_clients"], capsys)
    assert code == 0 and "family: facts" in out and "join kind=fullouter" in out
    args = ["kql", "render", "facts_sources", "--param", "start=2026-11-20T10:00:00Z"]
    args += ["--param", "end=2026-11-20T12:00:00Z", "--param", "flow_lag=2h"]
    code, out, _ = _run(args, capsys)
    assert code == 0
    assert "let start = datetime(2026-11-20T10:00:00.0000000Z);" in out
    assert "let flow_lag = 2h;" in out


def test_unknown_facts_template_is_one_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["kql", "show", "facts_nope"], capsys)
    assert code == 2 and out == ""
    assert err.startswith("Error: unknown KQL template 'facts_nope'") and "facts_clients" in err
