"""``kql_literal()``: the one way a value enters a KQL query.

Every value becomes exactly one Kusto literal token, whatever it contains. Strings use the
single-quoted form with backslash escapes, the form Microsoft's own Kusto.Language library
produces (``KustoFacts.GetSingleQuotedStringLiteral``), with one addition: every character that
is invisible or could reorder what a reader sees (controls, bidi and zero-width formatters,
line/paragraph separators, non-ASCII spaces, unassigned and private-use code points) is written
as ``\\uXXXX``. A query pasted into the portal therefore shows exactly what it will match.

Kinds:

==============  =========================================  ==================================
kind            Python value                               rendered as
==============  =========================================  ==================================
string          str                                        ``'it\\'s'``
ip              str, ipaddress.IPv4Address/IPv6Address     ``'10.0.0.4'`` (canonical text)
cidr            str, ipaddress.IPv4Network/IPv6Network     ``'10.0.0.0/24'``
datetime        timezone-aware datetime.datetime           ``datetime(...T10:00:00.0000000Z)``
                                                           (seven fractional digits)
timespan        datetime.timedelta                         ``2h``, ``90s``, ``time(-0.00:...)``
int, long       int (not bool), range-checked              ``int(443)``; long ``443``, ``long(-1)``
bool            bool                                       ``true`` / ``false``
dynamic[kind]   list or tuple of the element kind          ``dynamic(['a', 'b'])``
==============  =========================================  ==================================

List element kinds: string, ip, cidr, int, long.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from netlogs.errors import TemplateError

SCALAR_KINDS = ("string", "ip", "cidr", "datetime", "timespan", "int", "long", "bool")
LIST_ELEMENT_KINDS = ("string", "ip", "cidr", "int", "long")
LIST_KINDS = tuple(f"dynamic[{kind}]" for kind in LIST_ELEMENT_KINDS)
KINDS = SCALAR_KINDS + LIST_KINDS

_SIMPLE_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Unicode categories written as \uXXXX: controls, formatters (bidi, zero-width, BOM), line and
# paragraph separators, surrogates, private use, unassigned.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
_INT_RANGE = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_MICROSECONDS_PER_UNIT = (
    ("d", 86_400_000_000),
    ("h", 3_600_000_000),
    ("m", 60_000_000),
    ("s", 1_000_000),
    ("ms", 1_000),
    ("microsecond", 1),
)


def kql_literal(value: object, kind: str) -> str:
    """Render ``value`` as one KQL literal of ``kind``.

    Args:
        value: the Python value (see the module docstring for what each kind accepts).
        kind: one of ``KINDS``.

    Returns:
        KQL text that the Kusto parser reads as a single literal holding exactly ``value``.

    Raises:
        TemplateError: unknown kind, or a value of the wrong type or out of range.
    """
    if kind.startswith("dynamic[") and kind in LIST_KINDS:
        return _dynamic_literal(value, kind[len("dynamic[") : -1])
    render = _SCALAR_RENDERERS.get(kind)
    if render is None:
        raise TemplateError(f"unknown parameter kind {kind!r} (known: {', '.join(KINDS)})")
    return render(value)


def _type_error(kind: str, expected: str, value: object) -> TemplateError:
    return TemplateError(f"{kind} expects {expected}, got {type(value).__name__} {value!r:.60}")


def _escape_char(char: str) -> str:
    simple = _SIMPLE_ESCAPES.get(char)
    if simple is not None:
        return simple
    if char.isascii() and char.isprintable():
        return char
    category = unicodedata.category(char)
    if category in _ESCAPED_CATEGORIES or category == "Zs":
        return _unicode_escape(char)
    return char


def _unicode_escape(char: str) -> str:
    # \u takes exactly four hex digits; characters beyond the BMP become a UTF-16 surrogate pair.
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _string_literal(value: object) -> str:
    if not isinstance(value, str):
        raise _type_error("string", "a str", value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise TemplateError(
            f"string holds a lone surrogate at index {exc.start}; it is not valid Unicode"
        ) from None
    return "'" + "".join(_escape_char(char) for char in value) + "'"


def _ip_literal(value: object) -> str:
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return _string_literal(str(value))
    if not isinstance(value, str):
        raise _type_error("ip", "an IP address string", value)
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise TemplateError(f"ip expects an IPv4 or IPv6 address, got {value!r:.60}") from None
    return _string_literal(str(address))


def _cidr_literal(value: object) -> str:
    if isinstance(value, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
        return _string_literal(str(value))
    if not isinstance(value, str):
        raise _type_error("cidr", "a CIDR prefix string", value)
    try:
        network = ipaddress.ip_network(value)
    except ValueError:
        try:
            loose = ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise TemplateError(
                f"cidr expects a prefix like 10.0.0.0/24, got {value!r:.60}"
            ) from None
        raise TemplateError(f"cidr {value!r} has host bits set; did you mean {loose}?") from None
    return _string_literal(str(network))


def _datetime_literal(value: object) -> str:
    if not isinstance(value, datetime):
        raise _type_error("datetime", "a timezone-aware datetime", value)
    if value.utcoffset() is None:
        raise TemplateError(f"datetime {value.isoformat()} has no time zone; give UTC explicitly")
    utc = value.astimezone(timezone.utc)
    # Kusto datetimes carry 100 ns ticks: seven fractional digits.
    return f"datetime({utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond * 10:07d}Z)"


def _timespan_literal(value: object) -> str:
    if not isinstance(value, timedelta):
        raise _type_error("timespan", "a datetime.timedelta", value)
    micros = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    if micros < 0:
        # "-2h" would be unary minus applied to a literal; time(...) keeps it one token.
        return f"time(-{_clock_text(-micros)})"
    if micros == 0:
        return "0s"
    for unit, size in _MICROSECONDS_PER_UNIT:
        if micros % size == 0:
            return f"{micros // size}{unit}"
    raise AssertionError("unreachable: every timedelta is a whole number of microseconds")


def _clock_text(micros: int) -> str:
    days, rest = divmod(micros, 86_400_000_000)
    seconds, fraction = divmod(rest, 1_000_000)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return f"{days}.{hours:02d}:{minutes:02d}:{seconds:02d}.{fraction * 10:07d}"


def _integer_literal(kind: str) -> Callable[[object], str]:
    low, high = _INT_RANGE[kind]

    def render(value: object) -> str:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _type_error(kind, "an int", value)
        if not low <= value <= high:
            raise TemplateError(f"{kind} value {value} is outside [{low}, {high}]")
        # Bare digits are a long literal, and "-5" is unary minus applied to one: int(...) keeps
        # the declared type, long(-5) keeps a negative long a single literal token.
        return str(value) if kind == "long" and value >= 0 else f"{kind}({value})"

    return render


def _bool_literal(value: object) -> str:
    if not isinstance(value, bool):
        raise _type_error("bool", "a bool", value)
    return "true" if value else "false"


def _dynamic_literal(value: object, element_kind: str) -> str:
    if not isinstance(value, (list, tuple)):
        raise _type_error(f"dynamic[{element_kind}]", "a list", value)
    render = _SCALAR_RENDERERS[element_kind]
    items = []
    for index, item in enumerate(value):
        try:
            items.append(render(item))
        except TemplateError as exc:
            raise TemplateError(f"item {index}: {exc}") from None
    return f"dynamic([{', '.join(items)}])"


_SCALAR_RENDERERS: dict[str, Callable[[object], str]] = {
    "string": _string_literal,
    "ip": _ip_literal,
    "cidr": _cidr_literal,
    "datetime": _datetime_literal,
    "timespan": _timespan_literal,
    "int": _integer_literal("int"),
    "long": _integer_literal("long"),
    "bool": _bool_literal,
}
