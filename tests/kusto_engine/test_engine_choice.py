"""`--engine auto|local|kusto`: which engine computes the facts for which options."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from netlogs.cli.trace_engine import chosen_engine
from netlogs.errors import ConfigError
from netlogs.model import TimeWindow, TraceRequest

NOW = datetime(2026, 12, 7, tzinfo=timezone.utc)


def _request(hours: float | None) -> TraceRequest:
    window = None if hours is None else TimeWindow(NOW - timedelta(hours=hours), NOW)
    return TraceRequest(vault="kv", window=window, now=NOW)


@pytest.mark.parametrize(
    ("engine", "hours", "logs", "cluster", "expected"),
    [
        ("auto", 24, False, False, "local"),  # the threshold itself stays local
        ("auto", 24.01, False, False, "kusto"),
        ("auto", 30 * 24, False, False, "kusto"),
        ("auto", 2, False, False, "local"),
        ("auto", 30 * 24, True, False, "local"),  # --logs: always local
        ("auto", None, True, False, "local"),
        ("auto", 2, False, True, "kusto"),  # --cluster: always kusto
        ("local", 30 * 24, False, False, "local"),
        ("kusto", 1, False, False, "kusto"),
    ],
)
def test_engine_choice(
    engine: str, hours: float | None, logs: bool, cluster: bool, expected: str
) -> None:
    assert chosen_engine(engine, _request(hours), logs=logs, cluster=cluster) == expected


@pytest.mark.parametrize(
    ("engine", "logs", "cluster", "message"),
    [
        ("kusto", True, False, "--engine kusto runs where the logs are"),
        ("local", False, True, "--cluster runs the kusto engine"),
        ("fast", False, False, "--engine 'fast': use local, kusto or auto"),
    ],
)
def test_impossible_combinations(engine: str, logs: bool, cluster: bool, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("'", ".")):
        chosen_engine(engine, _request(48), logs=logs, cluster=cluster)
