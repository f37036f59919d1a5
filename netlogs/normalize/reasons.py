"""Why a canonical row is set aside: the row ledger's rules as polars expressions.

``first_reasons`` gives, per canonical table, the first reason that applies to each row (a
small integer code, ``CODE``; null: the row is used), in the order ``ledger.py`` documents,
both in full and without the rules a source's filter by the query already decides
(``DECIDED_BY_FILTER``); ``codes_of`` evaluates them, each rule once per row.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import polars as pl

from netlogs.model import EvidenceQuery, EvidenceTables, SetAsideReason, TimeWindow
from netlogs.normalize.filters import client_filter, in_window, one_of, vault_names

REASON = "_set_aside"  # the code column while a frame is labelled
REASONS = tuple(SetAsideReason)
CODE = {reason: index for index, reason in enumerate(REASONS)}

_IPV4_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = rf"^{_IPV4_OCTET}(\.{_IPV4_OCTET}){{3}}$"
_IPV6 = r"^[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){2,7}(:(\d{1,3}\.){3}\d{1,3})?$"
# What a source's filter by the query (``evidence_predicates``) decides: a row it kept is not
# of another vault, is inside the window and is about the vault and the clients asked for.
DECIDED_BY_FILTER = frozenset(
    {SetAsideReason.OTHER_VAULT, SetAsideReason.OUTSIDE_WINDOW, SetAsideReason.UNRELATED}
)


def is_address(column: str) -> pl.Expr:
    """True where ``column`` is exactly an IPv4 or IPv6 address (no port, no spaces)."""
    value = pl.col(column)
    return (value.str.contains(_IPV4) | value.str.contains(_IPV6)).fill_null(False)


class Reasons(NamedTuple):
    """A table's first-reason expression, in full and without the rules the query's filter
    decides (for rows a source already filtered: those rules hold for every such row)."""

    full: pl.Expr
    after_filter: pl.Expr


def codes_of(frame: pl.DataFrame, reasons: Reasons, filtered: pl.Series | None) -> pl.Series:
    """Each row's first reason (a small integer code; null: used), every rule tested once.
    Marks that do not fit the frame (replaced since normalization) are not trusted."""
    if filtered is None or filtered.len() != frame.height or not filtered.any():
        return frame.select(reasons.full.alias(REASON)).to_series()
    codes = frame.select(reasons.after_filter.alias(REASON)).to_series()
    retest = (~filtered).arg_true()  # the few rows the source returned unfiltered
    if retest.is_empty():
        return codes
    return codes.scatter(retest, frame[retest].select(reasons.full).to_series())


def _address_check(frame: pl.DataFrame, column: str) -> pl.Expr:
    """``is_address(column)`` decided once per distinct value (thousands of clients, not a
    million rows), then looked up."""
    values = frame.get_column(column).drop_nulls().unique()
    valid = values.filter(values.to_frame(column).select(is_address(column)).to_series())
    if valid.len() == values.len():  # the usual case: no lookup of every row needed
        return pl.col(column).is_not_null()
    return pl.col(column).is_in(valid.implode()).fill_null(False)


def first_reasons(
    query: EvidenceQuery, sane: TimeWindow, tables: EvidenceTables
) -> dict[str, Reasons]:
    """Per canonical table, the first reason each row is set aside (null: the row is used)."""
    fw, flow = tables.fw_events, tables.flows
    fw_src, fw_dst = _address_check(fw, "src_ip"), _address_check(fw, "dst_ip")
    flow_src, flow_dst = _address_check(flow, "src_ip"), _address_check(flow, "dst_ip")
    names = vault_names(query)
    targets = [*query.private_endpoint_ips, *query.vault_public_ips]
    client = client_filter(query)
    firewalls = [name.lower() for name in query.firewall_names]
    own_firewall = (
        pl.col("firewall").is_null() | one_of("firewall", firewalls)
        if firewalls
        else pl.lit(True)
    )
    to_vault = (one_of("dst_ip", targets) | one_of("fqdn", names)).fill_null(False)
    # the destination is known (an address or a name) and it is not the vault
    fw_elsewhere = ~to_vault & (fw_dst | pl.col("fqdn").is_not_null())
    fw_unplaced = (~fw_dst & pl.col("dst_ip").is_not_null()) | (
        pl.col("dst_ip").is_null() & pl.col("fqdn").is_null()
    )
    flow_elsewhere = flow_dst & ~one_of("dst_ip", targets).fill_null(False)
    return {
        "kv_requests": _chains(
            *_time_reasons("time", "time", sane),
            (pl.col("vault") != query.vault_name.lower()).fill_null(True),
            SetAsideReason.OTHER_VAULT,
            ~in_window("time", "time", query.window),
            SetAsideReason.OUTSIDE_WINDOW,
            ~_address_check(tables.kv_requests, "caller_ip"),
            SetAsideReason.MALFORMED_ADDRESS,
        ),
        "fw_events": _chains(
            *_time_reasons("time", "time", sane),
            ~in_window("time", "time", query.firewall_window()),
            SetAsideReason.OUTSIDE_WINDOW,
            ~own_firewall.fill_null(False) | fw_elsewhere | ~client("src_ip"),
            SetAsideReason.UNRELATED,
            ~fw_src | fw_unplaced,
            SetAsideReason.MALFORMED_ADDRESS,
        ),
        "flows": _chains(
            *_time_reasons("time_start", "time_end", sane),
            ~in_window("time_start", "time_end", query.window),
            SetAsideReason.OUTSIDE_WINDOW,
            flow_elsewhere | ~client("src_ip"),
            SetAsideReason.UNRELATED,
            ~flow_src | ~flow_dst,
            SetAsideReason.MALFORMED_ADDRESS,
        ),
        "dns": _chains(
            *_time_reasons("time", "time", sane),
            ~in_window("time", "time", query.window),
            SetAsideReason.OUTSIDE_WINDOW,
            ~one_of("query_name", names).fill_null(False) | ~client("client_ip"),
            SetAsideReason.UNRELATED,
        ),
    }


def _time_reasons(start: str, end: str, sane: TimeWindow) -> tuple[Any, ...]:
    low = pl.lit(sane.start).dt.cast_time_unit("us")
    high = pl.lit(sane.end).dt.cast_time_unit("us")
    missing = pl.col(start).is_null() | pl.col(end).is_null()
    absurd = (pl.col(start) < low) | (pl.col(end) > high) | (pl.col(end) < pl.col(start))
    return (
        missing,
        SetAsideReason.UNPARSEABLE_TIME,
        absurd.fill_null(False),
        SetAsideReason.OUT_OF_RANGE_TIME,
    )


def _chains(*pairs: Any) -> Reasons:
    """The reasons in order, in full and without those the query's filter decides."""
    rest = [
        part
        for condition, reason in zip(pairs[0::2], pairs[1::2], strict=True)
        if reason not in DECIDED_BY_FILTER
        for part in (condition, reason)
    ]
    return Reasons(_first(*pairs), _first(*rest))


def _first(*pairs: Any) -> pl.Expr:
    """``when(c1).then(r1).when(c2).then(r2)...`` with a null otherwise (the row is used)."""
    conditions: list[pl.Expr] = list(pairs[0::2])
    reasons: list[SetAsideReason] = list(pairs[1::2])
    chain: Any = pl
    for condition, reason in zip(conditions, reasons, strict=True):
        chain = chain.when(condition.fill_null(True)).then(pl.lit(CODE[reason], dtype=pl.UInt8))
    return chain.otherwise(pl.lit(None, dtype=pl.UInt8))  # type: ignore[no-any-return]
