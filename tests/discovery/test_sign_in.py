"""One sign-in for every live mode: `--workspace ID` (no discovery) and `--vault NAME` alone
(discovery) both go through ``netlogs.azure.credential.sign_in``. A missing or expired sign-in is
exactly one stderr line saying to run `az login` (no azure-identity warnings), exit 2, nothing
sent and nothing written. Run as a child process, so that any warning the libraries print on
stderr would be seen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.discovery.discovery_support import NO_LOGIN_SCRIPT, NOW, REPO, SAMPLE, WINDOW, write_az
from tests.fake_azure import sample_estate
from tests.fake_azure.fake_azure import FakeAzure

EXPIRED_SCRIPT = """#!/bin/sh
echo "ERROR: AADSTS700082: The refresh token has expired due to inactivity." >&2
echo "Interactive authentication is needed. Please run:" >&2
echo "az login --scope https://management.core.windows.net//.default" >&2
exit 1
"""
MODES = {
    "workspace": [
        "--topology", str(SAMPLE / "topology.yaml"), "--workspace", sample_estate.WS_PLATFORM,
    ],
    "discovery": [],
    "workspace, kusto engine": [
        "--topology", str(SAMPLE / "topology.yaml"), "--workspace", sample_estate.WS_PLATFORM,
        "--engine", "kusto",
    ],
}


def _environment(fake: FakeAzure, tmp_path: Path, az_script: str) -> dict[str, str]:
    write_az(tmp_path / "child-bin", az_script)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NETLOGS_", "AZURE_"))}
    env.update(
        PATH=f"{tmp_path / 'child-bin'}{os.pathsep}{env['PATH']}",
        PYTHONPATH=str(REPO),
        AZURE_TOKEN_CREDENTIALS="AzureCliCredential",
        NETLOGS_ARM_ENDPOINT=fake.base_url,
        NETLOGS_LOGS_ENDPOINT=fake.logs_endpoint,
        REQUESTS_CA_BUNDLE=str(fake.ca_file),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    return env


@pytest.mark.parametrize("az_script", [NO_LOGIN_SCRIPT, EXPIRED_SCRIPT], ids=["none", "expired"])
@pytest.mark.parametrize("mode", list(MODES))
def test_a_failed_sign_in_is_exactly_one_line_in_every_live_mode(
    fake_azure: FakeAzure, tmp_path: Path, mode: str, az_script: str
) -> None:
    out = tmp_path / "out"
    args = ["trace", "--vault", "kv-contoso-prod", *MODES[mode], *WINDOW, "--now", NOW,
            "--json", str(out / "trace.json")]
    done = subprocess.run(
        [sys.executable, "-m", "netlogs", *args],
        env=_environment(fake_azure, tmp_path, az_script),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr  # nothing before or after the one line
    assert done.stderr.startswith("Error: not signed in to Azure (AzureCloud): run `az login`")
    assert not fake_azure.requests  # nothing was sent without a token
    assert not out.exists()  # and nothing written
