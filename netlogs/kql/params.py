"""Parameter values from text (command line, template defaults) and from an EvidenceQuery.

Text forms accepted by ``parse_param_text``:

=================  =========================================================================
kind               text
=================  =========================================================================
string, ip, cidr   the text itself (ip/cidr are validated when rendered)
datetime           ISO 8601 with a zone: ``2026-11-20T10:00:00Z``, ``...+01:00``; up to 7 digits
timespan           ``90s``, ``15m``, ``2h``, ``1d``, ``500ms`` or ``[d.]hh:mm:ss[.fffffff]``
int, long          a decimal integer
bool               ``true`` or ``false``
dynamic[...]       a JSON array (``["a","b"]``) or comma-separated items; empty text = ``[]``
=================  =========================================================================
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

from netlogs.errors import TemplateError
from netlogs.model import EvidenceQuery, TimeWindow

# The parameter names every evidence template draws from, with their kinds, so a source can
# fill any template generically (see ``evidence_params``).
STANDARD_PARAMS: dict[str, str] = {
    "start": "datetime",
    "end": "datetime",
    "vault_name": "string",
    "vault_fqdn": "string",
    "private_endpoint_ips": "dynamic[ip]",
    "vault_public_ips": "dynamic[ip]",
    "client_ips": "dynamic[ip]",
    "firewall_names": "dynamic[string]",
}

_DATETIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<clock>\d{2}:\d{2}(?::\d{2})?)"
    r"(?:\.(?P<fraction>\d{1,7}))?(?P<zone>Z|z|[+-]\d{2}:?\d{2})\Z"
)
_UNIT_SPAN = re.compile(r"(?P<number>\d+(?:\.\d+)?)(?P<unit>d|h|m|s|ms)\Z")
_CLOCK_SPAN = re.compile(
    r"(?:(?P<days>\d+)\.)?(?P<hours>\d{1,2}):(?P<minutes>\d{2}):(?P<seconds>\d{2})"
    r"(?:\.(?P<fraction>\d{1,7}))?\Z"
)
_UNIT_SECONDS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_param_text(kind: str, text: str) -> object:
    """The Python value that ``text`` stands for as a parameter of ``kind``.

    Raises:
        TemplateError: the text does not fit the kind.
    """
    if kind.startswith("dynamic["):
        return _parse_list(kind[len("dynamic[") : -1], text)
    if kind in ("string", "ip", "cidr"):
        return text
    parser = _TEXT_PARSERS.get(kind)
    if parser is None:
        raise TemplateError(f"unknown parameter kind {kind!r}")
    return parser(text.strip())


def _parse_datetime(text: str) -> datetime:
    match = _DATETIME.match(text)
    if match is None:
        raise TemplateError(
            f"datetime expects ISO 8601 with a zone (2026-11-20T10:00:00Z), got {text!r:.60}"
        )
    clock = (
        match.group("clock")
        if match.group("clock").count(":") == 2
        else match.group("clock") + ":00"
    )
    fraction = (match.group("fraction") or "").ljust(7, "0")
    if fraction[6] != "0":
        raise TemplateError(f"datetime {text!r}: Python keeps microseconds; drop the 7th digit")
    zone = match.group("zone").upper().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(f"{match.group('date')}T{clock}.{fraction[:6]}{zone}")
    except ValueError as exc:
        raise TemplateError(f"datetime {text!r}: {exc}") from None
    return parsed.astimezone(timezone.utc)


def _parse_timespan(text: str) -> timedelta:
    unit = _UNIT_SPAN.match(text)
    if unit is not None:
        return timedelta(seconds=float(unit.group("number")) * _UNIT_SECONDS[unit.group("unit")])
    clock = _CLOCK_SPAN.match(text)
    if clock is None:
        raise TemplateError(f"timespan expects e.g. 90s, 15m, 2h, 1d or 01:30:00, got {text!r:.60}")
    fraction = (clock.group("fraction") or "").ljust(7, "0")
    return timedelta(
        days=int(clock.group("days") or 0),
        hours=int(clock.group("hours")),
        minutes=int(clock.group("minutes")),
        seconds=int(clock.group("seconds")),
        microseconds=int(fraction[:6]),
    )


def _parse_int(text: str) -> int:
    try:
        return int(text, 10)
    except ValueError:
        raise TemplateError(f"expected a decimal integer, got {text!r:.60}") from None


def _parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered not in ("true", "false"):
        raise TemplateError(f"bool expects true or false, got {text!r:.60}")
    return lowered == "true"


def _parse_list(element_kind: str, text: str) -> list[object]:
    stripped = text.strip()
    if not stripped:
        return []
    if not stripped.startswith("["):
        return [parse_param_text(element_kind, item.strip()) for item in stripped.split(",")]
    try:
        items = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"list is not valid JSON: {exc}") from None
    if not isinstance(items, list):
        raise TemplateError("list must be a JSON array")
    return items


_TEXT_PARSERS = {
    "datetime": _parse_datetime,
    "timespan": _parse_timespan,
    "int": _parse_int,
    "long": _parse_int,
    "bool": _parse_bool,
}


def evidence_params(query: EvidenceQuery, window: TimeWindow) -> dict[str, object]:
    """Values for every standard parameter; pick a template's subset with ``params_for``."""
    return {
        "start": window.start,
        "end": window.end,
        "vault_name": query.vault_name,
        "vault_fqdn": query.vault_fqdn,
        "private_endpoint_ips": list(query.private_endpoint_ips),
        "vault_public_ips": list(query.vault_public_ips),
        "client_ips": list(query.client_ips),
        "firewall_names": list(query.firewall_names),
    }
