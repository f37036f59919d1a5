"""Exposes the shared frame builders (builders.py) as the ``b`` fixture."""

from __future__ import annotations

from types import ModuleType

import pytest

from tests.correlate import builders


@pytest.fixture(scope="session")
def b() -> ModuleType:
    return builders
