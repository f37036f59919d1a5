"""Window resolution and the topology look-ups of `netlogs trace` (pure functions)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from netlogs.errors import ConfigError
from netlogs.model import TimeWindow
from netlogs.pipeline.gaps import ip_order
from netlogs.pipeline.scope import (
    ClientNamer,
    resolve_client_scope,
)
from netlogs.pipeline.window import parse_duration, parse_utc, resolve_window

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1h30m", timedelta(minutes=90)),
        ("7d", timedelta(days=7)),
        ("45s", timedelta(seconds=45)),
        (" 2H ", timedelta(hours=2)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "2", "h", "2x", "two hours", "-5m", "0m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ConfigError, match="--since"):
        parse_duration(text)


def test_zero_allowed_only_when_asked() -> None:
    assert parse_duration("0s", "--clock-skew", allow_zero=True) == timedelta(0)


def test_since_is_relative_to_the_one_now() -> None:
    assert resolve_window(NOW, "2h", None, None) == TimeWindow(NOW - timedelta(hours=2), NOW)


def test_start_end_with_offsets_and_naive_times_are_utc() -> None:
    window = resolve_window(NOW, None, "2026-11-20T11:00:00+01:00", "2026-11-20T11:30:00")
    assert window == TimeWindow(
        datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc),
        datetime(2026, 11, 20, 11, 30, tzinfo=timezone.utc),
    )
    assert resolve_window(NOW, None, "2026-11-20T10:00:00Z", None) == TimeWindow(
        datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc), NOW
    )
    assert resolve_window(NOW, None, None, None) is None
    assert parse_utc("2026-11-20t10:00:00z", "--start").tzinfo is timezone.utc


@pytest.mark.parametrize(
    ("since", "start", "end", "message"),
    [
        ("2h", "2026-11-20T10:00:00Z", None, "--since cannot be combined"),
        (None, None, "2026-11-20T10:00:00Z", "--end needs --start"),
        (None, "2026-11-20T10:00:00Z", "2026-11-20T09:00:00Z", "is not after --start"),
        (None, "2026-13-40", None, "not an ISO-8601 time"),
        (None, "2026-11-20T13:00:00Z", None, "is not after --start"),  # start after now
    ],
)
def test_bad_ranges(since: str | None, start: str | None, end: str | None, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_window(NOW, since, start, end)


def test_client_scope_and_names(topology: Any) -> None:
    assert resolve_client_scope(topology, "10.2.1.4").contains("10.2.1.4")
    assert not resolve_client_scope(topology, "10.2.1.4").contains("10.2.1.5")
    assert resolve_client_scope(topology, "vm-hub").contains("10.0.1.4")
    assert resolve_client_scope(topology, "hub").contains("10.0.0.70")  # a whole VNet
    assert not resolve_client_scope(topology, "hub").contains("not-an-ip")
    assert resolve_client_scope(topology, "2001:db8::/64").contains("2001:db8::5")
    namer = ClientNamer(topology)
    assert namer.name("10.2.1.4") == "vm-app"
    assert namer.name("10.2.1.99") == "spoke-app/snet-vm"
    assert namer.name("10.0.0.70") == "hub/AzureFirewallSubnet"
    assert namer.name("203.0.113.9") is None
    assert namer.name("fe80::1") is None


def test_only_placeable_non_firewall_addresses_get_a_modelled_path(topology: Any) -> None:
    ips = ("10.0.0.70", "10.2.1.4", "10.2.1.99", "203.0.113.9", "garbage")
    assert ClientNamer(topology).modelled(ips) == ("10.2.1.4", "10.2.1.99")


def test_ip_order_is_numeric_with_ipv6_after_ipv4() -> None:
    ips = ["10.0.0.70", "2001:db8::1", "10.0.0.9", "x", "9.9.9.9"]
    assert sorted(ips, key=ip_order) == ["9.9.9.9", "10.0.0.9", "10.0.0.70", "2001:db8::1", "x"]


def test_one_namer_names_and_places_many_addresses_like_the_single_calls(topology: Any) -> None:
    namer = ClientNamer(topology)
    ips = ("10.2.1.4", "10.2.1.99", "10.0.0.70", "203.0.113.9", "fe80::1", "garbage", "10.2.1.4")
    assert [namer.name(ip) for ip in ips] == [
        "vm-app", "spoke-app/snet-vm", "hub/AzureFirewallSubnet", None, None, None, "vm-app"
    ]
    assert namer.modelled(ips) == ("10.2.1.4", "10.2.1.99", "10.2.1.4")


def test_addresses_ipaddress_refuses_are_not_named(topology: Any) -> None:
    namer = ClientNamer(topology)
    assert namer.name("010.2.1.4") is None and namer.name(" 10.2.1.4") is None
    assert namer.modelled(("010.2.1.4",)) == ()


@pytest.mark.parametrize(
    ("text", "option"),
    [
        ("99999999999999999999999d", "--since"),
        ("999999d", "--reuse-window"),
        ("9" * 5000 + "s", "--clock-skew"),
        ("3651d", "--since"),
    ],
)
def test_huge_durations_are_one_clear_error_not_an_overflow(text: str, option: str) -> None:
    with pytest.raises(ConfigError, match=r"longer than the most netlogs accepts \(3650d\)"):
        parse_duration(text, option)


def test_the_longest_duration_still_makes_a_window() -> None:
    window = resolve_window(NOW, "3650d", None, None)
    assert window is not None and window.duration == timedelta(days=3650)


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1969-12-31"])
def test_times_outside_the_supported_years_are_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="outside the years 1970 to 8999"):
        parse_utc(text, "--start")
