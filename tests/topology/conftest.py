"""Fixtures of the topology tests: the hub-and-spoke file, temp copies, and a CLI runner."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "topology"
_HUB_SPOKE: dict[str, Any] = yaml.safe_load((FIXTURES / "hub_spoke.yaml").read_text())


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def hub_spoke() -> dict[str, Any]:
    """A fresh, mutable copy of hub_spoke.yaml as plain data."""
    return copy.deepcopy(_HUB_SPOKE)


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def run_netlogs(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run the console entry point; returns (exit code, stdout, stderr)."""
    from netlogs.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        out, err = capsys.readouterr()
        return int(exited.value.code or 0), out, err

    return run
