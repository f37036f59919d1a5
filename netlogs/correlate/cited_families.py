"""How each log family's rows read when cited: whose they are, their summary, label and
outcome (``FamilyRows``, consumed by ``netlogs.correlate.citations``)."""

from __future__ import annotations

from typing import NamedTuple

import polars as pl

from netlogs.model import LogFamily


class FamilyRows(NamedTuple):
    """How one log family's rows are cited: the rows, whose they are, how they read."""

    frame: pl.DataFrame  # time-ordered
    family: LogFamily
    client: str  # the column holding the original client IP
    time: pl.Expr
    summary: pl.Expr  # the cited row's one-line summary
    label: pl.Expr  # the timeline point's label
    outcome: pl.Expr  # ok / denied / error, the timeline point's colour
    kind: pl.Expr  # the outcome as a number (see ``_outcome``): what rows are grouped by
    client_id: str | None = None  # a number per client spelling, grouped by instead (faster)
    # cited only for clients none of whose requests reached the vault (counted for the others)
    only_unreached: bool = False


def _text(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String).fill_null("?")


def _outcome(denied: pl.Expr, error: pl.Expr | None = None) -> tuple[pl.Expr, pl.Expr]:
    """(the outcome's text, the same outcome as a UInt8: one ``when`` chain, the same rows).

    Rows are grouped per client and kind by the number, not the text: picking the firewall
    records' rows 0.052 -> 0.035 s CPU at 0.3x, the vault requests' 0.029 -> 0.024 s (medians
    of 8 interleaved runs, same positions; benchmarks/RESULTS-trace.md).
    """
    if error is None:
        text = pl.when(denied).then(pl.lit("denied")).otherwise(pl.lit("ok"))
        return text, pl.when(denied).then(1).otherwise(0).cast(pl.UInt8)
    text = pl.when(denied).then(pl.lit("denied")).when(error).then(pl.lit("error"))
    code = pl.when(denied).then(1).when(error).then(2).otherwise(0).cast(pl.UInt8)
    return text.otherwise(pl.lit("ok")), code


def request_evidence(requests: pl.DataFrame) -> FamilyRows:
    """The Key Vault family: attributed requests, by original client."""
    status = _text(pl.col("http_status"))
    stitched = pl.when(pl.col("client_ip") != pl.col("caller_ip")).then(
        pl.concat_str(pl.lit(" (SNAT of "), pl.col("client_ip"), pl.lit(")"))
    )
    summary = pl.concat_str(
        [
            _text(pl.col("operation")),
            pl.lit(" "),
            status,
            pl.when(pl.col("error_code").is_not_null()).then(
                pl.concat_str(pl.lit(" "), pl.col("error_code"))
            ),
            pl.lit(" caller "),
            _text(pl.col("caller_ip")),
            stitched,
            pl.lit(" via "),
            pl.col("arrival"),
            pl.when(pl.col("covering_row").is_not_null()).then(
                pl.concat_str(pl.lit(", covered by "), pl.col("covering_row"))
            ),
        ],
        ignore_nulls=True,
    )
    challenge = (pl.col("operation") == "Authentication") & (pl.col("http_status") == 401)
    outcome = _outcome(pl.col("network_denied"), (pl.col("http_status") >= 400) & ~challenge)
    label = pl.concat_str(_text(pl.col("operation")), pl.lit(" "), status)
    return FamilyRows(
        requests, LogFamily.KEYVAULT, "client_ip", pl.col("time"), summary, label, *outcome
    )


def _endpoint(ip: str, port: str) -> pl.Expr:
    return pl.concat_str(
        [
            _text(pl.col(ip)),
            pl.when(pl.col(port).is_not_null()).then(
                pl.concat_str(pl.lit(":"), pl.col(port).cast(pl.String))
            ),
        ],
        ignore_nulls=True,
    )


def firewall_evidence(records: pl.DataFrame) -> FamilyRows:
    """The firewall family: records to the vault, by source address (SYN retries left out)."""
    dst_name = pl.when(pl.col("kind") == "application").then(pl.col("fqdn"))
    destination = pl.concat_str(
        [
            pl.coalesce(dst_name, pl.col("dst_ip"), pl.col("fqdn")).fill_null("?"),
            pl.when(pl.col("dst_port").is_not_null()).then(
                pl.concat_str(pl.lit(":"), pl.col("dst_port").cast(pl.String))
            ),
        ],
        ignore_nulls=True,
    )
    rule = pl.coalesce(pl.col("rule"), pl.col("action_reason"))
    summary = pl.concat_str(
        [
            _endpoint("src_ip", "src_port"),
            pl.lit(" -> "),
            destination,
            pl.lit(" "),
            _text(pl.col("action")),
            pl.when(rule.is_not_null()).then(pl.concat_str(pl.lit(" (rule "), rule, pl.lit(")"))),
            pl.when(pl.col("firewall").is_not_null()).then(
                pl.concat_str(pl.lit(" on "), pl.col("firewall"))
            ),
        ],
        ignore_nulls=True,
    )
    label = pl.concat_str([_text(pl.col("action")), rule], separator=" ", ignore_nulls=True)
    outcome = _outcome(pl.col("verdict_action") == "deny")
    # grouped by the addresses' numbers (see with_ipv4_key): 0.116 -> 0.105 s for cite_evidence
    # at 0.3x (8 interleaved runs each), same rows
    return FamilyRows(
        records, LogFamily.FIREWALL, "src_ip", pl.col("time"), summary, label, *outcome, "src_id"
    )


def flow_evidence(flows: pl.DataFrame) -> FamilyRows:
    """The flow-log family: outbound flows to the vault, by source address."""
    decision = pl.when(pl.col("denied")).then(pl.lit("Deny")).otherwise(pl.lit("Allow"))
    summary = pl.concat_str(
        [
            _endpoint("src_ip", "src_port"),
            pl.lit(" -> "),
            _endpoint("dst_ip", "dst_port"),
            pl.lit(" "),
            decision,
            pl.when(pl.col("flow_state").is_not_null()).then(
                pl.concat_str(pl.lit(" state "), pl.col("flow_state"))
            ),
            pl.when(pl.col("rule").is_not_null()).then(
                pl.concat_str(pl.lit(" (rule "), pl.col("rule"), pl.lit(")"))
            ),
        ],
        ignore_nulls=True,
    )
    label = pl.concat_str(
        [pl.col("direction"), pl.col("flow_state"), _endpoint("dst_ip", "dst_port")],
        separator=" ",
        ignore_nulls=True,
    )
    outcome, kind = _outcome(pl.col("denied"))
    return FamilyRows(
        flows,
        LogFamily.FLOW,
        "src_ip",
        pl.col("time_start"),
        summary,
        label,
        outcome,
        kind,
        only_unreached=True,
    )
