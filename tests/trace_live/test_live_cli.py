"""The live command line: windows refused or pending, sign-in failures, clouds, progress, Ctrl-C.

In-process runs use the ``live_trace`` fixture and ``netlogs.testing.invoke``; the checks on
what reaches a real stderr (no library warnings, progress before the first answer) run
``python -m netlogs`` as a child process, since pytest's own logging capture would hide
exactly what they look for.
"""

from __future__ import annotations

import _thread
import json
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from netlogs.testing import invoke
from tests.sources.log_analytics.fake_query_api import FakeQueryApi, FakeRequest, Reply
from tests.trace_live.trace_live_scenario import ScenarioWorkspace
from tests.trace_live.trace_live_support import REPO, SAMPLE, WINDOW, WORKSPACE, trace_args

AZ_LOGGED_OUT = """#!/bin/sh
echo "ERROR: Please run 'az login' to setup account." >&2
exit 1
"""


def fetch_args(out: Path, *extra: str) -> list[str]:
    return [
        "fetch",
        "--workspace",
        WORKSPACE,
        "--vault",
        "kv-contoso-prod",
        "--topology",
        str(SAMPLE / "topology.yaml"),
        *WINDOW,
        "--out",
        str(out),
        *extra,
    ]


def test_a_window_in_the_future_is_one_error_line_before_any_query(
    live_trace: Any, scenario: ScenarioWorkspace
) -> None:
    future = ("--now", "2026-11-20T09:00:00Z")  # the window starts an hour from "now"
    run, api = live_trace(scenario, extra=future)
    assert run.code == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("Error: the window starts at")
    assert "after now" in run.stderr and api.requests == []


def test_nothing_found_inside_the_ingestion_delay_is_not_yet_observable(
    live_trace: Any, scenario: ScenarioWorkspace
) -> None:
    """Every table present but empty, the window just ended: exit 3 with latency gaps, never 0."""
    empty = ScenarioWorkspace(
        {name: frame.clear() for name, frame in scenario.tables.items()},
    )
    run, _ = live_trace(empty, extra=("--now", "2026-11-20T12:01:00Z"))
    assert run.code == 3, run.stderr
    document = run.document
    assert document["flows"] == []
    statuses = {s["family"]: s["status"] for s in document["sources"] if s["status"] != "missing"}
    assert statuses == {"keyvault": "pending", "firewall": "pending", "flow": "pending"}
    assert {g["kind"] for g in document["gaps"]} >= {"latency"}
    settled, _ = live_trace(empty, extra=("--now", "2026-11-21T12:00:00Z"))
    assert settled.code == 0, [(s["table"], s["status"]) for s in settled.document["sources"]]


def test_logs_endpoint_variable_and_cloud_choose_host_and_token_audience(
    scenario: ScenarioWorkspace,
    tmp_path: Path,
    monkeypatch: Any,
    live_trace: Any,  # the stub `az` and the credential chain
) -> None:
    bin_dir = tmp_path / "bin"
    asked = tmp_path / "az-args"
    az = bin_dir / "az"
    az.write_text(az.read_text().replace("#!/bin/sh\n", f'#!/bin/sh\necho "$@" >> {asked}\n', 1))
    with FakeQueryApi(scenario, tmp_path) as api:
        monkeypatch.setenv("NETLOGS_LOGS_ENDPOINT", api.endpoint)
        monkeypatch.setenv("NETLOGS_CA_BUNDLE", str(api.ca_file))
        run = invoke(trace_args("--workspace", WORKSPACE, extra=("--cloud", "AzureUSGovernment")))
    assert run.code == 1, run.stderr
    assert api.requests and {r.workspace for r in api.requests} == {WORKSPACE}
    calls = asked.read_text().splitlines()
    assert len(calls) == 1  # one token for the whole run
    assert "https://api.loganalytics.us" in calls[0]


