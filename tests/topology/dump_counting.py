"""Helpers for the topology-hash tests: the digest as a fresh dump gives it, and a count of the
canonical dumps a piece of code makes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from netlogs.topology import dump
from netlogs.topology.model import Topology
from netlogs.topology.yaml_text import dump_yaml


def fresh_sha256(topology: Topology) -> str:
    """The digest as netlogs always computed it: the canonical dump, nothing remembered."""
    text = dump_yaml(dump.topology_to_mapping(topology))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.fixture
def dumps(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many times the canonical YAML is produced from here on (the expensive step)."""
    calls: list[int] = []
    real = dump.dump_yaml

    def counted(data: object) -> str:
        calls.append(1)
        return real(data)

    monkeypatch.setattr(dump, "dump_yaml", counted)
    yield calls
