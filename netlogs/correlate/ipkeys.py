"""Join keys: IPv4 strings become UInt32 once, on distinct values; names match in any case.

IPv6 (or anything that is not dotted-quad IPv4) gets a null key; callers keep the string for
those rows and join them on the string (the "string key path").
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

import polars as pl

_DOTTED_QUAD = r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$"


def ipv4_key_expr(column: str) -> pl.Expr:
    """UInt32 of a dotted-quad IPv4 string column; null for anything else."""
    parts = pl.col(column).str.split_exact(".", 3)
    octets = [parts.struct.field(f"field_{i}").cast(pl.Int64, strict=False) for i in range(4)]
    value = octets[0] * 16777216 + octets[1] * 65536 + octets[2] * 256 + octets[3]
    in_range = pl.all_horizontal([octet <= 255 for octet in octets])
    return (
        pl.when(pl.col(column).str.contains(_DOTTED_QUAD) & in_range)
        .then(value)
        .otherwise(None)
        .cast(pl.UInt32)
    )


def with_ipv4_key(
    frame: pl.DataFrame, column: str, key: str, address_id: str | None = None
) -> pl.DataFrame:
    """Add ``key`` (UInt32 or null) for ``column``, parsing each distinct address once.

    With ``address_id``, also add that column: a UInt32 numbering the distinct spellings of
    ``column`` (null for null). Grouping a big frame by it instead of by the address string
    hashes integers, not strings (about twice as fast); take the string back with ``first``.

    The numbering is a cast to a Categorical with categories of its own: one hashing pass over
    the rows gives both the numbers and the distinct spellings, where ``unique`` then
    ``replace_strict`` hashed every string twice (0.3x firewall records, 15 + 15 interleaved
    runs: 60 -> 30 ms CPU median; benchmarks/RESULTS-trace.md). Numbers follow first
    appearance; nothing may depend on their order.
    """
    # categories private to this call (freed with it): numbers 0, 1, ... in order of appearance
    spelled = frame.get_column(column).cast(pl.Categorical(pl.Categories.random()))
    ids = spelled.to_physical()
    by_number = _keys_by_number(spelled, key)
    added = [by_number.gather(ids)]
    if address_id is not None:
        added.append(ids.alias(address_id))
    return frame.with_columns(added)  # the other columns are not copied


def _keys_by_number(spelled: pl.Series, key: str) -> pl.Series:
    """``ipv4_key_expr`` of each spelling of a Categorical with categories of its own, indexed
    by its number.

    The spellings are read from the categories, in number order (``spelled`` keeps them
    alive): no second hashing pass over the rows to find them, as ``unique`` was (0.3x
    firewall records, ``with_ipv4_key`` 37 -> 24 ms CPU, 21 + 21 interleaved runs:
    benchmarks/RESULTS-trace.md). A number reserved but never given a spelling would read as
    null, and no row has it.
    """
    dtype = spelled.dtype
    if not isinstance(dtype, pl.Categorical):
        raise TypeError(f"expected a Categorical column, got {dtype}")
    names = dtype.categories.to_series().rename(key).to_frame()
    return names.select(ipv4_key_expr(key).alias(key)).to_series()


def spellings(frame: pl.DataFrame, column: str, wanted: Iterable[str]) -> list[str]:
    """The distinct values of ``column`` equal to one of ``wanted`` in any letter case.

    Names (vault, firewall, FQDN) have few distinct values: comparing those once is much
    cheaper than lower-casing every row of a large table.
    """
    targets = {value.lower() for value in wanted}
    return distinct_values(frame, column, lambda value: value.lower() in targets)


def distinct_values(frame: pl.DataFrame, column: str, test: Callable[[str], bool]) -> list[str]:
    """The distinct non-null values of ``column`` that pass ``test`` (few values, tested once)."""
    distinct = frame.get_column(column).drop_nulls().unique().to_list()
    return sorted(value for value in distinct if test(value))


def _ipv4_bounds(prefix: str) -> tuple[int, int] | None:
    network = ipaddress.ip_network(prefix, strict=False)
    if network.version != 4:
        return None
    return int(network.network_address), int(network.broadcast_address)


def in_ipv4_prefixes(key: pl.Expr, prefixes: Iterable[str]) -> pl.Expr:
    """True where the UInt32 ``key`` lies in one of ``prefixes`` (IPv6 prefixes are ignored)."""
    bounds = [b for b in (_ipv4_bounds(p) for p in prefixes) if b is not None]
    if not bounds:
        return pl.lit(False)
    tests = [key.is_between(low, high) for low, high in bounds]
    return pl.any_horizontal(tests).fill_null(False)


PRIVATE_PREFIXES: tuple[str, ...] = (
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
)


def is_private_address(ip: pl.Expr, key: pl.Expr) -> pl.Expr:
    """RFC 1918/6598 (and loopback/link-local) IPv4, or an IPv6 ULA/link-local address."""
    v6_private = ip.str.to_lowercase().str.contains(r"^(f[cd][0-9a-f]{2}:|fe80:|::1$)")
    return in_ipv4_prefixes(key, PRIVATE_PREFIXES) | (key.is_null() & v6_private.fill_null(False))