def test_logs_endpoint_with_v1_path_and_china_cloud_for_workspace_mode(
    scenario: ScenarioWorkspace,
    tmp_path: Path,
    monkeypatch: Any,
    live_trace: Any,  # the stub `az` and the credential chain
) -> None:
    """`--workspace` reads NETLOGS_LOGS_ENDPOINT like discovery does (the ``/v1`` path may be
    given) while --cloud still picks the token audience."""
    asked = tmp_path / "az-args"
    az = tmp_path / "bin" / "az"
    az.write_text(az.read_text().replace("#!/bin/sh\n", f'#!/bin/sh\necho "$@" >> {asked}\n', 1))
    with FakeQueryApi(scenario, tmp_path) as api:
        monkeypatch.setenv("NETLOGS_LOGS_ENDPOINT", f"{api.endpoint}/v1")
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(api.ca_file))
        run = invoke(trace_args("--workspace", WORKSPACE, extra=("--cloud", "AzureChinaCloud")))
    assert run.code == 1, run.stderr
    assert len(api.requests) == 6
    assert "https://api.loganalytics.azure.cn" in asked.read_text().splitlines()[0]


def test_plain_http_logs_endpoint_is_refused_before_any_sign_in(
    scenario: ScenarioWorkspace, tmp_path: Path, monkeypatch: Any, live_trace: Any
) -> None:
    asked = tmp_path / "az-args"
    az = tmp_path / "bin" / "az"
    az.write_text(az.read_text().replace("#!/bin/sh\n", f'#!/bin/sh\necho "$@" >> {asked}\n', 1))
    with FakeQueryApi(scenario, tmp_path) as api:
        plain = api.endpoint.replace("https://", "http://")
        monkeypatch.setenv("NETLOGS_LOGS_ENDPOINT", plain)
        run = invoke(trace_args("--workspace", WORKSPACE))
    assert run.code == 2
    assert run.stderr.splitlines() == [
        f"Error: --endpoint / NETLOGS_LOGS_ENDPOINT={plain}: must be an https:// URL"
    ]
    assert not api.requests and not asked.exists()  # no token was asked for, none sent


def test_fetch_ctrl_c_exits_130_with_one_line_and_keeps_the_ledger(
    live_trace: Any, scenario: ScenarioWorkspace, tmp_path: Path
) -> None:
    live_trace(scenario)  # puts the stub `az` on PATH
    calls: list[str] = []

    def interrupt_on_third(template: str, request: FakeRequest) -> Reply | None:
        calls.append(template)
        if len(calls) == 3:
            _thread.interrupt_main()  # as if the user pressed Ctrl-C now
            return Reply(fault="silent", delay=5.0)
        return None

    out = tmp_path / "evidence"
    (tmp_path / "fetch").mkdir()
    workspace = ScenarioWorkspace(scenario.tables, override=interrupt_on_third)
    with FakeQueryApi(workspace, tmp_path / "fetch") as api:
        connection = ("--endpoint", api.endpoint, "--ca-bundle", str(api.ca_file))
        run = invoke(fetch_args(out, *connection, "--quiet"))
    assert run.code == 130
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("Interrupted:")
    assert "ledger.json" in run.stderr
    entries = json.loads((out / "ledger.json").read_text())["entries"]
    interrupted = [e for e in entries if "interrupted" in e["detail"]]
    assert interrupted and all(e["status"] == "partial" for e in interrupted)
    assert any(e["status"] == "complete" and e["query_sha256"] for e in entries)


# ----------------------------------------------------------------------------- child processes


def _child_env(tmp_path: Path, az_script: str, api: FakeQueryApi) -> dict[str, str]:
    bin_dir = tmp_path / "child-bin"
    bin_dir.mkdir(exist_ok=True)
    az = bin_dir / "az"
    az.write_text(az_script)
    az.chmod(az.stat().st_mode | stat.S_IEXEC)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NETLOGS_", "AZURE_"))}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env['PATH']}",
        PYTHONPATH=str(REPO),
        AZURE_TOKEN_CREDENTIALS="AzureCliCredential",
        NETLOGS_LOGS_ENDPOINT=api.endpoint,
        NETLOGS_CA_BUNDLE=str(api.ca_file),
    )
    return env


