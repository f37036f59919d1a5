"""Helpers for the file-source tests: copy fixtures into a scratch directory and read them."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from netlogs.model import CollectedEvidence, EvidenceQuery
from netlogs.sources.files import FileSource

LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "logs"

ANY_QUERY = EvidenceQuery(
    vault_name="kv", vault_fqdn="kv.vault.azure.net", private_endpoint_ips=(),
    firewall_names=(), window=None,
)


@pytest.fixture
def logs() -> Path:
    return LOGS


@pytest.fixture
def read_copy(tmp_path: Path) -> Callable[..., CollectedEvidence]:
    """``read_copy("a.json", rename="x.csv", csv_timezone=...)``: copy fixtures, collect them."""

    def run(*names: str, rename: str | None = None, **options: object) -> CollectedEvidence:
        for name in names:
            shutil.copy(LOGS / name, tmp_path / (rename or name))
        return FileSource(tmp_path, **options).collect(ANY_QUERY)  # type: ignore[arg-type]

    return run
