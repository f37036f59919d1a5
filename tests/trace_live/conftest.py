"""Fixtures: the sample scenario served by the HTTPS fake query API, and a `netlogs trace` runner.

The fake server itself lives in ``tests/sources/log_analytics`` (uniquely named modules); this
area only adds a responder that answers from the shipped sample scenario. Sign-in goes through
the real ``DefaultAzureCredential`` limited to the Azure CLI credential, with a stub ``az`` on
PATH that hands out a recognisable fake token, so tests can prove the token never leaks into any
output.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from netlogs.testing import Run, invoke
from tests.sources.log_analytics.fake_query_api import FakeQueryApi, Responder
from tests.trace_live.trace_live_scenario import ScenarioWorkspace, load_scenario
from tests.trace_live.trace_live_support import AZ_SCRIPT, SAMPLE, WORKSPACE, trace_args


@pytest.fixture(scope="session")
def scenario() -> ScenarioWorkspace:
    return load_scenario(SAMPLE / "logs")


@pytest.fixture
def live_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., tuple[Run, FakeQueryApi]]]:
    """Start the fake with ``responder`` and run `netlogs trace --workspace` against it."""
    started: list[FakeQueryApi] = []
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    az = bin_dir / "az"
    az.write_text(AZ_SCRIPT)
    az.chmod(az.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "AzureCliCredential")
    monkeypatch.delenv("NETLOGS_LA_ENDPOINT", raising=False)
    monkeypatch.delenv("NETLOGS_CA_BUNDLE", raising=False)

    def run(responder: Responder, extra: tuple[str, ...] = ()) -> tuple[Run, FakeQueryApi]:
        api = FakeQueryApi(responder, tmp_path).__enter__()
        started.append(api)
        connection = ("--endpoint", api.endpoint, "--ca-bundle", str(api.ca_file))
        return invoke(trace_args("--workspace", WORKSPACE, extra=connection + extra)), api

    yield run
    for api in started:
        api.__exit__(None, None, None)
