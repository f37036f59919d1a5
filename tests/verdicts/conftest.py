"""Reuses the frame builders of tests/correlate as the ``b`` fixture."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture(scope="session")
def b() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "correlate" / "builders.py"
    spec = importlib.util.spec_from_file_location("netlogs_test_builders_v", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
