"""IPv4 addresses and prefixes as integers.

``ipaddress`` objects are convenient but slow; route computation handles thousands of prefixes
per subnet, so everything on the hot path is a pair of ints ``(network, length)``.
"""

from __future__ import annotations

from functools import lru_cache

ALL_ONES = 0xFFFFFFFF


def mask(length: int) -> int:
    """The netmask of a prefix length as an int (0 for /0)."""
    return (ALL_ONES << (32 - length)) & ALL_ONES if length else 0


def _parse_ip(text: str) -> int | None:
    """Dotted IPv4 to int; None for anything else (IPv6, garbage)."""
    parts = text.strip().split(".")
    if len(parts) != 4:
        return None
    value = 0
    for part in parts:
        if not part.isdigit() or len(part) > 3:
            return None
        octet = int(part)
        if octet > 255:
            return None
        value = (value << 8) | octet
    return value


def parse_prefix_once(text: str) -> tuple[int, int] | None:
    """``a.b.c.d/n`` (or a bare address, as /32) to ``(network, length)`` with host bits cleared.

    None when the text is not an IPv4 prefix (IPv6 ranges are not modelled). Uncached: for
    one-pass scans over every subnet, which would only evict the route prefixes from the cache.
    """
    address, _, length_text = text.strip().partition("/")
    ip = _parse_ip(address)
    if ip is None:
        return None
    if not length_text:
        return ip, 32
    if not length_text.isdigit() or int(length_text) > 32:
        return None
    length = int(length_text)
    return ip & mask(length), length


parse_ip = lru_cache(maxsize=1 << 16)(_parse_ip)
parse_prefix = lru_cache(maxsize=1 << 16)(parse_prefix_once)


def format_ip(value: int) -> str:
    return f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"


def exact_ipv4(text: str) -> int | None:
    """An IPv4 address written exactly as a dotted quad (no spaces, no leading zeros: what
    ``ipaddress`` accepts), as an int; None for anything else."""
    value = parse_ip(text)
    return value if value is not None and format_ip(value) == text else None


def format_prefix(network: int, length: int) -> str:
    return f"{format_ip(network)}/{length}"


def contains(network: int, length: int, ip: int) -> bool:
    """True when ``ip`` lies in ``network/length``."""
    return (ip & mask(length)) == network


def covers(outer: tuple[int, int], inner: tuple[int, int]) -> bool:
    """True when prefix ``outer`` contains all of prefix ``inner`` (equal counts)."""
    return outer[1] <= inner[1] and contains(outer[0], outer[1], inner[0])
