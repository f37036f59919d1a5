"""Shared test plumbing. Area fixtures live in tests/<area>/conftest.py."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# fixtures more than one area uses
pytest_plugins = ("tests.topology.dump_counting",)  # dumps: canonical topology dumps made

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def require_tool(executable: str, why: str) -> str:
    """Path of a heavy optional tool, or skip — but fail when CI demands every heavy check."""
    found = shutil.which(executable)
    if found:
        return found
    message = f"{executable} not found ({why})"
    if os.environ.get("NETLOGS_REQUIRE_HEAVY_CHECKS") == "1" or os.environ.get("CI") == "true":
        pytest.fail(message + "; scripts/test.sh installs it")
    pytest.skip(message)


@pytest.fixture
def heavy_tool() -> object:
    """Fixture form of ``require_tool``: ``chromium = heavy_tool("chromium", "HTML checks")``."""
    return require_tool
