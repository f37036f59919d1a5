"""Exposes the shared frame builders (builders.py) as the ``b`` fixture."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest


def load_builders() -> ModuleType:
    path = Path(__file__).resolve().parent / "builders.py"
    spec = importlib.util.spec_from_file_location("netlogs_test_builders", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def b() -> ModuleType:
    return load_builders()
