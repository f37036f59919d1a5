"""Correlation is a synchronous stage: it returns plain values and leaves no worker behind."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import fields
from types import ModuleType

import pytest

from netlogs.correlate import FirewallAddresses


def _correlation_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("netlogs-correlate")]


def test_correlation_returns_plain_values_and_joins_its_worker(b: ModuleType) -> None:
    kv = b.kv_rows([{"time": b.at(1 + i), "caller_ip": "10.2.1.4"} for i in range(3)])
    fw = b.fw_rows([{"time": b.at(0.5), "src_ip": "10.2.1.4", "src_port": 50432}])
    correlated, _ = b.run(kv, fw)
    assert _correlation_threads() == []  # the worker was joined before the result came back
    values = [getattr(correlated, f.name) for f in fields(correlated)]
    values += [getattr(correlated.citations, f.name) for f in fields(correlated.citations)]
    assert not any(isinstance(value, Future) for value in values)
    assert isinstance(correlated.evidence, dict)
    assert correlated.http_status == {"10.2.1.4": {"200": 3}}
    assert correlated.clients.get_column("covered").to_list() == [3]


def test_a_failure_on_the_worker_surfaces_from_correlation_itself(b: ModuleType) -> None:
    """The vault requests are prepared on the worker: their error is raised by
    ``correlate_evidence`` (not later, by whoever reads the result), and no worker is left."""
    kv = b.kv_rows([{"time": b.at(1), "caller_ip": "10.2.1.4"}])
    broken = FirewallAddresses("fw-hub", ("10.0.0.68",), ("not-a-prefix",))
    with pytest.raises(ValueError, match="not-a-prefix"):
        b.run(kv, None, firewalls=(broken,))
    assert _correlation_threads() == []
