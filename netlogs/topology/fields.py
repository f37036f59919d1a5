"""Typed, located reads of one resource mapping of the topology file.

A ``Fields`` wraps one mapping (a VNet, a subnet, a route...) together with the file name and the
resource path used in messages (``virtualNetworks[spoke1].subnets[snet-pe]``), so that every
problem is reported as ``<file>: <resource>: <field>: <problem>``.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from netlogs.errors import TopologyError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
ROOT = "topology"  # the resource name of the file's top level in messages


def describe(value: Any) -> str:
    """A short description of a value of the wrong type, for messages."""
    names = {str: "a string", bool: "a boolean", int: "a number", float: "a number",
             list: "a list", dict: "a mapping", type(None): "nothing"}
    kind = names.get(type(value), type(value).__name__)
    if value is None or isinstance(value, (list, dict)):
        return kind  # never rendered: a container may be huge (or aliased many times over)
    text = repr(value[:41]) if isinstance(value, str) else repr(value)
    return f"{kind} ({text if len(text) <= 40 else text[:37] + '...'})"


def parse_cidr(text: str) -> IPNetwork:
    """A prefix without host bits; raises ValueError with a reason."""
    if "/" not in text:
        raise ValueError(f"{text!r} is not a CIDR (no prefix length)")
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError:
        pass
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid CIDR") from None
    raise ValueError(f"{text!r} has host bits set (did you mean '{network}'?)")


def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid IP address") from None


def parse_ip_or_cidr(
    text: str,
) -> IPNetwork | ipaddress.IPv4Address | ipaddress.IPv6Address:
    """A single address stays an address; a prefix must be a clean CIDR."""
    return parse_cidr(text) if "/" in text else parse_ip(text)


class Fields:
    """Read fields of one resource; every failure names file, resource and field."""

    def __init__(self, data: Any, file: str, resource: str) -> None:
        if not isinstance(data, Mapping):
            raise TopologyError(file, resource, f"expected a mapping, got {describe(data)}")
        self.data: Mapping[str, Any] = data
        self.file = file
        self.resource = resource

    def error(self, field: str | None, problem: str) -> TopologyError:
        return TopologyError(self.file, self.resource, f"{field}: {problem}" if field else problem)

    def child(self, key: str, data: Any, label: str) -> Fields:
        prefix = "" if self.resource == ROOT else f"{self.resource}."
        return Fields(data, self.file, f"{prefix}{key}[{label}]")

    def reject_unknown(self, allowed: Iterable[str]) -> None:
        """Typos matter in a hand-written file: an unknown key is an error, with a hint."""
        known = list(allowed)
        for key in self.data:
            if key not in known:
                hint = difflib.get_close_matches(str(key), known, n=1)
                suffix = f" (did you mean '{hint[0]}'?)" if hint else ""
                raise self.error(None, f"unknown field {key!r}{suffix}")

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def string(self, key: str) -> str:
        value = self.data.get(key)
        if value is None:
            raise self.error(key, "required field is missing")
        return self._as_string(key, value)

    def opt_string(self, key: str, default: str | None = None) -> str | None:
        value = self.data.get(key)
        return default if value is None else self._as_string(key, value)

    def _as_string(self, key: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"expected a non-empty string, got {describe(value)}")
        return value.strip()

    def choice(self, key: str, choices: Iterable[str], default: str) -> str:
        value = self.opt_string(key, default) or default
        options = list(choices)
        if value not in options:
            raise self.error(key, f"{value!r} is not one of {', '.join(options)}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {describe(value)}")
        return value

    def list_of(self, key: str, required: bool = False) -> list[Any]:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.error(key, "required field is missing")
            return []
        if not isinstance(value, list):
            raise self.error(key, f"expected a list, got {describe(value)}")
        return value

    def strings(self, key: str, required: bool = False) -> tuple[str, ...]:
        items = self.list_of(key, required)
        for item in items:
            if not isinstance(item, str) or not item.strip():
                raise self.error(key, f"expected a list of strings, found {describe(item)}")
        return tuple(item.strip() for item in items)

    def cidrs(self, key: str, required: bool = False) -> tuple[str, ...]:
        return tuple(self.checked(key, text, parse_cidr) for text in self.strings(key, required))

    def ips(self, key: str) -> tuple[str, ...]:
        return tuple(self.checked(key, text, parse_ip) for text in self.strings(key))

    def ip(self, key: str, required: bool = False) -> str | None:
        text = self.string(key) if required else self.opt_string(key)
        return None if text is None else self.checked(key, text, parse_ip)

    def checked(self, key: str, text: str, parse: Any) -> str:
        """Parse ``text`` with ``parse`` and return its canonical spelling."""
        try:
            return str(parse(text))
        except ValueError as exc:
            raise self.error(key, str(exc)) from None
