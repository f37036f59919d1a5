"""Fixtures: the fake Azure (ARM, Resource Graph, Log Analytics over TLS) holding the sample
scenario, a stub ``az`` that hands out a recognisable token, and the environment that points
netlogs at the fake (``NETLOGS_ARM_ENDPOINT``, ``NETLOGS_LOGS_ENDPOINT``, ``REQUESTS_CA_BUNDLE``).

The server and its KQL engine are started once per session; each test starts with no scripted
faults and an empty request log.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.discovery.discovery_support import AZ_SCRIPT, SAMPLE, write_az
from tests.fake_azure import sample_estate
from tests.fake_azure.azurite import start_azurite, upload_tree
from tests.fake_azure.fake_azure import FakeAzure
from tests.fake_azure.sample_workspaces import load_engine
from tests.local_tls import LocalCa


@pytest.fixture(scope="session")
def fake_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeAzure]:
    """The fake Azure, and Azurite holding the sample's storage-account blobs (one CA)."""
    workdir = tmp_path_factory.mktemp("fake-azure")
    ca = LocalCa(workdir, "fake-azure-ca.pem")
    blobs = start_azurite(workdir, ca)
    try:
        with FakeAzure(
            workdir,
            sample_resources(blob_endpoint=blobs.account_url),
            sample_estate.diagnostic_settings(),
            sample_estate.SUBSCRIPTIONS,
            load_engine(),
            ca=ca,
        ) as server:
            upload_tree(blobs, SAMPLE / "logs" / "storage", server.ca_file)
            yield server
    finally:
        blobs.stop()


def sample_resources(blob_endpoint: str) -> list[dict[str, object]]:
    """The sample estate with its storage account's blob endpoint at the emulator."""
    rows = sample_estate.resources()
    for row in rows:
        if row["id"] == sample_estate.STORAGE_ID:
            row["properties"] = {"primaryEndpoints": {"blob": blob_endpoint}}
    return rows


@pytest.fixture
def fake_azure(
    fake_server: FakeAzure, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> FakeAzure:
    """The fake, reset, with the environment of a signed-in user pointed at it."""
    fake_server.faults.clear()
    fake_server.requests.clear()
    fake_server.quota = 15
    bin_dir = tmp_path / "bin"
    write_az(bin_dir, AZ_SCRIPT)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "AzureCliCredential")
    monkeypatch.setenv("NETLOGS_ARM_ENDPOINT", fake_server.base_url)
    monkeypatch.setenv("NETLOGS_LOGS_ENDPOINT", fake_server.logs_endpoint)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake_server.ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(fake_server.ca_file))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in ("NETLOGS_LA_ENDPOINT", "NETLOGS_CA_BUNDLE", "AZURE_SDK_CLOUD_CONF"):
        monkeypatch.delenv(name, raising=False)
    return fake_server
