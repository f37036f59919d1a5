"""kql_literal: every kind, every refusal, and a pure-Python round trip of string literals."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netlogs.errors import TemplateError
from netlogs.kql import KINDS, kql_literal

_SIMPLE = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "r": "\r", "t": "\t"}


def decode_string_literal(literal: str) -> str:
    """Decode a single-quoted Kusto string literal (written from the Kusto docs, independently
    of netlogs' encoder): backslash escapes, \\uXXXX, surrogate pairs joined."""
    assert literal.startswith("'") and literal.endswith("'") and len(literal) >= 2, literal
    body, units, i = literal[1:-1], [], 0
    while i < len(body):
        char = body[i]
        assert char not in "'\n\r", f"raw {char!r} inside a literal: {literal!r}"
        if char != "\\":
            units.append(char)
            i += 1
            continue
        code = body[i + 1]
        if code == "u":
            units.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
        else:
            units.append(_SIMPLE[code])
            i += 2
    joined = "".join(units)
    return joined.encode("utf-16", "surrogatepass").decode("utf-16")


def split_dynamic_strings(literal: str) -> list[str]:
    match = re.fullmatch(r"dynamic\(\[(.*)\]\)", literal, flags=re.S)
    assert match, literal
    items = re.findall(r"'(?:[^'\\]|\\.)*'", match.group(1))
    assert ", ".join(items) == match.group(1), literal
    return [decode_string_literal(item) for item in items]


def test_string_literal_round_trips_and_stays_printable(
    hostile_text: st.SearchStrategy[str],
) -> None:
    @settings(max_examples=400, deadline=None)
    @given(hostile_text)
    def check(value: str) -> None:
        literal = kql_literal(value, "string")
        assert decode_string_literal(literal) == value
        # Nothing invisible or reordering survives: a pasted query shows what it matches.
        assert literal.isprintable(), literal
        assert "\n" not in literal and "\r" not in literal

    check()


def test_dynamic_string_list_round_trips(hostile_text: st.SearchStrategy[str]) -> None:
    @settings(max_examples=200, deadline=None)
    @given(st.lists(hostile_text, max_size=5))
    def check(values: list[str]) -> None:
        assert split_dynamic_strings(kql_literal(values, "dynamic[string]")) == values

    check()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("kv-contoso", "'kv-contoso'"),
        ("it's", "'it\\'s'"),
        ('say "hi"', "'say \"hi\"'"),
        ("a\\b", "'a\\\\b'"),
        ("line1\nline2\r\tx", "'line1\\nline2\\r\\tx'"),
        ("nul\x00", "'nul\\u0000'"),
        ("rtl\u202eevil", "'rtl\\u202eevil'"),
        ("zero\u200bwidth", "'zero\\u200bwidth'"),
        ("tag\U000e0001", "'tag\\udb40\\udc01'"),
        ("café 😀 日本", "'café 😀 日本'"),
        ("", "''"),
    ],
)
def test_string_literal_text(value: str, expected: str) -> None:
    assert kql_literal(value, "string") == expected


def test_lone_surrogate_is_refused() -> None:
    with pytest.raises(TemplateError, match="lone surrogate"):
        kql_literal("bad\ud800", "string")


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("10.0.0.4", "ip", "'10.0.0.4'"),
        (ipaddress.ip_address("10.0.0.4"), "ip", "'10.0.0.4'"),
        ("2001:DB8:0:0::1", "ip", "'2001:db8::1'"),
        ("10.20.0.0/16", "cidr", "'10.20.0.0/16'"),
        (ipaddress.ip_network("10.0.0.0/8"), "cidr", "'10.0.0.0/8'"),
        (
            datetime(2026, 11, 20, 10, tzinfo=timezone.utc),
            "datetime",
            "datetime(2026-11-20T10:00:00.0000000Z)",
        ),
        (
            datetime(2026, 11, 20, 11, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1))),
            "datetime",
            "datetime(2026-11-20T10:00:00.1234560Z)",
        ),
        (timedelta(hours=2), "timespan", "2h"),
        (timedelta(days=3), "timespan", "3d"),
        (timedelta(minutes=90), "timespan", "90m"),
        (timedelta(seconds=1.5), "timespan", "1500ms"),
        (timedelta(microseconds=7), "timespan", "7microsecond"),
        (timedelta(0), "timespan", "0s"),
        (timedelta(days=-1, hours=22), "timespan", "time(-0.02:00:00.0000000)"),
        (443, "int", "int(443)"),
        (7, "long", "7"),
        (-5, "int", "int(-5)"),
        (2**40, "long", "1099511627776"),
        (-(2**63), "long", f"long({-(2**63)})"),
        (True, "bool", "true"),
        (False, "bool", "false"),
        ([], "dynamic[ip]", "dynamic([])"),
        (("10.0.0.1", "10.0.0.2"), "dynamic[ip]", "dynamic(['10.0.0.1', '10.0.0.2'])"),
        ([1, 2], "dynamic[int]", "dynamic([int(1), int(2)])"),
        (["10.0.0.0/24"], "dynamic[cidr]", "dynamic(['10.0.0.0/24'])"),
    ],
)
def test_literal_of_each_kind(value: object, kind: str, expected: str) -> None:
    assert kql_literal(value, kind) == expected


@pytest.mark.parametrize(
    ("value", "kind", "message"),
    [
        (5, "string", "string expects a str"),
        ("10.0.0.256", "ip", "IPv4 or IPv6"),
        ("10.0.0.4 ", "ip", "IPv4 or IPv6"),
        ("10.0.0.4' or 1==1 //", "ip", "IPv4 or IPv6"),
        ("10.0.0.4/24", "cidr", "did you mean 10.0.0.0/24"),
        ("nope/8", "cidr", "prefix like"),
        (datetime(2026, 11, 20, 10), "datetime", "no time zone"),
        ("2026-11-20T10:00:00Z", "datetime", "timezone-aware datetime"),
        (7200, "timespan", "timedelta"),
        (True, "int", "an int"),
        ("443", "int", "an int"),
        (2**31, "int", "outside"),
        (2**63, "long", "outside"),
        (1, "bool", "a bool"),
        ("10.0.0.1", "dynamic[ip]", "a list"),
        (["10.0.0.1", "x"], "dynamic[ip]", "item 1"),
        ({"10.0.0.1"}, "dynamic[ip]", "a list"),
        ("x", "real", "unknown parameter kind"),
        ([], "dynamic[bool]", "unknown parameter kind"),
    ],
)
def test_ill_typed_values_are_refused(value: object, kind: str, message: str) -> None:
    with pytest.raises(TemplateError, match=re.escape(message)):
        kql_literal(value, kind)


def test_every_kind_is_documented_in_the_table() -> None:
    from netlogs.kql import literals

    assert literals.__doc__ is not None
    for kind in KINDS:
        base = kind.split("[")[0]
        assert base in literals.__doc__, kind