def test_no_sign_in_is_one_error_line_without_library_warnings(
    scenario: ScenarioWorkspace, tmp_path: Path
) -> None:
    with FakeQueryApi(scenario, tmp_path) as api:
        done = subprocess.run(
            [sys.executable, "-m", "netlogs", *fetch_args(tmp_path / "out")],
            env=_child_env(tmp_path, AZ_LOGGED_OUT, api),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr  # no azure-identity warnings before it
    assert (  # the sign-in discovery uses: the same line for every live command
        done.stderr.startswith("Error: not signed in to Azure (AzureCloud): run `az login`")
    )
    assert api.requests == [] and not (tmp_path / "out").exists()


def test_progress_shows_before_the_first_answer(
    scenario: ScenarioWorkspace, tmp_path: Path
) -> None:
    from tests.trace_live.trace_live_support import AZ_SCRIPT

    slow = ScenarioWorkspace(
        scenario.tables, override=lambda template, request: _slowly(scenario, request)
    )
    lines: list[tuple[float, str]] = []
    with FakeQueryApi(slow, tmp_path) as api:
        env = _child_env(tmp_path, AZ_SCRIPT, api) | {"NETLOGS_PROGRESS": "1"}
        child = subprocess.Popen(
            [sys.executable, "-m", "netlogs", *fetch_args(tmp_path / "out")],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stderr is not None
        reader = threading.Thread(
            target=lambda: lines.extend((time.monotonic(), line) for line in child.stderr or ())
        )
        reader.start()
        assert child.wait(timeout=60) == 0
        reader.join(timeout=5)
        child.stderr.close()
        answered = list(api.answered)
    progress = [(when, line) for when, line in lines if line.startswith("netlogs: ")]
    assert progress, lines
    assert progress[0][0] < answered[0]  # shown while the first query was still unanswered
    assert "queries" in progress[-1][1] and "rows" in progress[-1][1]
    last = progress[-1][1]
    assert last.startswith("netlogs: [3/3] querying: ")
    done, total = last.split(": ")[2].split(" ")[0].split("/")
    assert done == total
    assert progress[0][1].startswith("netlogs: [1/3] signing in: 0/0 queries")


def _slowly(scenario: ScenarioWorkspace, request: FakeRequest) -> Reply:
    time.sleep(0.3)  # every answer takes a moment, as a real workspace's do
    return ScenarioWorkspace(scenario.tables)(request)


def test_requests_ca_bundle_is_trusted_without_ca_bundle_option(
    scenario: ScenarioWorkspace,
    tmp_path: Path,
    monkeypatch: Any,
    live_trace: Any,  # the stub `az` and the credential chain
) -> None:
    with FakeQueryApi(scenario, tmp_path) as api:
        monkeypatch.setenv("NETLOGS_LOGS_ENDPOINT", api.endpoint)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(api.ca_file))
        run = invoke(trace_args("--workspace", WORKSPACE))
    assert run.code == 1, run.stderr
    assert len(api.requests) == 6


def test_ctrl_c_ends_the_process_while_a_query_is_still_unanswered(
    scenario: ScenarioWorkspace, tmp_path: Path
) -> None:
    """A real process, interrupted while the service keeps a query open without answering:
    it prints its one line and exits at once, not when that query's read timeout (minutes)
    ends; the fake is still up, so nothing but netlogs itself could end that wait."""
    import signal

    from tests.trace_live.trace_live_support import AZ_SCRIPT

    asked: list[float] = []

    def silent_third(template: str, request: FakeRequest) -> Reply | None:
        asked.append(time.monotonic())
        return Reply(fault="silent", delay=120.0) if len(asked) == 3 else None

    workspace = ScenarioWorkspace(scenario.tables, override=silent_third)
    with FakeQueryApi(workspace, tmp_path) as api:
        child = subprocess.Popen(
            [sys.executable, "-m", "netlogs", *fetch_args(tmp_path / "out", "--quiet")],
            env=_child_env(tmp_path, AZ_SCRIPT, api),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while len(asked) < 3 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(asked) >= 3, "the third query never arrived"
        time.sleep(0.5)  # the query is sent; its answer will not come
        child.send_signal(signal.SIGINT)
        interrupted = time.monotonic()
        try:
            _, stderr = child.communicate(timeout=30)
        finally:
            child.kill()
        took = time.monotonic() - interrupted
    assert child.returncode == 130
    assert stderr.count("\n") == 1 and stderr.startswith("Interrupted: queries stopped")
    assert took < 15, f"still running {took:.0f} s after Ctrl-C"
    ledger = json.loads((tmp_path / "out" / "ledger.json").read_text())
    assert any("interrupted" in e["detail"] for e in ledger["entries"])
